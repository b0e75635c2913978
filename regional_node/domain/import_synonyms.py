"""Indonesian words operators write in DTKS spreadsheets, mapped to the schema's enum values.

Only the cheap, unambiguous ones. Keys are in normalised form (upper case, words joined by
``_``, see :func:`normalise_choice`); every enum value is accepted as well, in any case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from schema.enums import (
    Asset,
    CookingFuel,
    Disability,
    DrinkingWater,
    Education,
    FloorMaterial,
    HouseholdStatus,
    Lighting,
    MatchStatus,
    Program,
    Relationship,
    RoofMaterial,
    Sex,
    Tenure,
    Toilet,
    WallMaterial,
)

_SEPARATORS = re.compile(r"[\s\-/.]+")


def normalise_choice(value: str) -> str:
    """``" Kepala keluarga "`` → ``KEPALA_KELUARGA``; ``PBI-JK`` → ``PBI_JK``."""
    return _SEPARATORS.sub("_", value.strip().upper()).strip("_")


SYNONYMS: Mapping[type[StrEnum], Mapping[str, StrEnum]] = {
    Sex: {
        "L": Sex.MALE, "LAKI_LAKI": Sex.MALE, "LAKI": Sex.MALE, "PRIA": Sex.MALE, "M": Sex.MALE,
        "P": Sex.FEMALE, "PEREMPUAN": Sex.FEMALE, "WANITA": Sex.FEMALE, "F": Sex.FEMALE,
    },
    Relationship: {
        "KEPALA_KELUARGA": Relationship.HEAD, "KEPALA_RUMAH_TANGGA": Relationship.HEAD,
        "KRT": Relationship.HEAD, "ISTRI": Relationship.SPOUSE, "SUAMI": Relationship.SPOUSE,
        "ISTRI_SUAMI": Relationship.SPOUSE, "SUAMI_ISTRI": Relationship.SPOUSE,
        "ANAK": Relationship.CHILD, "ANAK_KANDUNG": Relationship.CHILD,
        "ANAK_TIRI": Relationship.CHILD, "ANAK_ANGKAT": Relationship.CHILD,
        "MENANTU": Relationship.CHILD_IN_LAW, "CUCU": Relationship.GRANDCHILD,
        "ORANG_TUA": Relationship.PARENT, "ORANGTUA": Relationship.PARENT,
        "MERTUA": Relationship.PARENT_IN_LAW, "FAMILI_LAIN": Relationship.OTHER_RELATIVE,
        "PEMBANTU": Relationship.HOUSEHOLD_HELPER,
        "PEMBANTU_RUMAH_TANGGA": Relationship.HOUSEHOLD_HELPER, "LAINNYA": Relationship.OTHER,
    },
    Education: {
        "TIDAK_SEKOLAH": Education.NONE, "BELUM_SEKOLAH": Education.NONE,
        "TIDAK_BELUM_SEKOLAH": Education.NONE, "TIDAK_TAMAT_SD": Education.NONE,
        "SD_SEDERAJAT": Education.SD, "MI": Education.SD, "PAKET_A": Education.SD,
        "SMP_SEDERAJAT": Education.SMP, "SLTP": Education.SMP, "MTS": Education.SMP,
        "PAKET_B": Education.SMP, "SMA_SEDERAJAT": Education.SMA, "SLTA": Education.SMA,
        "SMK": Education.SMA, "MA": Education.SMA, "PAKET_C": Education.SMA,
        "D1": Education.DIPLOMA, "D2": Education.DIPLOMA, "D3": Education.DIPLOMA,
        "S1": Education.BACHELOR, "D4": Education.BACHELOR, "SARJANA": Education.BACHELOR,
        "S2": Education.POSTGRADUATE, "S3": Education.POSTGRADUATE,
    },
    Disability: {
        "TIDAK_ADA": Disability.NONE, "TIDAK": Disability.NONE, "FISIK": Disability.PHYSICAL,
        "INTELEKTUAL": Disability.INTELLECTUAL, "SENSORIK": Disability.SENSORY,
        "GANDA": Disability.MULTIPLE,
    },
    MatchStatus: {
        "BELUM_DICEK": MatchStatus.UNCHECKED, "PADAN": MatchStatus.MATCH,
        "TIDAK_PADAN": MatchStatus.MISMATCH, "TIDAK_DITEMUKAN": MatchStatus.NOT_FOUND,
        "MENINGGAL": MatchStatus.DECEASED, "DATA_GANDA": MatchStatus.DUPLICATE,
        "GANDA": MatchStatus.DUPLICATE,
    },
    FloorMaterial: {
        "MARMER": FloorMaterial.MARBLE_GRANITE, "GRANIT": FloorMaterial.MARBLE_GRANITE,
        "MARMER_GRANIT": FloorMaterial.MARBLE_GRANITE, "KERAMIK": FloorMaterial.CERAMIC,
        "UBIN": FloorMaterial.TILE_TERRAZZO, "TEGEL": FloorMaterial.TILE_TERRAZZO,
        "TERASO": FloorMaterial.TILE_TERRAZZO, "PARKET": FloorMaterial.QUALITY_WOOD,
        "SEMEN": FloorMaterial.CEMENT_BRICK, "SEMEN_BATA_MERAH": FloorMaterial.CEMENT_BRICK,
        "BAMBU": FloorMaterial.BAMBOO, "TANAH": FloorMaterial.EARTH,
    },
    WallMaterial: {
        "TEMBOK": WallMaterial.BRICK_CONCRETE, "BETON": WallMaterial.BRICK_CONCRETE,
        "PLESTERAN_ANYAMAN_BAMBU": WallMaterial.PLASTERED_BAMBOO, "KAYU": WallMaterial.WOOD,
        "ANYAMAN_BAMBU": WallMaterial.WOVEN_BAMBOO, "LAINNYA": WallMaterial.OTHER,
    },
    RoofMaterial: {
        "BETON": RoofMaterial.CONCRETE, "GENTENG": RoofMaterial.CLAY_TILE,
        "SENG": RoofMaterial.ZINC, "ASBES": RoofMaterial.ASBESTOS,
        "SIRAP": RoofMaterial.WOOD_SHINGLE, "BAMBU": RoofMaterial.BAMBOO,
        "IJUK": RoofMaterial.THATCH, "RUMBIA": RoofMaterial.THATCH, "JERAMI": RoofMaterial.THATCH,
        "LAINNYA": RoofMaterial.OTHER,
    },
    Tenure: {
        "MILIK_SENDIRI": Tenure.OWNED, "SEWA": Tenure.RENTED, "KONTRAK": Tenure.RENTED,
        "KONTRAK_SEWA": Tenure.RENTED, "BEBAS_SEWA": Tenure.RENT_FREE,
        "DINAS": Tenure.OFFICIAL, "RUMAH_DINAS": Tenure.OFFICIAL, "LAINNYA": Tenure.OTHER,
    },
    DrinkingWater: {
        "AIR_KEMASAN": DrinkingWater.BOTTLED, "AIR_ISI_ULANG": DrinkingWater.BOTTLED,
        "LEDENG": DrinkingWater.PIPED, "PAM": DrinkingWater.PIPED, "PDAM": DrinkingWater.PIPED,
        "SUMUR_TERLINDUNG": DrinkingWater.PROTECTED_WELL,
        "SUMUR_BOR": DrinkingWater.PROTECTED_WELL,
        "SUMUR_TIDAK_TERLINDUNG": DrinkingWater.UNPROTECTED_WELL,
        "SUMUR_TAK_TERLINDUNG": DrinkingWater.UNPROTECTED_WELL,
        "MATA_AIR": DrinkingWater.SPRING, "SUNGAI": DrinkingWater.RIVER_RAIN,
        "AIR_HUJAN": DrinkingWater.RIVER_RAIN,
    },
    Lighting: {
        "PLN_METERAN": Lighting.PLN_METERED, "LISTRIK_PLN_METERAN": Lighting.PLN_METERED,
        "PLN_TANPA_METERAN": Lighting.PLN_UNMETERED,
        "LISTRIK_PLN_TANPA_METERAN": Lighting.PLN_UNMETERED,
        "LISTRIK_NON_PLN": Lighting.NON_PLN, "BUKAN_LISTRIK": Lighting.NONE,
        "TIDAK_ADA": Lighting.NONE,
    },
    CookingFuel: {
        "LISTRIK": CookingFuel.ELECTRICITY, "GAS": CookingFuel.LPG, "ELPIJI": CookingFuel.LPG,
        "MINYAK_TANAH": CookingFuel.KEROSENE, "KAYU_BAKAR": CookingFuel.WOOD,
        "ARANG": CookingFuel.CHARCOAL, "TIDAK_MEMASAK": CookingFuel.NONE,
    },
    Toilet: {
        "SENDIRI": Toilet.PRIVATE, "MILIK_SENDIRI": Toilet.PRIVATE, "BERSAMA": Toilet.SHARED,
        "UMUM": Toilet.PUBLIC, "TIDAK_ADA": Toilet.NONE,
    },
    Asset: {
        "TABUNG_GAS_5KG": Asset.LPG_5KG, "KULKAS": Asset.REFRIGERATOR,
        "LEMARI_ES": Asset.REFRIGERATOR, "AC": Asset.AIR_CONDITIONER,
        "PEMANAS_AIR": Asset.WATER_HEATER, "TV": Asset.TELEVISION, "TELEVISI": Asset.TELEVISION,
        "KOMPUTER": Asset.COMPUTER, "LAPTOP": Asset.COMPUTER, "MOTOR": Asset.MOTORCYCLE,
        "SEPEDA_MOTOR": Asset.MOTORCYCLE, "MOBIL": Asset.CAR, "EMAS": Asset.GOLD_10G,
        "TANAH": Asset.LAND, "LAHAN": Asset.LAND, "TERNAK": Asset.LIVESTOCK,
    },
    Program: {
        "PBI": Program.PBI_JK, "PBI_JKN": Program.PBI_JK, "KIS": Program.PBI_JK,
        "SEMBAKO": Program.BPNT, "KIP": Program.PIP, "RTLH": Program.RUTILAHU,
    },
    HouseholdStatus: {
        "AKTIF": HouseholdStatus.ACTIVE, "USULAN": HouseholdStatus.PROPOSED,
        "DIUSULKAN": HouseholdStatus.PROPOSED, "TIDAK_AKTIF": HouseholdStatus.INACTIVE,
    },
}

TRUE_WORDS = frozenset({"TRUE", "YES", "Y", "YA", "1", "HIDUP"})
FALSE_WORDS = frozenset({"FALSE", "NO", "N", "TIDAK", "0", "MENINGGAL"})


def choices(enum: type[StrEnum]) -> dict[str, StrEnum]:
    """Every accepted spelling of ``enum``'s members, in normalised form."""
    table: dict[str, StrEnum] = {member.value: member for member in enum}
    table.update(SYNONYMS.get(enum, {}))
    return table
