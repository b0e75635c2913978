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
    message: str


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
    problems += _number_problem("kk_number", lambda: parse_kk(record.kk_number, today=today))
    if not record.address.strip():
        problems.append(Problem("address", "required", "address is empty"))
    problems += _coordinate_problems(record, node_region)
    if record.floor_area_m2 is not None and not 0 < record.floor_area_m2 < 10_000:
        problems.append(Problem("floor_area_m2", "out_of_range",
                                "floor area must be between 0 and 10,000 m²"))
    if record.desil is not None and not 1 <= record.desil <= 10:
        problems.append(Problem("desil", "out_of_range", "desil must be 1 (poorest) to 10"))
    problems += _member_problems(record.members, today)
    problems += _program_problems(record)
    return problems


def _number_problem(field_name: str, check: Callable[[], object]) -> list[Problem]:
    try:
        check()
    except InvalidInput as exc:
        return [Problem(field_name, exc.reason, exc.message)]
    return []


def _region_problems(record: HouseholdRecord, node_region: str) -> list[Problem]:
    check = _desa_problems if record.desa_code.__class__ is str else _desa_problems.__wrapped__
    return list(check(record.desa_code, node_region))


@functools.lru_cache(maxsize=4_096)  # a node's households share its few hundred desa codes
def _desa_problems(desa_code: str, node_region: str) -> tuple[Problem, ...]:
    try:
        regions().require(desa_code, level=RegionLevel.DESA)
    except InvalidInput as exc:
        return (Problem("desa_code", exc.reason, exc.message),)
    if not is_within(desa_code, node_region):
        return (Problem("desa_code", "out_of_region",
                        f"desa {desa_code} is not in this node's region {node_region}"),)
    return ()


def _coordinate_problems(record: HouseholdRecord, node_region: str) -> list[Problem]:
    lat, lon = record.latitude, record.longitude
    if lat is None and lon is None:
        return []
    if lat is None or lon is None:
        return [Problem("latitude", "incomplete", "give both latitude and longitude, or neither")]
    if not (LATITUDE_RANGE[0] <= lat <= LATITUDE_RANGE[1]
            and LONGITUDE_RANGE[0] <= lon <= LONGITUDE_RANGE[1]):
        return [Problem("latitude", "out_of_range",
                        f"({lat}, {lon}) is not in Indonesia (latitude and longitude swapped?)")]
    if not is_within(record.desa_code, node_region):
        return []  # the desa is the error (reported as such), not the point
    kabkota = ".".join(record.desa_code.split(".")[:2])
    area = boundary(kabkota)
    if area is not None and not area.contains(lat, lon):
        return [Problem("latitude", "outside_regency",
                        f"({lat}, {lon}) di luar {area.name}, tempat desa {record.desa_code} / "
                        f"lies outside {area.name}, where desa {record.desa_code} is")]
    return []


def _member_problems(members: list[MemberRecord], today: dt.date) -> list[Problem]:
    if not members:
        return [Problem("members", "required", "a household needs at least one member")]
    problems: list[Problem] = []
    heads = sum(1 for m in members if m.relationship is Relationship.HEAD)
    if heads != 1:
        problems.append(Problem("relationship", "one_head",
                                f"a household needs exactly one HEAD, found {heads}"))
    seen: set[str] = set()
    for member in members:
        if member.nik in seen:
            problems.append(Problem("nik", "duplicate", f"NIK {member.nik} appears twice"))
        seen.add(member.nik)
        problems += _one_member_problems(member, today)
    return problems


def _one_member_problems(member: MemberRecord, today: dt.date) -> list[Problem]:
    if not member.name.strip():
        return [Problem("name", "required", "member name is empty")]
    found = valid_nik_birth(member.nik, today)  # the usual case, without NikParts
    if found is None:
        try:
            parts = parse_nik(member.nik, today=today)
        except InvalidInput as exc:
            return [Problem("nik", exc.reason, exc.message)]
        found = parts.birth_date, parts.sex
    birth_date, sex = found
    problems = []
    if member.birth_date > today:  # the NIK's two-digit year cannot tell: 2027 fits ..27
        typed = f"{member.birth_date:%d-%m-%Y}"
        problems.append(Problem("birth_date", "future_date",
                                f"tanggal lahir {typed} belum terjadi / birth date {typed} is "
                                "in the future"))
    elif not same_birthday(member.birth_date, birth_date):
        problems.append(Problem("birth_date", "nik_mismatch", _birth_mismatch(
            member.birth_date, member.nik)))
    if sex != member.sex:
        problems.append(Problem("sex", "nik_mismatch", _sex_mismatch(member.sex)))
    return problems


def _birth_mismatch(typed: dt.date, nik: str) -> str:
    """What the operator typed, and what the NIK says, without guessing its century."""
    day, month, year = int(nik[6:8]), nik[8:10], nik[10:12]
    day = day - 40 if day > 40 else day
    says = f"{day:02d}-{month}-..{year}"
    return (f"tanggal lahir {typed:%d-%m-%Y} tidak cocok dengan NIK (digit 7-12: lahir "
            f"{says}) / birth date {typed:%d-%m-%Y} does not match the NIK (digits 7-12: "
            f"born {says})")


def _sex_mismatch(typed: Sex) -> str:
    if typed is Sex.MALE:
        return ("jenis kelamin laki-laki (L), tetapi NIK perempuan (tanggal lahir + 40) / "
                "sex male (L), but the NIK is a woman's (birth day + 40)")
    return ("jenis kelamin perempuan (P), tetapi NIK laki-laki (tanggal lahir tanpa + 40) / "
            "sex female (P), but the NIK is a man's (birth day without + 40)")


def _program_problems(record: HouseholdRecord) -> list[Problem]:
    niks = {m.nik for m in record.members}
    problems = []
    for program in record.programs:
        if program.member_nik is not None and program.member_nik not in niks:
            problems.append(Problem("programs", "unknown_member",
                                    f"{program.program} names NIK {program.member_nik}, "
                                    "who is not a member of this household"))
        if not program.period.strip():
            problems.append(Problem("programs", "required", f"{program.program} has no period"))
    return problems
