"""A household as the registry receives it (from an import, the seeder or a proposal), and the
rules it must satisfy before anything is stored.

Validation never stops at the first problem: it returns every :class:`Problem` with the field
and the reason, so an operator can fix a spreadsheet row in one pass.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from regional_node.domain.import_messages import Message, msg
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
    Tenure,
    Toilet,
    WallMaterial,
)
from schema.errors import InvalidInput
from schema.geo import boundary
from schema.identity_numbers import Sex, parse_kk, parse_nik, same_birthday, valid_nik_birth
from schema.regions import RegionLevel, is_within, regions

# Indonesia's extent, generously: anything outside is certainly a typo (swapped lat/lon...).
LATITUDE_RANGE = (-11.5, 6.5)
LONGITUDE_RANGE = (94.5, 141.5)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    reason: str
    # the registry's rules give a Message of the ``import`` catalogue (a ``typed`` value, when
    # it has one, is the record's: an import puts the cell as the operator typed it instead);
    # other rules (proposals, community reports) still give their text
    message: Message | str


@dataclass(slots=True)
class MemberRecord:
    nik: str
    name: str
    birth_date: dt.date
    sex: Sex
    relationship: Relationship
    education: Education | None = None
    occupation: str | None = None
    disability: Disability = Disability.NONE
    alive: bool = True
    match_status: MatchStatus = MatchStatus.UNCHECKED


@dataclass(slots=True)
class ProgramRecord:
    program: Program
    period: str
    start_date: dt.date
    member_nik: str | None = None  # person-level programs (PBI-JK, PIP); None: the household


@dataclass(slots=True)
class HouseholdRecord:
    kk_number: str
    desa_code: str
    address: str
    members: list[MemberRecord]
    latitude: float | None = None
    longitude: float | None = None
    floor_material: FloorMaterial | None = None
    wall_material: WallMaterial | None = None
    roof_material: RoofMaterial | None = None
    floor_area_m2: float | None = None
    tenure: Tenure | None = None
    drinking_water: DrinkingWater | None = None
    lighting: Lighting | None = None
    cooking_fuel: CookingFuel | None = None
    toilet: Toilet | None = None
    assets: tuple[Asset, ...] = ()
    desil: int | None = None
    status: HouseholdStatus = HouseholdStatus.ACTIVE
    programs: list[ProgramRecord] = field(default_factory=list)


def household_problems(record: HouseholdRecord, node_region: str) -> list[Problem]:
    """Every rule ``record`` breaks for a node that owns ``node_region`` (a kab/kota)."""
    problems: list[Problem] = []
    today = dt.date.today()  # once, not per NIK
    problems += _region_problems(record, node_region)
    problems += _number_problem("kk_number", "KK", record.kk_number,
                                lambda: parse_kk(record.kk_number, today=today))
    if not record.address.strip():
        problems.append(Problem("address", "required", msg("address is empty")))
    problems += _coordinate_problems(record, node_region)
    if record.floor_area_m2 is not None and not 0 < record.floor_area_m2 < 10_000:
        problems.append(Problem("floor_area_m2", "out_of_range", msg(
            "floor area {typed} m² must be between 0 and 10,000 m²",
            typed=format(record.floor_area_m2, "g"))))
    if record.desil is not None and not 1 <= record.desil <= 10:
        problems.append(Problem("desil", "out_of_range", msg(
            "desil {typed} must be 1 (poorest) to 10", typed=record.desil)))
    problems += _member_problems(record, today)
    problems += _program_problems(record)
    return problems


def _number_problem(field_name: str, label: str, value: str,
                    check: Callable[[], object]) -> list[Problem]:
    try:
        check()
    except InvalidInput as exc:
        return [Problem(field_name, exc.reason, _number_message(label, value, exc))]
    return []


def _number_message(label: str, typed: str, exc: InvalidInput) -> Message:
    """Why a NIK or KK number is refused, from its digits as typed."""
    if exc.reason == "length":
        return msg("{label} {typed} has {count} digits; it must have 16", label=label,
                   typed=typed, count=len(typed))
    if exc.reason == "not_digits":
        return msg("{label} {typed} must contain digits only", label=label, typed=typed)
    if exc.reason == "unknown_region":
        return msg("{label} {typed}: digits 1-6 ({digits}) are not a Kemendagri kecamatan",
                   label=label, typed=typed, digits=typed[:6])
    if exc.reason == "invalid_date" and label == "NIK":
        return msg("NIK {typed}: digits 7-12 ({digits}) are not a birth date (DDMMYY, the "
                   "day + 40 for a woman)", typed=typed, digits=typed[6:12])
    if exc.reason == "invalid_date":
        return msg("KK {typed}: digits 7-12 ({digits}) are not an issue date (DDMMYY)",
                   typed=typed, digits=typed[6:12])
    if exc.reason == "zero_serial":
        return msg("{label} {typed}: the last 4 digits (the serial) must not be 0000",
                   label=label, typed=typed)
    return msg("{label} {typed} must be text of 16 digits", label=label, typed=str(typed))


def _region_problems(record: HouseholdRecord, node_region: str) -> list[Problem]:
    check = _desa_problems if record.desa_code.__class__ is str else _desa_problems.__wrapped__
    return list(check(record.desa_code, node_region))


@functools.lru_cache(maxsize=4_096)  # a node's households share its few hundred desa codes
def _desa_problems(desa_code: str, node_region: str) -> tuple[Problem, ...]:
    try:
        region = regions().require(desa_code)
    except InvalidInput as exc:
        if exc.reason == "unknown":
            return (Problem("desa_code", exc.reason, msg(
                "desa {typed} is not in Kemendagri's list of desa codes", typed=desa_code)),)
        return (Problem("desa_code", exc.reason, msg(
            "'{typed}' is not a desa code: write it like 32.73.01.1001",
            typed=str(desa_code))),)
    if region.level != RegionLevel.DESA:
        return (Problem("desa_code", "wrong_level", msg(
            "{typed} ({name}) is a {level}, not a desa: write the desa's code, like "
            "32.73.01.1001", typed=desa_code, name=region.name, level=str(region.level))),)
    if not is_within(desa_code, node_region):
        return (Problem("desa_code", "out_of_region", msg(
            "desa {typed} ({name}) is not in this node's kab/kota {region}", typed=desa_code,
            name=region.name, region=node_region)),)
    return ()


def _coordinate_problems(record: HouseholdRecord, node_region: str) -> list[Problem]:
    lat, lon = record.latitude, record.longitude
    if lat is None and lon is None:
        return []
    if lat is None or lon is None:
        return [Problem("latitude", "incomplete",
                        msg("give both latitude and longitude, or neither"))]
    if not (LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]
            and LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]):
        return [Problem("latitude", "out_of_range", msg(
            "({latitude}, {longitude}) is not in Indonesia (latitude and longitude swapped?)",
            latitude=format(lat, "g"), longitude=format(lon, "g")))]
    if not is_within(record.desa_code, node_region):
        return []  # the desa is the error (reported as such), not the point
    kabkota = ".".join(record.desa_code.split(".")[:2])
    area = boundary(kabkota)
    if area is not None and not area.contains(lat, lon):
        return [Problem("latitude", "outside_regency", msg(
            "({latitude}, {longitude}) lies outside {area}, where desa {desa} is",
            latitude=format(lat, "g"), longitude=format(lon, "g"), area=area.name,
            desa=record.desa_code))]
    return []


def _member_problems(record: HouseholdRecord, today: dt.date) -> list[Problem]:
    members = record.members
    if not members:
        return [Problem("members", "required", msg("a household needs at least one member"))]
    problems: list[Problem] = []
    heads = sum(1 for m in members if m.relationship is Relationship.HEAD)
    if heads != 1:
        problems.append(Problem("relationship", "one_head", msg(
            "a household needs exactly one HEAD, found {count}", count=heads)))
    seen: set[str] = set()
    for member in members:
        if member.nik in seen:
            problems.append(Problem("nik", "duplicate", msg(
                "NIK {nik} is on two rows of KK {kk}", nik=member.nik, kk=record.kk_number)))
        seen.add(member.nik)
        problems += _one_member_problems(member, today)
    return problems


def _one_member_problems(member: MemberRecord, today: dt.date) -> list[Problem]:
    if not member.name.strip():
        return [Problem("name", "required", msg("member name is empty"))]
    found = valid_nik_birth(member.nik, today)  # the usual case, without NikParts
    if found is None:
        try:
            parts = parse_nik(member.nik, today=today)
        except InvalidInput as exc:
            return [Problem("nik", exc.reason, _number_message("NIK", member.nik, exc))]
        found = parts.birth_date, parts.sex
    birth_date, sex = found
    problems = []
    if member.birth_date > today:  # the NIK's two-digit year cannot tell: 2027 fits ..27
        problems.append(Problem("birth_date", "future_date", msg(
            "birth date {typed} is in the future", typed=f"{member.birth_date:%d-%m-%Y}")))
    elif not same_birthday(member.birth_date, birth_date):
        problems.append(Problem("birth_date", "nik_mismatch", _birth_mismatch(
            f"{member.birth_date:%d-%m-%Y}", member.nik)))
    if sex != member.sex:
        problems.append(Problem("sex", "nik_mismatch", _sex_mismatch(member.sex, member.nik)))
    return problems


def _birth_mismatch(typed: str, nik: str) -> Message:
    """What the operator typed, and what the NIK's digits say, without guessing a century."""
    day = int(nik[6:8])
    return msg("birth date {typed} does not match the NIK: its digits 7-12 ({digits}) say "
               "born on {day}-{month} of a year ending {year}", typed=typed,
               digits=nik[6:12], day=format(day - 40 if day > 40 else day, "02d"), month=nik[8:10],
               year=nik[10:12])


def _sex_mismatch(typed: Sex, nik: str) -> Message:
    if typed is Sex.MALE:
        return msg("sex {typed} does not match the NIK: its digits 7-8 ({digits}) are a "
                   "woman's (the birth day + 40)", typed="L", digits=nik[6:8])
    return msg("sex {typed} does not match the NIK: its digits 7-8 ({digits}) are a man's "
               "(the birth day, without + 40)", typed="P", digits=nik[6:8])


def _program_problems(record: HouseholdRecord) -> list[Problem]:
    niks = {m.nik for m in record.members}
    problems = []
    for program in record.programs:
        if program.member_nik is not None and program.member_nik not in niks:
            problems.append(Problem("programs", "unknown_member", msg(
                "{program} names NIK {nik}, who is not a member of this household",
                program=str(program.program), nik=program.member_nik)))
        if not program.period.strip():
            problems.append(Problem("programs", "required", msg(
                "{program} has no period", program=str(program.program))))
    return problems
