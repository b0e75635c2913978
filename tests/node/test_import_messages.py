"""Issue 15: every import message, checked in Bahasa Indonesia and in English, through the real
importer (SQLite and PostgreSQL), on files with one fault each.

A message names what the operator typed, as typed (``P``, ``01/01/2001``), never a guess as
fact (a NIK's two-digit year is "a year ending 68"), and a duplicate names the other KK.
Sheet rows: household 0 → rows 2-5, 1 → rows 6-9, 2 → rows 10-13 (tests/node/import_files).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from regional_node.adapters.database import Database
from regional_node.domain.audit import Actor
from regional_node.service_layer.importer import ImportMode, ImportReport, import_households
from schema.enums import Education
from schema.identity_numbers import Sex, make_nik
from tests.node.helpers import store
from tests.node.import_files import (
    HEADER,
    Row,
    generate_households,
    implausible,
    person_rows,
    write_csv,
)

ACTOR = Actor("cli:test-operator", "DINSOS")
# household 0 (rows 2-5) and 1 (rows 6-9), as generate_households(3) makes them
KK0, KK1 = "3273010101100001", "3273010202110002"
WIFE0, CHILD0 = "3273014102590001", "3273010103680001"
EDUCATION = ", ".join(m.value for m in Education)

# (row, column, reason, Indonesian, English)
Expected = tuple[int, str, str, str, str]
Case = Callable[[list[Row]], Expected]


def _set(row: int, **cells: str) -> Callable[[list[Row]], None]:
    def change(rows: list[Row]) -> None:
        rows[row - 2].update(cells)
    return change


def _set_household(first_row: int, **cells: str) -> Callable[[list[Row]], None]:
    def change(rows: list[Row]) -> None:
        for row in rows[first_row - 2:first_row + 2]:
            row.update(cells)
    return change


def case(change: Callable[[list[Row]], None], expected: Expected) -> Case:
    def apply(rows: list[Row]) -> Expected:
        change(rows)
        return expected
    return apply


def _future_birth(rows: list[Row]) -> Expected:
    born = dt.date.today() + dt.timedelta(days=200)
    typed = f"{born:%d/%m/%Y}"
    rows[4 - 2].update(birth_date=typed, nik=make_nik("32.73.01", born, Sex.MALE, 9))
    return (4, "birth_date", "future_date", f"tanggal lahir {typed} belum terjadi",
            f"birth date {typed} is in the future")


def _nik_twice_in_file(rows: list[Row]) -> Expected:
    source = rows[3 - 2]
    rows[12 - 2].update({k: source[k] for k in ("nik", "name", "birth_date", "sex")})
    return (12, "nik", "duplicate_in_file",
            f"NIK {WIFE0} juga ada di baris 3, dalam KK {KK0}",
            f"NIK {WIFE0} is also on row 3, in KK {KK0}")


def _nik_twice_in_household(rows: list[Row]) -> Expected:
    source = rows[11 - 2]
    rows[12 - 2].update({k: source[k] for k in ("nik", "name", "birth_date", "sex")})
    nik, kk = source["nik"], source["kk_number"]
    return (12, "nik", "duplicate", f"NIK {nik} ada di dua baris KK {kk}",
            f"NIK {nik} is on two rows of KK {kk}")


def _kk_split(rows: list[Row]) -> Expected:
    _set_household(10, kk_number=KK0)(rows)
    return (10, "kk_number", "duplicate_in_file",
            f"No. KK {KK0} juga ada di baris 2; baris-baris satu KK harus berurutan dan muncul "
            "sekali",
            f"KK {KK0} is also on row 2; a KK's rows must be consecutive and appear once")


CASES: dict[str, Case] = {
    "birth date in the future": _future_birth,
    "NIK too short": case(_set(3, nik="32730141025"), (
        3, "nik", "length", "NIK 32730141025 berisi 11 digit; harus 16 digit",
        "NIK 32730141025 has 11 digits; it must have 16")),
    "NIK with a letter": case(_set(3, nik="32730141O2590001"), (
        3, "nik", "not_digits", "NIK 32730141O2590001 hanya boleh berisi angka",
        "NIK 32730141O2590001 must contain digits only")),
    "NIK of no kecamatan": case(_set(3, nik="9999014102590001"), (
        3, "nik", "unknown_region",
        "NIK 9999014102590001: digit 1-6 (999901) bukan kode kecamatan Kemendagri",
        "NIK 9999014102590001: digits 1-6 (999901) are not a Kemendagri kecamatan")),
    "NIK date digits as typed": case(_set(3, nik="3273017202590001"), (
        3, "nik", "invalid_date",
        "NIK 3273017202590001: digit 7-12 (720259) bukan tanggal lahir (DDMMYY, tanggal + 40 "
        "untuk perempuan)",
        "NIK 3273017202590001: digits 7-12 (720259) are not a birth date (DDMMYY, the day + 40 "
        "for a woman)")),
    "NIK serial 0000": case(_set(3, nik="3273014102590000"), (
        3, "nik", "zero_serial",
        "NIK 3273014102590000: 4 digit terakhir (nomor urut) tidak boleh 0000",
        "NIK 3273014102590000: the last 4 digits (the serial) must not be 0000")),
    "birth date and NIK disagree: no century guessed": case(_set(4, birth_date="01/01/2001"), (
        4, "birth_date", "nik_mismatch",
        "tanggal lahir 01/01/2001 tidak cocok dengan NIK: digit 7-12 (010368) berarti lahir "
        "tanggal 01-03 pada tahun berakhiran 68",
        "birth date 01/01/2001 does not match the NIK: its digits 7-12 (010368) say born on "
        "01-03 of a year ending 68")),
    "a woman's birth date and NIK disagree": case(_set(5, birth_date="1977-04-02"), (
        5, "birth_date", "nik_mismatch",
        "tanggal lahir 1977-04-02 tidak cocok dengan NIK: digit 7-12 (410477) berarti lahir "
        "tanggal 01-04 pada tahun berakhiran 77",
        "birth date 1977-04-02 does not match the NIK: its digits 7-12 (410477) say born on "
        "01-04 of a year ending 77")),
    "sex P on a man's NIK": case(_set(4, sex="P"), (
        4, "sex", "nik_mismatch",
        "jenis kelamin P tidak cocok dengan NIK: digit 7-8 (01) milik laki-laki (tanggal "
        "lahir, tanpa + 40)",
        "sex P does not match the NIK: its digits 7-8 (01) are a man's (the birth day, without "
        "+ 40)")),
    "sex L on a woman's NIK": case(_set(3, sex="L"), (
        3, "sex", "nik_mismatch",
        "jenis kelamin L tidak cocok dengan NIK: digit 7-8 (41) milik perempuan (tanggal lahir "
        "+ 40)",
        "sex L does not match the NIK: its digits 7-8 (41) are a woman's (the birth day + 40)")),
    "unknown desa": case(_set_household(6, desa_code="32.73.01.9999"), (
        6, "desa_code", "unknown", "desa 32.73.01.9999 tidak ada dalam daftar kode desa "
        "Kemendagri", "desa 32.73.01.9999 is not in Kemendagri's list of desa codes")),
    "malformed desa": case(_set_household(6, desa_code="32.73.1"), (
        6, "desa_code", "malformed", "'32.73.1' bukan kode desa: tulis seperti 32.73.01.1001",
        "'32.73.1' is not a desa code: write it like 32.73.01.1001")),
    "a kecamatan for a desa": case(_set_household(6, desa_code="32.73.01"), (
        6, "desa_code", "wrong_level",
        "32.73.01 (Sukasari) adalah kecamatan, bukan desa: tulis kode desanya, seperti "
        "32.73.01.1001",
        "32.73.01 (Sukasari) is a kecamatan, not a desa: write the desa's code, like "
        "32.73.01.1001")),
    "desa of another kab/kota": case(_set_household(6, desa_code="32.04.05.2001"), (
        6, "desa_code", "out_of_region",
        "desa 32.04.05.2001 (Cileunyi Kulon) tidak berada di kab/kota node ini, 32.73",
        "desa 32.04.05.2001 (Cileunyi Kulon) is not in this node's kab/kota 32.73")),
    "no head": case(_set(6, relationship="CHILD"), (
        6, "relationship", "one_head",
        "keluarga harus punya tepat satu HEAD (kepala keluarga), ada 0",
        "a household needs exactly one HEAD, found 0")),
    "two heads": case(_set(7, relationship="HEAD"), (
        7, "relationship", "one_head",
        "keluarga harus punya tepat satu HEAD (kepala keluarga), ada 2",
        "a household needs exactly one HEAD, found 2")),
    "a NIK twice in the file names the other KK": _nik_twice_in_file,
    "a NIK twice in one KK": _nik_twice_in_household,
    "a KK split in two": _kk_split,
    "unknown choice": case(_set(8, education="UNIVERSITY"), (
        8, "education", "invalid_choice", f"'UNIVERSITY' bukan salah satu dari: {EDUCATION}",
        f"'UNIVERSITY' is not one of: {EDUCATION}")),
    "yes/no": case(_set(9, alive="MUNGKIN"), (
        9, "alive", "invalid_choice", "'MUNGKIN' bukan ya/tidak (YA/TIDAK, TRUE/FALSE, 1/0)",
        "'MUNGKIN' is not yes/no (YA/TIDAK, TRUE/FALSE, 1/0)")),
    "a date that does not exist": case(_set(9, birth_date="31-02-1990"), (
        9, "birth_date", "invalid_date", "'31-02-1990' bukan tanggal yang ada",
        "'31-02-1990' is not a real date")),
    "not a date": case(_set(9, birth_date="1990.02.01"), (
        9, "birth_date", "invalid_date",
        "'1990.02.01' bukan tanggal: tulis YYYY-MM-DD, DD-MM-YYYY atau DD/MM/YYYY",
        "'1990.02.01' is not a date: write YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY")),
    "empty name": case(_set(9, name=" "), (
        9, "name", "required", "name kosong", "name is empty")),
    "not a number": case(_set_household(10, floor_area_m2="luas"), (
        10, "floor_area_m2", "invalid_number", "'luas' bukan angka", "'luas' is not a number")),
    "not a whole number": case(_set_household(10, desil="2.5"), (
        10, "desil", "invalid_number", "'2.5' bukan bilangan bulat",
        "'2.5' is not a whole number")),
    "desil out of range": case(_set_household(10, desil="11"), (
        10, "desil", "out_of_range", "desil 11 harus 1 (termiskin) sampai 10",
        "desil 11 must be 1 (poorest) to 10")),
    "floor area out of range": case(_set_household(10, floor_area_m2="20000"), (
        10, "floor_area_m2", "out_of_range", "luas lantai 20000 m² harus antara 0 dan 10.000 m²",
        "floor area 20000 m² must be between 0 and 10,000 m²")),
    "inactive household": case(_set_household(10, status="INACTIVE"), (
        10, "status", "not_importable",
        "keluarga INACTIVE tidak dapat diimpor (keluarga nonaktif perlu alasan): jangan "
        "sertakan",
        "INACTIVE households cannot be imported (an inactive household needs a reason): leave "
        "them out")),
    "rows of one KK disagree": case(_set(8, address="Jl. Lain No. 1"), (
        8, "address", "household_mismatch",
        "address di sini 'Jl. Lain No. 1', tetapi 'Jl. Contoh No. 1' di baris 6 (baris kepala "
        "keluarga); baris-baris satu KK harus sama",
        "address is 'Jl. Lain No. 1' here but 'Jl. Contoh No. 1' on row 6 (the head's row); "
        "rows of one KK must agree")),
    "a program without its period": case(_set(11, programs="PKH"), (
        11, "programs", "invalid_program",
        "'PKH': tulis PROGRAM@PERIODE atau PROGRAM@PERIODE@MULAI, mis. PKH@2026-S1 atau "
        "PKH@2026-S1@2026-01-15",
        "'PKH': write PROGRAM@PERIOD or PROGRAM@PERIOD@START, e.g. PKH@2026-S1 or "
        "PKH@2026-S1@2026-01-15")),
    "a period that is none": case(_set(11, programs="PKH@2026-S3"), (
        11, "programs", "invalid_period",
        "'PKH@2026-S3': periode '2026-S3' bukan YYYY, YYYY-S1/S2, YYYY-Q1..Q4 atau YYYY-MM",
        "'PKH@2026-S3': period '2026-S3' is not YYYY, YYYY-S1/S2, YYYY-Q1..Q4 or YYYY-MM")),
    "a program starting on two dates": case(_set(3, programs="PKH@2026-S1@2026-02-01"), (
        3, "programs", "program_conflict",
        "PKH@2026-S1 mulai 2026-01-01 di baris lain KK ini, tetapi 2026-02-01 di baris ini",
        "PKH@2026-S1 starts on 2026-01-01 on another row of this KK, here on 2026-02-01")),
    "latitude without longitude": case(_set_household(6, latitude="-6.9"), (
        6, "latitude", "incomplete", "isi lintang dan bujur sekaligus, atau kosongkan keduanya",
        "give both latitude and longitude, or neither")),
    "swapped coordinates": case(_set_household(6, latitude="107.6", longitude="-6.9"), (
        6, "latitude", "out_of_range",
        "(107.6, -6.9) tidak di Indonesia (lintang dan bujur tertukar?)",
        "(107.6, -6.9) is not in Indonesia (latitude and longitude swapped?)")),
    "a point outside the desa's regency": case(
        _set_household(6, latitude="-10.1772", longitude="123.607"), (
            6, "latitude", "outside_regency",
            "(-10.1772, 123.607) di luar Kota Bandung, tempat desa 32.73.01.1002",
            "(-10.1772, 123.607) lies outside Kota Bandung, where desa 32.73.01.1002 is")),
    "KK too short": case(_set_household(6, kk_number="327301020211"), (
        6, "kk_number", "length", "KK 327301020211 berisi 12 digit; harus 16 digit",
        "KK 327301020211 has 12 digits; it must have 16")),
    "KK date digits": case(_set_household(6, kk_number="3273019902110002"), (
        6, "kk_number", "invalid_date",
        "No. KK 3273019902110002: digit 7-12 (990211) bukan tanggal terbit (DDMMYY)",
        "KK 3273019902110002: digits 7-12 (990211) are not an issue date (DDMMYY)")),
    "KK missing on a row": case(_set(13, kk_number=""), (
        13, "kk_number", "required", "kk_number kosong", "kk_number is empty")),
}


async def _import(database: Database, path: Path,
                  mode: ImportMode = ImportMode.ALL_OR_NOTHING) -> ImportReport:
    return await import_households(database, path, node_region="32.73", actor=ACTOR,
                                   mode=mode, reading_process=False)


@pytest.fixture
def rows() -> list[Row]:
    return person_rows(generate_households(3))


def _messages(report: ImportReport) -> dict[tuple[int, str, str], tuple[str, str]]:
    return {(e.row, e.column, e.reason): (e.message.text("id"), e.message.text("en"))
            for e in report.errors}


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
async def test_each_import_error_in_both_languages(database: Database, rows: list[Row],
                                                   tmp_path: Path, name: str) -> None:
    row, column, reason, indonesian, english = CASES[name](rows)

    report = await _import(database, write_csv(tmp_path / "dtks.csv", rows))

    found = _messages(report)
    assert found.get((row, column, reason)) == (indonesian, english), report.errors


async def test_a_clean_file_has_no_message(database: Database, rows: list[Row],
                                           tmp_path: Path) -> None:
    report = await _import(database, write_csv(tmp_path / "dtks.csv", rows))
    assert report.errors == [] and report.warnings == []


async def test_the_earlier_copy_of_a_repeated_nik_names_the_later_kk(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    for mode in ImportMode:
        later_kk = rows[12 - 2]["kk_number"]
        _nik_twice_in_file(rows)
        report = await _import(database, write_csv(tmp_path / "dtks.csv", rows), mode)
        assert _messages(report)[(3, "nik", "duplicate_in_file")] == (
            f"NIK {WIFE0} juga ada di baris 12, dalam KK {later_kk}",
            f"NIK {WIFE0} is also on row 12, in KK {later_kk}"), mode


async def test_already_registered_names_the_kk_holding_the_nik(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    stored = generate_households(3)[1]
    await store(database, [stored])
    rows[6 - 2:10 - 2] = [dict(row, kk_number="3273010303120009") for row in rows[6 - 2:10 - 2]]

    report = await _import(database, write_csv(tmp_path / "dtks.csv", rows))

    head_nik = stored.members[0].nik
    assert _messages(report)[(6, "nik", "already_registered")] == (
        f"NIK {head_nik} sudah terdaftar di node ini, dalam KK {KK1}",
        f"NIK {head_nik} is already registered on this node, in KK {KK1}")


async def test_an_already_registered_kk(database: Database, rows: list[Row],
                                        tmp_path: Path) -> None:
    await store(database, [generate_households(3)[1]])
    report = await _import(database, write_csv(tmp_path / "dtks.csv", rows))
    assert _messages(report)[(6, "kk_number", "already_registered")] == (
        f"No. KK {KK1} sudah terdaftar di node ini", f"KK {KK1} is already registered on this node")


async def test_header_messages_in_both_languages(database: Database, rows: list[Row],
                                                tmp_path: Path) -> None:
    header = [("pendidkan" if name == "education" else name) for name in HEADER
              if name != "address"] + ["NIK", "warna"]
    report = await _import(database, write_csv(tmp_path / "dtks.csv", rows, header))

    assert _messages(report) == {
        (1, "pendidkan", "unknown_column"): (
            "kolom 'pendidkan' tidak dikenal; maksudnya 'pendidikan'?",
            "unknown column 'pendidkan'; did you mean 'pendidikan'?"),
        (1, "warna", "unknown_column"): (
            "kolom 'warna' tidak dikenal; lihat daftar kolom di docs/import.md",
            "unknown column 'warna'; see docs/import.md for the columns"),
        (1, "NIK", "duplicate_column"): (
            "kolom 'NIK' mengulang 'nik' (keduanya berarti nik)",
            "column 'NIK' repeats 'nik' (both mean nik)"),
        (1, "address", "missing_column"): (
            "kolom wajib address tidak ada (nama lain yang diterima: alamat, alamat_lengkap)",
            "required column address is missing (also accepted: alamat, alamat_lengkap)")}


async def test_a_file_without_a_header_row(database: Database, rows: list[Row],
                                           tmp_path: Path) -> None:
    path = tmp_path / "dtks.csv"
    path.write_text(",,\n" + "x,y,z\n", encoding="utf-8")
    report = await _import(database, path)
    assert _messages(report)[(1, "", "no_header")] == (
        "baris 1 harus baris judul (nama-nama kolom)",
        "row 1 must be the header (the column names)")


async def test_each_warning_in_both_languages(database: Database, rows: list[Row],
                                              tmp_path: Path) -> None:
    implausible(rows)
    report = await _import(database, write_csv(tmp_path / "dtks.csv", rows))
    child, head = rows[4 - 2], rows[2 - 2]
    mother = rows[3 - 2]
    old = rows[10 - 2]
    other_kk = rows[6 - 2]["kk_number"]
    assert {(w.row, w.column, w.kind): (w.message.text("id"), w.message.text("en"))
            for w in report.warnings} == {
        (4, "birth_date", "CHILD_OLDER_THAN_HEAD"): (
            f"anak {child['name']} (lahir 1940-03-02) lebih tua dari kepala keluarga "
            f"{head['name']} (lahir {head['birth_date']})",
            f"child {child['name']} (born 1940-03-02) is older than the household head "
            f"{head['name']} (born {head['birth_date']})"),
        (4, "birth_date", "CHILD_OLDER_THAN_MOTHER"): (
            f"anak {child['name']} (lahir 1940-03-02) lebih tua dari ibu {mother['name']} "
            f"(lahir {mother['birth_date']})",
            f"child {child['name']} (born 1940-03-02) is older than the mother "
            f"{mother['name']} (born {mother['birth_date']})"),
        (6, "kk_number", "KK_OTHER_PROVINCE"): (
            f"No. KK {other_kk} diterbitkan di provinsi 35, desa 32.73.01.1002 di provinsi 32",
            f"KK {other_kk} was issued in province 35, the desa 32.73.01.1002 lies in "
            "province 32"),
        (10, "birth_date", "BORN_BEFORE_1900"): (
            f"tanggal lahir {old['name']} 1899-07-01 sebelum tahun 1900: periksa tahunnya",
            f"{old['name']}'s birth date 1899-07-01 is before 1900: check the year")}
