"""Name material for synthetic households: given names by sex and generation, family names
(marga / fam) for the regions that use them, street and hamlet names.

Names are common ones, combined at random, so a generated person is nobody in particular.
Each province gets a :class:`NameStyle` with its regional flavour.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ISLAMIC_MALE = (
    "Muhammad", "Ahmad", "Abdul", "Hasan", "Husein", "Ibrahim", "Ismail", "Yusuf", "Umar",
    "Ali", "Hamzah", "Zainal", "Arifin", "Syamsul", "Nurdin", "Salim", "Rahmat", "Hidayat",
    "Anwar", "Mansur", "Jamaludin", "Syarifudin", "Zulkifli", "Ridwan", "Fauzi", "Amir",
    "Hasanudin", "Saiful", "Ilham", "Yahya", "Sulaiman", "Mukhtar", "Harun", "Idris", "Kamal",
)
ISLAMIC_FEMALE = (
    "Siti", "Nur", "Aisyah", "Fatimah", "Khadijah", "Aminah", "Maryam", "Zainab", "Halimah",
    "Rohani", "Salmah", "Nurhayati", "Hasanah", "Rahmawati", "Nuraini", "Jamilah", "Zubaidah",
    "Rukiah", "Maimunah", "Syarifah", "Hafsah", "Asmah", "Nurul", "Hamidah", "Rosidah",
    "Saodah", "Fitriani", "Mardiah", "Nurjanah", "Masitah", "Sakinah", "Zahra", "Habibah",
)
JAVANESE_MALE = (
    "Budi", "Joko", "Slamet", "Suparman", "Sugeng", "Bambang", "Agus", "Eko", "Dwi", "Tri",
    "Wahyu", "Heru", "Sutrisno", "Sukardi", "Suyanto", "Mulyono", "Gunawan", "Hartono",
    "Teguh", "Bayu", "Sigit", "Darmaji", "Paimin", "Sarmin", "Tukiman", "Kasiman", "Wagiman",
    "Suwarno", "Supriyadi", "Haryanto", "Marsono", "Sunardi", "Widodo", "Purwanto", "Yanto",
)
JAVANESE_FEMALE = (
    "Sri", "Sumarni", "Suminah", "Sulastri", "Suharti", "Endang", "Tutik", "Wartini", "Sukini",
    "Parmi", "Painem", "Sutinah", "Ngatini", "Suprihatin", "Yuliani", "Retno", "Wulan",
    "Sumiyati", "Kasmini", "Tumini", "Sarini", "Murni", "Sri Wahyuni", "Ning", "Tri Astuti",
    "Dewi", "Rini", "Yanti", "Tarmini", "Warsini", "Lestari", "Sugiyem", "Marsinah",
)
JAVANESE_SECOND_MALE = (
    "Santoso", "Wibowo", "Susanto", "Purnomo", "Prasetyo", "Setiawan", "Nugroho", "Kurniawan",
    "Wijaya", "Saputra", "Hartono", "Raharjo", "Utomo", "Pranoto", "Sutejo", "Riyadi",
    "Priyono", "Wicaksono", "Hidayat", "Firmansyah", "Suryono", "Triyono",
)
JAVANESE_SECOND_FEMALE = (
    "Rahayu", "Lestari", "Wati", "Handayani", "Astuti", "Wahyuni", "Susanti", "Purwanti",
    "Sulistyowati", "Hartini", "Rahmawati", "Setyaningsih", "Mulyani", "Kusumawati",
    "Puspitasari", "Pratiwi", "Utami", "Ningsih",
)
SUNDANESE_MALE = (
    "Asep", "Ujang", "Dede", "Cecep", "Dadang", "Yayat", "Encep", "Dadan", "Iwan", "Ade",
    "Aceng", "Oman", "Jajang", "Nana", "Engkos", "Ayi", "Usep", "Atep", "Entis", "Dudung",
    "Maman", "Ucup", "Endang", "Tatang", "Ohim", "Otong", "Deden", "Wawan", "Yadi", "Ajat",
)
SUNDANESE_FEMALE = (
    "Euis", "Neneng", "Eneng", "Iis", "Imas", "Nining", "Yati", "Enok", "Cucu", "Entin",
    "Popon", "Titin", "Elis", "Nani", "Ai", "Yeni", "Enung", "Ikah", "Onih", "Mimin",
    "Eti", "Lilis", "Nenden", "Teti", "Aan", "Oom", "Atikah", "Nia", "Iyah", "Ela",
)
SUNDANESE_SECOND_MALE = (
    "Saepudin", "Sumarna", "Hidayat", "Suryana", "Rohmat", "Kurnia", "Mulyana", "Rusmana",
    "Permana", "Sopandi", "Rukmana", "Supriatna", "Setiadi", "Sunarya", "Koswara", "Ruhiyat",
    "Suherman", "Gunawan", "Nurjaman", "Ramdani",
)
SUNDANESE_SECOND_FEMALE = (
    "Nurjanah", "Rohaeti", "Kurniasih", "Rostika", "Maryati", "Komalasari", "Suryati",
    "Mulyati", "Rahmawati", "Sumiati", "Nurlela", "Juariah", "Kartika", "Herawati", "Sondari",
)
MALAY_MALE = (
    "Syahrial", "Zulfikar", "Rizal", "Effendi", "Syafri", "Darwis", "Azhar", "Erwin",
    "Herman", "Yusman", "Jasman", "Syamsir", "Nasrul", "Khairul", "Firdaus", "Taufik",
    "Yasril", "Marzuki", "Zulkarnain", "Basri", "Hendri", "Defri", "Alfian", "Darmawan",
)
MALAY_FEMALE = (
    "Yusnani", "Rosmawati", "Yusnidar", "Nurbaiti", "Yulinar", "Erni", "Desi", "Mardiana",
    "Asnidar", "Yuliarti", "Misnawati", "Elvi", "Fitri", "Rosnah", "Syafitri", "Yasmi",
    "Nurlaili", "Murniati", "Rusmini", "Zuraida", "Hartati", "Suryani", "Gustina", "Erlina",
)
CHRISTIAN_MALE = (
    "Yohanes", "Petrus", "Paulus", "Markus", "Lukas", "Matius", "Yosef", "Stefanus", "Fransiskus",
    "Antonius", "Agustinus", "Benediktus", "Robert", "Daniel", "Samuel", "Yakobus", "Simon",
    "Andreas", "Filipus", "Thomas", "Martinus", "Bernadus", "Kristian", "Yulius", "Herman",
)
CHRISTIAN_FEMALE = (
    "Maria", "Magdalena", "Yohana", "Agustina", "Elisabeth", "Theresia", "Veronika", "Martha",
    "Ruth", "Debora", "Ester", "Yuliana", "Kristina", "Margaretha", "Katarina", "Monika",
    "Anastasia", "Lusia", "Rosalina", "Susana", "Yosefina", "Paulina", "Fransiska", "Helena",
)
MODERN_MALE = (
    "Rizky", "Aditya", "Fajar", "Dimas", "Bagas", "Raka", "Ilham", "Reza", "Farhan", "Rafi",
    "Arya", "Gilang", "Yoga", "Naufal", "Alif", "Zidan", "Fikri", "Haikal", "Rangga", "Daffa",
    "Galih", "Satria", "Kevin", "Rendi", "Irfan", "Bima", "Akbar", "Fadil", "Rehan", "Aldi",
)
MODERN_FEMALE = (
    "Putri", "Nabila", "Aulia", "Salsabila", "Dinda", "Rara", "Ayu", "Intan", "Nadia", "Tasya",
    "Amelia", "Citra", "Nisa", "Zahra", "Kirana", "Anisa", "Dewi", "Fitri", "Indah", "Mega",
    "Safira", "Keisha", "Alya", "Syifa", "Aurel", "Naura", "Cahya", "Livia", "Bunga", "Sekar",
)
CHRISTIAN_MODERN_MALE = (
    "Kevin", "Jonathan", "Michael", "Yosua", "Gabriel", "Christian", "Daniel", "Ricardo",
    "Felix", "Nathan", "Evan", "Yehezkiel", "Kenzo", "Rio", "Glen", "Marvel",
)
CHRISTIAN_MODERN_FEMALE = (
    "Angel", "Gracia", "Natalia", "Cindy", "Jessica", "Meilani", "Cristin", "Feby", "Gloria",
    "Olivia", "Claudia", "Vanessa", "Yemima", "Priskila", "Stevani", "Marsela",
)
MODERN_SECOND_MALE = ("Pratama", "Saputra", "Ramadhan", "Maulana", "Hidayat", "Firmansyah",
                      "Putra", "Kurniawan", "Nugraha", "Wijaya", "Syahputra", "Permana")
MODERN_SECOND_FEMALE = ("Lestari", "Permatasari", "Rahmadani", "Maharani", "Puspita",
                        "Anggraini", "Safitri", "Kusuma", "Ramadhani", "Oktaviani", "Azzahra")

BATAK_MARGA = (
    "Siregar", "Nasution", "Lubis", "Harahap", "Simanjuntak", "Sitompul", "Hutagalung",
    "Situmorang", "Sinaga", "Simatupang", "Tampubolon", "Manurung", "Panjaitan", "Silalahi",
    "Sihombing", "Purba", "Ginting", "Tarigan", "Sembiring", "Damanik", "Saragih", "Pasaribu",
    "Hutapea", "Pardede", "Simbolon", "Napitupulu", "Sirait", "Gultom", "Marpaung", "Hasibuan",
)
MINAHASA_FAM = (
    "Wuisan", "Lumenta", "Pangemanan", "Rumondor", "Mandagi", "Sumampouw", "Tumbelaka", "Wowor",
    "Kaunang", "Sondakh", "Rondonuwu", "Lengkong", "Tumewu", "Runtuwene", "Supit", "Karundeng",
    "Mamahit", "Pandeirot", "Rumengan", "Walangitan",
)
MALUKU_FAM = (
    "Pattiasina", "Latuconsina", "Tuhumury", "Sahetapy", "Leiwakabessy", "Nanlohy", "Tuasikal",
    "Manuputty", "Pattipeilohy", "Lekatompessy", "Ohorella", "Wattimena", "Souhuwat", "Rehatta",
    "Tahapary", "Latuheru", "Sopacua", "Makatita", "Tupamahu", "Lessil",
)
NTT_FAM = (
    "Manek", "Bria", "Seran", "Nahak", "Tefa", "Ndun", "Lado", "Bessie", "Nenobais", "Tanesib",
    "Kase", "Dethan", "Haning", "Fanggidae", "Pello", "Riwu", "Koten", "Kelen", "Making", "Hurek",
)
PAPUA_FAM = (
    "Wenda", "Tabuni", "Wonda", "Kogoya", "Murib", "Yikwa", "Mote", "Pigai", "Rumbiak", "Kambu",
    "Mandowen", "Wanimbo", "Kossay", "Rumbewas", "Yoku", "Ayomi", "Tebay", "Gobai", "Douw",
    "Karoba",
)
BALI_ORDER_MALE = ("Wayan", "Made", "Nyoman", "Ketut")
BALI_ORDER_MALE_ALT = ("Putu", "Kadek", "Komang", "Ketut")
BALI_GIVEN_MALE = (
    "Suardana", "Sudarsana", "Artawan", "Wirawan", "Suweta", "Adnyana", "Sukadana", "Mertayasa",
    "Budiarta", "Wiguna", "Arsana", "Darmawan", "Sudiarta", "Yasa", "Ardana", "Gunawan",
)
BALI_GIVEN_FEMALE = (
    "Artini", "Sukerti", "Suartini", "Wahyuni", "Sariasih", "Ariani", "Sudiani", "Rusmini",
    "Sriasih", "Purnami", "Astiti", "Mariani", "Widiantari", "Puspayanti", "Lestari", "Yanti",
)


class Scheme(StrEnum):
    TWO_PART = "TWO_PART"  # given name + sometimes a second name; no family name
    FAMILY = "FAMILY"  # given name + family name, children take the father's
    BATAK = "BATAK"  # as FAMILY; women write their marga as "br. <marga>" (boru)
    BALI = "BALI"  # I / Ni + birth-order name + given name


@dataclass(frozen=True, slots=True)
class NameStyle:
    scheme: Scheme
    male: tuple[str, ...]
    female: tuple[str, ...]
    second_male: tuple[str, ...] = ()
    second_female: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    modern_male: tuple[str, ...] = MODERN_MALE  # most people born since 1996
    modern_female: tuple[str, ...] = MODERN_FEMALE


_ISLAMIC = NameStyle(Scheme.TWO_PART, ISLAMIC_MALE + MALAY_MALE, ISLAMIC_FEMALE + MALAY_FEMALE,
                     JAVANESE_SECOND_MALE[:8], JAVANESE_SECOND_FEMALE[:8])
_MALAY = NameStyle(Scheme.TWO_PART, MALAY_MALE + ISLAMIC_MALE, MALAY_FEMALE + ISLAMIC_FEMALE,
                   MODERN_SECOND_MALE, MODERN_SECOND_FEMALE)
_GENERAL = NameStyle(Scheme.TWO_PART, ISLAMIC_MALE + JAVANESE_MALE + MALAY_MALE,
                     ISLAMIC_FEMALE + JAVANESE_FEMALE + MALAY_FEMALE,
                     JAVANESE_SECOND_MALE, JAVANESE_SECOND_FEMALE)
_JAVANESE = NameStyle(Scheme.TWO_PART, JAVANESE_MALE + ISLAMIC_MALE[:12],
                      JAVANESE_FEMALE + ISLAMIC_FEMALE[:12], JAVANESE_SECOND_MALE,
                      JAVANESE_SECOND_FEMALE)
_SUNDANESE = NameStyle(Scheme.TWO_PART, SUNDANESE_MALE + ISLAMIC_MALE[:12],
                       SUNDANESE_FEMALE + ISLAMIC_FEMALE[:12], SUNDANESE_SECOND_MALE,
                       SUNDANESE_SECOND_FEMALE)
_BUGIS = NameStyle(Scheme.TWO_PART, ISLAMIC_MALE, ISLAMIC_FEMALE + ("Sitti", "Hasnah", "Nurmi"),
                   ("Amiruddin", "Syamsuddin", "Baharuddin", "Tajuddin", "Kamaruddin"),
                   ("Nurmiati", "Hasnawati", "Rosmiati", "Kartini", "Hasmawati"))
_BATAK = NameStyle(Scheme.BATAK, CHRISTIAN_MALE, CHRISTIAN_FEMALE, family=BATAK_MARGA,
                   modern_male=CHRISTIAN_MODERN_MALE + MODERN_MALE[:10],
                   modern_female=CHRISTIAN_MODERN_FEMALE + MODERN_FEMALE[:10])
_BATAK_MUSLIM = NameStyle(Scheme.BATAK, ISLAMIC_MALE + MALAY_MALE[:10],
                          ISLAMIC_FEMALE + MALAY_FEMALE[:12], family=BATAK_MARGA)
_MINAHASA = NameStyle(Scheme.FAMILY, CHRISTIAN_MALE, CHRISTIAN_FEMALE, family=MINAHASA_FAM,
                      modern_male=CHRISTIAN_MODERN_MALE, modern_female=CHRISTIAN_MODERN_FEMALE)
_MALUKU = NameStyle(Scheme.FAMILY, CHRISTIAN_MALE, CHRISTIAN_FEMALE, family=MALUKU_FAM,
                    modern_male=CHRISTIAN_MODERN_MALE, modern_female=CHRISTIAN_MODERN_FEMALE)
_MALUKU_MUSLIM = NameStyle(Scheme.FAMILY, ISLAMIC_MALE, ISLAMIC_FEMALE, family=MALUKU_FAM)
_NTT = NameStyle(Scheme.FAMILY, CHRISTIAN_MALE, CHRISTIAN_FEMALE, family=NTT_FAM,
                 modern_male=CHRISTIAN_MODERN_MALE, modern_female=CHRISTIAN_MODERN_FEMALE)
_PAPUA = NameStyle(Scheme.FAMILY, CHRISTIAN_MALE, CHRISTIAN_FEMALE, family=PAPUA_FAM,
                   modern_male=CHRISTIAN_MODERN_MALE, modern_female=CHRISTIAN_MODERN_FEMALE)
_BALI = NameStyle(Scheme.BALI, BALI_GIVEN_MALE, BALI_GIVEN_FEMALE,
                  modern_male=BALI_GIVEN_MALE, modern_female=BALI_GIVEN_FEMALE)

# A province's styles, one picked per household (a style listed twice is twice as likely).
_STYLES_BY_PROVINCE: dict[str, tuple[NameStyle, ...]] = {
    "11": (_ISLAMIC,), "12": (_BATAK, _BATAK, _BATAK_MUSLIM, _MALAY), "13": (_MALAY,),
    "14": (_MALAY,), "15": (_MALAY,), "16": (_MALAY,), "17": (_MALAY,),
    "18": (_JAVANESE, _MALAY), "19": (_MALAY,), "21": (_MALAY,), "31": (_GENERAL,),
    "32": (_SUNDANESE,), "33": (_JAVANESE,), "34": (_JAVANESE,), "35": (_JAVANESE,),
    "36": (_SUNDANESE,), "51": (_BALI,), "52": (_ISLAMIC,), "53": (_NTT,), "61": (_MALAY,),
    "62": (_GENERAL,), "63": (_MALAY,), "64": (_GENERAL,), "65": (_GENERAL,),
    "71": (_MINAHASA,), "72": (_BUGIS,), "73": (_BUGIS,), "74": (_BUGIS,), "75": (_ISLAMIC,),
    "76": (_BUGIS,), "81": (_MALUKU, _MALUKU_MUSLIM), "82": (_MALUKU_MUSLIM, _MALAY),
    "91": (_PAPUA,), "92": (_PAPUA,), "93": (_PAPUA,), "94": (_PAPUA,), "95": (_PAPUA,),
    "96": (_PAPUA,),
}


def name_styles(province_code: str) -> tuple[NameStyle, ...]:
    return _STYLES_BY_PROVINCE.get(province_code, (_GENERAL,))


STREETS = (
    "Melati", "Mawar", "Kenanga", "Anggrek", "Cempaka", "Flamboyan", "Dahlia", "Kamboja",
    "Seroja", "Teratai", "Nusa Indah", "Bougenvil", "Beringin", "Mangga", "Rambutan", "Durian",
    "Kelapa", "Nangka", "Jambu", "Sawo", "Cemara", "Pinus", "Jati", "Mahoni", "Merpati",
    "Kenari", "Cendrawasih", "Rajawali", "Elang", "Kutilang", "Merdeka", "Pemuda", "Pendidikan",
    "Kesehatan", "Pelita", "Harapan", "Sejahtera", "Damai", "Bahagia", "Persatuan", "Sukarame",
    "Pasar Baru", "Stasiun", "Raya Utama", "Lingkar", "Irigasi", "Pesantren", "Masjid",
)
HAMLETS = (
    "Krajan", "Sukamaju", "Sukamulya", "Mekarsari", "Sukasari", "Karangsari", "Tegalsari",
    "Sidomulyo", "Sumbersari", "Margamulya", "Jatisari", "Cibodas", "Babakan", "Pasirjaya",
    "Kampung Baru", "Tanjung", "Lebak", "Kebon", "Sawah Besar", "Gunung Sari", "Bojong",
    "Sindangsari", "Wonorejo", "Purwosari", "Banjarsari", "Kedungsari", "Mulyorejo",
    "Harapan Jaya", "Suka Damai", "Air Putih",
)
