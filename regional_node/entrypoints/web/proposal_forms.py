"""The Operator Desa's proposal forms, one per kind ``createProposal`` accepts: the kinds'
URL slugs, what each form asks, the posted fields turned into a ``ProposalDetailsInput``
(GraphQL), and a returned proposal's details turned back into form values (a corrected
proposal starts from what was returned). Pure functions: no request, no data access.

A check here only catches what would not reach the API as valid GraphQL (a date that is no
date, a required field left empty); every rule of the registry stays the node's (the API's
``INVALID_RECORD`` says which field)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from schema.enums import Program

KINDS: dict[str, str] = {  # URL slug -> ProposalKind
    "rumah-tangga-baru": "NEW_HOUSEHOLD",
    "anggota-baru": "NEW_MEMBER",
    "perbaikan-data": "DATA_CORRECTION",
    "kematian": "DEATH",
    "pindah": "MOVED",
    "graduasi": "GRADUATION",
    "ikut-program": "PROGRAM_ENROLMENT",
    "keluar-program": "PROGRAM_EXIT",
}
SLUGS = {kind: slug for slug, kind in KINDS.items()}
ON_HOUSEHOLD = frozenset(KINDS.values()) - {"NEW_HOUSEHOLD"}  # these name a registered one
FROM_REPORT = {  # what a community report may become (docs/community-reports.md)
    "USUL": ("NEW_HOUSEHOLD", "NEW_MEMBER", "PROGRAM_ENROLMENT"),
    "SANGGAH": ("DATA_CORRECTION", "GRADUATION", "DEATH", "MOVED", "PROGRAM_EXIT"),
}
PROGRAMS = tuple(program.value for program in Program)
SEXES = ("MALE", "FEMALE")
RELATIONSHIPS = ("HEAD", "SPOUSE", "CHILD", "CHILD_IN_LAW", "GRANDCHILD", "PARENT",
                 "PARENT_IN_LAW", "OTHER_RELATIVE", "HOUSEHOLD_HELPER", "OTHER")
EDUCATIONS = ("NONE", "SD", "SMP", "SMA", "DIPLOMA", "BACHELOR", "POSTGRADUATE")
DISABILITIES = ("NONE", "PHYSICAL", "INTELLECTUAL", "MENTAL", "SENSORY", "MULTIPLE")
HOUSING: dict[str, tuple[str, tuple[str, ...]]] = {  # form field -> (HousingInput key, values)
    "lantai": ("floorMaterial", ("MARBLE_GRANITE", "CERAMIC", "TILE_TERRAZZO", "QUALITY_WOOD",
                                 "CEMENT_BRICK", "BAMBOO", "LOW_QUALITY_WOOD", "EARTH")),
    "dinding": ("wallMaterial", ("BRICK_CONCRETE", "PLASTERED_BAMBOO", "WOOD", "WOVEN_BAMBOO",
                                 "LOW_QUALITY_WOOD", "OTHER")),
    "atap": ("roofMaterial", ("CONCRETE", "CLAY_TILE", "ZINC", "ASBESTOS", "WOOD_SHINGLE",
                              "BAMBOO", "THATCH", "OTHER")),
    "kepemilikan": ("tenure", ("OWNED", "RENTED", "RENT_FREE", "OFFICIAL", "OTHER")),
    "air_minum": ("drinkingWater", ("BOTTLED", "PIPED", "PROTECTED_WELL", "UNPROTECTED_WELL",
                                    "SPRING", "RIVER_RAIN")),
    "penerangan": ("lighting", ("PLN_METERED", "PLN_UNMETERED", "NON_PLN", "NONE")),
    "bahan_bakar": ("cookingFuel", ("ELECTRICITY", "LPG", "KEROSENE", "WOOD", "CHARCOAL",
                                    "NONE")),
    "jamban": ("toilet", ("PRIVATE", "SHARED", "PUBLIC", "NONE")),
}
ASSETS = ("LPG_5KG", "REFRIGERATOR", "AIR_CONDITIONER", "WATER_HEATER", "TELEVISION",
          "COMPUTER", "MOTORCYCLE", "CAR", "GOLD_10G", "LAND", "LIVESTOCK")
MEMBER_FIELDS = ("nik", "nama", "lahir", "jk", "hubungan", "pendidikan", "pekerjaan",
                 "disabilitas")
FIRST_MEMBER_ROWS, MAX_MEMBER_ROWS = 2, 20


class FormProblem(ValueError):
    """What the form lacks, as a msgid of the ``web`` catalogue (the handler translates)."""

    def __init__(self, msgid: str, field: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.field = field


@dataclass(frozen=True)
class Posted:
    """A posted form's text fields (stripped)."""

    values: Mapping[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def required(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise FormProblem("Fill in every field marked required.", name)
        return value

    def date(self, name: str, *, required: bool = True) -> str | None:
        value = self.get(name)
        if not value and not required:
            return None
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise FormProblem("Enter the date as on a calendar: day, month and year.",
                              name) from None

    def choice(self, name: str, allowed: tuple[str, ...], *,
               required: bool = True) -> str | None:
        value = self.get(name)
        if value in allowed:
            return value
        if not value and not required:
            return None
        raise FormProblem("Choose one of the options in the list.", name)


def member_rows(posted: Posted) -> int:
    try:
        rows = int(posted.get("jumlah") or FIRST_MEMBER_ROWS)
    except ValueError:
        rows = FIRST_MEMBER_ROWS
    return max(1, min(rows, MAX_MEMBER_ROWS))


def member_input(posted: Posted, row: int) -> dict[str, Any] | None:
    """Member row ``row`` as a ``MemberInput``; None when the row was left empty."""
    name = f"{{}}_{row}"
    if not any(posted.get(name.format(f)) for f in ("nik", "nama", "lahir")):
        return None
    return {
        "nik": posted.required(name.format("nik")),
        "name": posted.required(name.format("nama")),
        "birthDate": posted.date(name.format("lahir")),
        "sex": posted.choice(name.format("jk"), SEXES),
        "relationship": posted.choice(name.format("hubungan"), RELATIONSHIPS),
        "education": posted.choice(name.format("pendidikan"), EDUCATIONS, required=False),
        "occupation": posted.get(name.format("pekerjaan")) or None,
        "disability": posted.choice(name.format("disabilitas"), DISABILITIES,
                                    required=False) or "NONE",
    }


def details_input(kind: str, posted: Posted, desa: str | None) -> dict[str, Any]:
    """The ``ProposalDetailsInput`` of ``kind`` from the posted form."""
    if kind == "NEW_HOUSEHOLD":
        members = [m for m in (member_input(posted, i) for i in range(member_rows(posted)))
                   if m is not None]
        if not members:
            raise FormProblem("Give at least one member, as on the KK.", "nik_0")
        return {"newHousehold": {"kkNumber": posted.required("kk"), "desaCode": desa or "",
                                 "address": posted.required("alamat"), "members": members,
                                 "housing": housing_input(posted) or None,
                                 **place_input(posted)}}
    household = posted.required("rumah_tangga")
    if kind == "NEW_MEMBER":
        member = member_input(posted, 0)
        if member is None:
            raise FormProblem("Fill in every field marked required.", "nik_0")
        return {"newMember": {"householdId": household, "member": member}}
    if kind == "DATA_CORRECTION":
        return {"dataCorrection": correction_input(posted, household)}
    if kind == "DEATH":
        return {"death": {"householdId": household, "memberId": posted.required("anggota"),
                          "deathDate": posted.date("tanggal")}}
    if kind == "MOVED":
        return {"moved": {"householdId": household, "movedOn": posted.date("tanggal"),
                          "destination": posted.get("tujuan") or None}}
    if kind == "GRADUATION":
        return {"graduation": {"householdId": household, "reason": posted.required("alasan")}}
    if kind == "PROGRAM_ENROLMENT":
        return {"programEnrolment": {
            "householdId": household, "program": posted.choice("program", PROGRAMS),
            "period": posted.required("periode"), "startDate": posted.date("tanggal"),
            "memberId": posted.get("anggota") or None}}
    if kind == "PROGRAM_EXIT":
        return {"programExit": {
            "householdId": household, "program": posted.choice("program", PROGRAMS),
            "endDate": posted.date("tanggal"), "memberId": posted.get("anggota") or None}}
    raise KeyError(kind)


def correction_input(posted: Posted, household: str) -> dict[str, Any]:
    """New values only: a field left empty is not changed."""
    changes: dict[str, Any] = {**housing_input(posted), **place_input(posted)}
    if posted.get("alamat"):
        changes["address"] = posted.get("alamat")
    members = []
    if posted.get("anggota"):
        member: dict[str, Any] = {"memberId": posted.get("anggota")}
        for field, key in (("nik", "nik_0"), ("name", "nama_0"), ("occupation", "pekerjaan_0")):
            if posted.get(key):
                member[field] = posted.get(key)
        if posted.get("lahir_0"):
            member["birthDate"] = posted.date("lahir_0")
        for field, key, allowed in (("sex", "jk_0", SEXES),
                                    ("relationship", "hubungan_0", RELATIONSHIPS),
                                    ("education", "pendidikan_0", EDUCATIONS),
                                    ("disability", "disabilitas_0", DISABILITIES)):
            if posted.get(key):
                member[field] = posted.choice(key, allowed)
        members.append(member)
    if not changes and not members:
        raise FormProblem("Say what to correct: a new address, or a member and their new "
                          "data.", "alamat")
    return {"householdId": household, "household": changes or None,
            "members": members or None}


def housing_input(posted: Posted) -> dict[str, Any]:
    """The housing conditions given (``HousingInput``; a correction's new values): each
    optional, the floor area in square metres."""
    housing: dict[str, Any] = {}
    for name, (key, allowed) in HOUSING.items():
        value = posted.choice(name, allowed, required=False)
        if value is not None:
            housing[key] = value
    area = posted.get("luas_lantai").replace(",", ".")
    if area:
        try:
            housing["floorAreaM2"] = float(area)
        except ValueError:
            raise FormProblem("Give the floor area in square metres, as a number (e.g. 36).",
                              "luas_lantai") from None
    return housing


def place_input(posted: Posted) -> dict[str, Any]:
    """The house's position and the household's assets, when given (``latitude``,
    ``longitude``, ``assets``: ``aset`` holds the ticked boxes, comma-separated)."""
    given: dict[str, Any] = {}
    if posted.get("lintang") or posted.get("bujur"):
        try:
            given["latitude"] = float(posted.get("lintang").replace(",", "."))
            given["longitude"] = float(posted.get("bujur").replace(",", "."))
        except ValueError:
            raise FormProblem("Give the position as numbers, e.g. latitude -6.87 and "
                              "longitude 107.59.", "lintang") from None
    assets = [a for a in posted.get("aset").split(",") if a]
    if any(a not in ASSETS for a in assets):
        raise FormProblem("Choose one of the options in the list.", "aset")
    if assets:
        given["assets"] = assets
    return given


def musdes_input(posted: Posted, sha256: str | None) -> dict[str, Any] | None:
    """The Musdes/Muskel reference, or None when no part of it was given."""
    if not (posted.get("musdes_tanggal") or posted.get("musdes_nomor") or sha256):
        return None
    return {"heldOn": posted.date("musdes_tanggal"),
            "minutesNumber": posted.required("musdes_nomor"),
            "minutesSha256": sha256 or ""}


def prefill(kind: str, details: Mapping[str, Any]) -> dict[str, str]:
    """Form values from a proposal's stored details (snake_case JSON): a corrected proposal
    starts from the returned one."""
    values: dict[str, str] = {}
    if "household_id" in details:
        values["rumah_tangga"] = str(details["household_id"])
    plain = {"member_id": "anggota", "death_date": "tanggal", "moved_on": "tanggal",
             "destination": "tujuan", "reason": "alasan", "program": "program",
             "period": "periode", "start_date": "tanggal", "end_date": "tanggal"}
    for key, name in plain.items():
        if details.get(key) is not None:
            values[name] = str(details[key])
    household = details.get("household")
    if kind == "NEW_HOUSEHOLD" and isinstance(household, Mapping):
        values.update(kk=str(household.get("kk_number", "")),
                      alamat=str(household.get("address", "")))
        members = list(household.get("members") or [])
        values["jumlah"] = str(max(len(members), 1))
        for row, member in enumerate(members):
            values.update(_member_values(member, row))
    if kind == "NEW_MEMBER" and isinstance(details.get("member"), Mapping):
        values.update(_member_values(details["member"], 0))
    if kind == "DATA_CORRECTION":
        changes = details.get("household_changes") or {}
        if changes.get("address"):
            values["alamat"] = str(changes["address"])
        values.update(_housing_values(changes))
    if kind == "NEW_HOUSEHOLD" and isinstance(household, Mapping):
        values.update(_housing_values(household))
    return values


def _housing_values(stored: Mapping[str, Any]) -> dict[str, str]:
    """Form values of the housing conditions stored (snake_case keys)."""
    snake = {"floorMaterial": "floor_material", "wallMaterial": "wall_material",
             "roofMaterial": "roof_material", "tenure": "tenure",
             "drinkingWater": "drinking_water", "lighting": "lighting",
             "cookingFuel": "cooking_fuel", "toilet": "toilet"}
    values = {name: str(stored[snake[key]]) for name, (key, _) in HOUSING.items()
              if stored.get(snake[key]) is not None}
    if stored.get("floor_area_m2") is not None:
        values["luas_lantai"] = str(stored["floor_area_m2"])
    if stored.get("latitude") is not None and stored.get("longitude") is not None:
        values.update(lintang=str(stored["latitude"]), bujur=str(stored["longitude"]))
    if stored.get("assets"):
        values["aset"] = ",".join(str(a) for a in stored["assets"])
    return values


def _member_values(member: Mapping[str, Any], row: int) -> dict[str, str]:
    keys = {"nik": "nik", "name": "nama", "birth_date": "lahir", "sex": "jk",
            "relationship": "hubungan", "education": "pendidikan", "occupation": "pekerjaan",
            "disability": "disabilitas"}
    return {f"{name}_{row}": str(member[key]) for key, name in keys.items()
            if member.get(key) is not None}
