"""Enumerations of the DTKS data model, shared by node and gateway.

Values are stable English identifiers; the Indonesian terms operators use are in the docstrings
and in ``docs/data-model.md``.
"""

from __future__ import annotations

from enum import StrEnum

from schema.identity_numbers import Sex

__all__ = [
    "Asset", "CookingFuel", "Disability", "DrinkingWater", "Education", "FloorMaterial",
    "HouseholdStatus", "InactiveReason", "Lighting", "MatchStatus", "Program", "ProposalKind",
    "Relationship", "RoofMaterial", "Sex", "Tenure", "Toilet", "WallMaterial",
]


class ProposalKind(StrEnum):
    """Kinds of proposal (usulan): what a node approves and the gateway receives."""

    NEW_HOUSEHOLD = "NEW_HOUSEHOLD"  # usulan rumah tangga baru (needs a Musdes/Muskel)
    NEW_MEMBER = "NEW_MEMBER"  # tambah anggota keluarga
    DATA_CORRECTION = "DATA_CORRECTION"  # perbaikan data
    DEATH = "DEATH"  # meninggal
    MOVED = "MOVED"  # pindah (the whole household leaves)
    GRADUATION = "GRADUATION"  # graduasi / mampu
    PROGRAM_ENROLMENT = "PROGRAM_ENROLMENT"
    PROGRAM_EXIT = "PROGRAM_EXIT"


class HouseholdStatus(StrEnum):
    ACTIVE = "ACTIVE"
    PROPOSED = "PROPOSED"
    INACTIVE = "INACTIVE"


class InactiveReason(StrEnum):
    GRADUATED = "GRADUATED"  # graduasi / mampu
    MOVED = "MOVED"  # pindah
    DECEASED = "DECEASED"  # every member meninggal
    DUPLICATE = "DUPLICATE"  # data ganda
    NOT_FOUND = "NOT_FOUND"  # tidak ditemukan at verification
    RETURNED = "RETURNED"  # a new household Kemensos returned (dikembalikan): never in DTKS
    OTHER = "OTHER"


class Program(StrEnum):
    PKH = "PKH"  # Program Keluarga Harapan
    BPNT = "BPNT"  # Bantuan Pangan Non-Tunai / Sembako
    PBI_JK = "PBI_JK"  # Penerima Bantuan Iuran Jaminan Kesehatan
    BLT = "BLT"  # Bantuan Langsung Tunai
    PIP = "PIP"  # Program Indonesia Pintar
    RUTILAHU = "RUTILAHU"  # Rehabilitasi Rumah Tidak Layak Huni


class Relationship(StrEnum):
    HEAD = "HEAD"  # kepala keluarga
    SPOUSE = "SPOUSE"  # istri/suami
    CHILD = "CHILD"  # anak
    CHILD_IN_LAW = "CHILD_IN_LAW"  # menantu
    GRANDCHILD = "GRANDCHILD"  # cucu
    PARENT = "PARENT"  # orang tua
    PARENT_IN_LAW = "PARENT_IN_LAW"  # mertua
    OTHER_RELATIVE = "OTHER_RELATIVE"  # famili lain
    HOUSEHOLD_HELPER = "HOUSEHOLD_HELPER"  # pembantu
    OTHER = "OTHER"


class Education(StrEnum):
    NONE = "NONE"
    SD = "SD"
    SMP = "SMP"
    SMA = "SMA"
    DIPLOMA = "DIPLOMA"
    BACHELOR = "BACHELOR"
    POSTGRADUATE = "POSTGRADUATE"


class Disability(StrEnum):
    NONE = "NONE"
    PHYSICAL = "PHYSICAL"
    INTELLECTUAL = "INTELLECTUAL"
    MENTAL = "MENTAL"
    SENSORY = "SENSORY"
    MULTIPLE = "MULTIPLE"


class MatchStatus(StrEnum):
    """Outcome of the last check against the population registry (Dukcapil)."""

    UNCHECKED = "UNCHECKED"
    MATCH = "MATCH"  # padan
    MISMATCH = "MISMATCH"  # tidak padan
    NOT_FOUND = "NOT_FOUND"
    DECEASED = "DECEASED"
    DUPLICATE = "DUPLICATE"  # data ganda


class FloorMaterial(StrEnum):
    MARBLE_GRANITE = "MARBLE_GRANITE"
    CERAMIC = "CERAMIC"
    TILE_TERRAZZO = "TILE_TERRAZZO"
    QUALITY_WOOD = "QUALITY_WOOD"
    CEMENT_BRICK = "CEMENT_BRICK"
    BAMBOO = "BAMBOO"
    LOW_QUALITY_WOOD = "LOW_QUALITY_WOOD"
    EARTH = "EARTH"


class WallMaterial(StrEnum):
    BRICK_CONCRETE = "BRICK_CONCRETE"
    PLASTERED_BAMBOO = "PLASTERED_BAMBOO"
    WOOD = "WOOD"
    WOVEN_BAMBOO = "WOVEN_BAMBOO"
    LOW_QUALITY_WOOD = "LOW_QUALITY_WOOD"
    OTHER = "OTHER"


class RoofMaterial(StrEnum):
    CONCRETE = "CONCRETE"
    CLAY_TILE = "CLAY_TILE"
    ZINC = "ZINC"
    ASBESTOS = "ASBESTOS"
    WOOD_SHINGLE = "WOOD_SHINGLE"
    BAMBOO = "BAMBOO"
    THATCH = "THATCH"
    OTHER = "OTHER"


class Tenure(StrEnum):
    OWNED = "OWNED"
    RENTED = "RENTED"
    RENT_FREE = "RENT_FREE"
    OFFICIAL = "OFFICIAL"
    OTHER = "OTHER"


class DrinkingWater(StrEnum):
    BOTTLED = "BOTTLED"
    PIPED = "PIPED"
    PROTECTED_WELL = "PROTECTED_WELL"
    UNPROTECTED_WELL = "UNPROTECTED_WELL"
    SPRING = "SPRING"
    RIVER_RAIN = "RIVER_RAIN"


class Lighting(StrEnum):
    PLN_METERED = "PLN_METERED"
    PLN_UNMETERED = "PLN_UNMETERED"
    NON_PLN = "NON_PLN"
    NONE = "NONE"


class CookingFuel(StrEnum):
    ELECTRICITY = "ELECTRICITY"
    LPG = "LPG"
    KEROSENE = "KEROSENE"
    WOOD = "WOOD"
    CHARCOAL = "CHARCOAL"
    NONE = "NONE"


class Toilet(StrEnum):
    PRIVATE = "PRIVATE"
    SHARED = "SHARED"
    PUBLIC = "PUBLIC"
    NONE = "NONE"


class Asset(StrEnum):
    LPG_5KG = "LPG_5KG"
    REFRIGERATOR = "REFRIGERATOR"
    AIR_CONDITIONER = "AIR_CONDITIONER"
    WATER_HEATER = "WATER_HEATER"
    TELEVISION = "TELEVISION"
    COMPUTER = "COMPUTER"
    MOTORCYCLE = "MOTORCYCLE"
    CAR = "CAR"
    GOLD_10G = "GOLD_10G"
    LAND = "LAND"
    LIVESTOCK = "LIVESTOCK"
