"""What each kind of proposal carries, how it is stored (JSON) and the rules it must satisfy.

Every kind except NEW_HOUSEHOLD names an existing household (``household_id``). Corrections and
new members are checked by building the household as it would be after approval and running
the registry's own rules (:func:`regional_node.domain.records.household_problems`) on it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from regional_node.domain.proposals import ProposalKind
from regional_node.domain.records import (
    HouseholdRecord,
    MemberRecord,
    Problem,
    ProgramRecord,
)
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
from schema.identity_numbers import Sex

MAX_PERIOD_LENGTH = 16
MAX_TEXT_LENGTH = 500


@dataclass(frozen=True, slots=True)
class MusdesReference:
    """The village deliberation (Musdes/Muskel) that agreed the proposal, and its minutes."""

    held_on: dt.date
    minutes_number: str  # nomor berita acara
    minutes_sha256: str  # the attached minutes (berita acara), content-addressed


@dataclass(slots=True)
class NewHousehold:
    household: HouseholdRecord


@dataclass(slots=True)
class NewMember:
    household_id: int
    member: MemberRecord


@dataclass(slots=True)
class MemberCorrection:
    member_id: int
    changes: dict[str, Any]


@dataclass(slots=True)
class DataCorrection:
    household_id: int
    base_version: int  # household.version the correction was made against
    household_changes: dict[str, Any] = field(default_factory=dict)
    member_changes: list[MemberCorrection] = field(default_factory=list)


@dataclass(slots=True)
class Death:
    household_id: int
    member_id: int
    death_date: dt.date


@dataclass(slots=True)
class Moved:
    household_id: int
    moved_on: dt.date
    destination: str | None = None


@dataclass(slots=True)
class Graduation:
    household_id: int
    reason: str


@dataclass(slots=True)
class ProgramEnrolment:
    household_id: int
    program: Program
    period: str
    start_date: dt.date
    member_id: int | None = None  # person-level programs (PBI-JK, PIP)


@dataclass(slots=True)
class ProgramExit:
    household_id: int
    program: Program
    end_date: dt.date
    member_id: int | None = None


Details = (NewHousehold | NewMember | DataCorrection | Death | Moved | Graduation
           | ProgramEnrolment | ProgramExit)

KIND_OF: dict[type[Any], ProposalKind] = {
    NewHousehold: ProposalKind.NEW_HOUSEHOLD, NewMember: ProposalKind.NEW_MEMBER,
    DataCorrection: ProposalKind.DATA_CORRECTION, Death: ProposalKind.DEATH,
    Moved: ProposalKind.MOVED, Graduation: ProposalKind.GRADUATION,
    ProgramEnrolment: ProposalKind.PROGRAM_ENROLMENT, ProgramExit: ProposalKind.PROGRAM_EXIT,
}


def kind_of(details: Details) -> ProposalKind:
    return KIND_OF[type(details)]


def household_of(details: Details) -> int | None:
    return None if isinstance(details, NewHousehold) else details.household_id


# --- correctable fields and how to read their stored (JSON) values -----------------------

def _enum(enum_type: type[Enum]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else enum_type(value)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


HOUSEHOLD_CORRECTABLE: dict[str, Callable[[Any], Any]] = {
    "address": str, "latitude": _optional_float, "longitude": _optional_float,
    "floor_material": _enum(FloorMaterial), "wall_material": _enum(WallMaterial),
    "roof_material": _enum(RoofMaterial), "floor_area_m2": _optional_float,
    "tenure": _enum(Tenure), "drinking_water": _enum(DrinkingWater),
    "lighting": _enum(Lighting), "cooking_fuel": _enum(CookingFuel), "toilet": _enum(Toilet),
    "assets": lambda values: tuple(Asset(v) for v in values),
    "desil": lambda value: None if value is None else int(value),
}
MEMBER_CORRECTABLE: dict[str, Callable[[Any], Any]] = {
    "nik": str, "name": str, "birth_date": _date, "sex": _enum(Sex),
    "relationship": _enum(Relationship), "education": _enum(Education), "occupation": str,
    "disability": _enum(Disability),
}
IDENTITY_FIELDS = frozenset({"nik", "name", "birth_date", "sex"})
"""Member fields whose correction sends the person through the NIK check again."""


def correction_problems(details: DataCorrection, member_ids: set[int]) -> list[Problem]:
    problems: list[Problem] = []
    if not details.household_changes and not details.member_changes:
        problems.append(Problem("changes", "required", "a correction must change something"))
    for name in details.household_changes:
        if name not in HOUSEHOLD_CORRECTABLE:
            problems.append(Problem(name, "not_correctable", f"{name} cannot be corrected"))
    for member in details.member_changes:
        if member.member_id not in member_ids:
            problems.append(Problem("member_id", "unknown_member",
                                    f"member {member.member_id} is not in this household"))
        if not member.changes:
            problems.append(Problem("changes", "required",
                                    f"no change given for member {member.member_id}"))
        for name in member.changes:
            if name not in MEMBER_CORRECTABLE:
                problems.append(Problem(name, "not_correctable", f"{name} cannot be corrected"))
    return problems


def corrected(record: HouseholdRecord, member_index: Mapping[int, int],
              details: DataCorrection) -> HouseholdRecord:
    """``record`` with the correction applied (``member_index``: member id → list index)."""
    changes = {k: HOUSEHOLD_CORRECTABLE[k](v) for k, v in details.household_changes.items()}
    result = dataclasses.replace(record, **changes,
                                 members=[dataclasses.replace(m) for m in record.members])
    for member in details.member_changes:
        index = member_index[member.member_id]
        values = {k: MEMBER_CORRECTABLE[k](v) for k, v in member.changes.items()}
        result.members[index] = dataclasses.replace(result.members[index], **values)
    return result


def with_new_member(record: HouseholdRecord, member: MemberRecord) -> HouseholdRecord:
    return dataclasses.replace(record, members=[*record.members, member])


def dated_problems(field_name: str, value: dt.date, today: dt.date,
                   not_before: dt.date | None = None) -> list[Problem]:
    if value > today:
        return [Problem(field_name, "in_future", f"{value} is in the future")]
    if not_before is not None and value < not_before:
        return [Problem(field_name, "too_early", f"{value} is before {not_before}")]
    return []


def musdes_problems(musdes: MusdesReference | None, kind: ProposalKind,
                    today: dt.date) -> list[Problem]:
    if musdes is None:
        if kind is ProposalKind.NEW_HOUSEHOLD:
            return [Problem("musdes", "required", "a new household needs the Musdes/Muskel "
                            "that agreed it: date, minutes number and the minutes attached")]
        return []
    problems = dated_problems("musdes.held_on", musdes.held_on, today)
    if not musdes.minutes_number.strip():
        problems.append(Problem("musdes.minutes_number", "required",
                                "the minutes (berita acara) number is empty"))
    if len(musdes.minutes_sha256) != 64:
        problems.append(Problem("musdes.minutes_sha256", "malformed",
                                "the minutes must be attached (a SHA-256 of an upload)"))
    return problems


def text_problems(field_name: str, value: str | None, *, required: bool,
                  limit: int = MAX_TEXT_LENGTH) -> list[Problem]:
    text = (value or "").strip()
    if required and not text:
        return [Problem(field_name, "required", f"{field_name} is empty")]
    if len(text) > limit:
        return [Problem(field_name, "too_long", f"{field_name} is longer than {limit}")]
    return []


# --- JSON form ------------------------------------------------------------------------------

def to_json(details: Details) -> dict[str, Any]:
    return {k: plain_json(v) for k, v in dataclasses.asdict(details).items()}


def plain_json(value: Any) -> Any:
    """``value`` with enums and dates turned into JSON strings, tuples into lists."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    return value


def from_json(kind: ProposalKind, data: Mapping[str, Any]) -> Details:
    builders: dict[ProposalKind, Callable[[Mapping[str, Any]], Details]] = {
        ProposalKind.NEW_HOUSEHOLD: lambda d: NewHousehold(_household(d["household"])),
        ProposalKind.NEW_MEMBER: lambda d: NewMember(d["household_id"], _member(d["member"])),
        ProposalKind.DATA_CORRECTION: lambda d: DataCorrection(
            d["household_id"], d["base_version"], dict(d["household_changes"]),
            [MemberCorrection(m["member_id"], dict(m["changes"]))
             for m in d["member_changes"]]),
        ProposalKind.DEATH: lambda d: Death(d["household_id"], d["member_id"],
                                            _date(d["death_date"])),
        ProposalKind.MOVED: lambda d: Moved(d["household_id"], _date(d["moved_on"]),
                                            d.get("destination")),
        ProposalKind.GRADUATION: lambda d: Graduation(d["household_id"], d["reason"]),
        ProposalKind.PROGRAM_ENROLMENT: lambda d: ProgramEnrolment(
            d["household_id"], Program(d["program"]), d["period"], _date(d["start_date"]),
            d.get("member_id")),
        ProposalKind.PROGRAM_EXIT: lambda d: ProgramExit(
            d["household_id"], Program(d["program"]), _date(d["end_date"]), d.get("member_id")),
    }
    return builders[kind](data)


def _member(d: Mapping[str, Any]) -> MemberRecord:
    return MemberRecord(
        nik=d["nik"], name=d["name"], birth_date=_date(d["birth_date"]), sex=Sex(d["sex"]),
        relationship=Relationship(d["relationship"]),
        education=_enum(Education)(d.get("education")), occupation=d.get("occupation"),
        disability=Disability(d.get("disability", Disability.NONE)),
        alive=d.get("alive", True),
        match_status=MatchStatus(d.get("match_status", MatchStatus.UNCHECKED)))


def _household(d: Mapping[str, Any]) -> HouseholdRecord:
    values = {name: HOUSEHOLD_CORRECTABLE[name](d[name])
              for name in HOUSEHOLD_CORRECTABLE if name in d}
    return HouseholdRecord(
        kk_number=d["kk_number"], desa_code=d["desa_code"],
        members=[_member(m) for m in d["members"]],
        status=HouseholdStatus(d.get("status", HouseholdStatus.PROPOSED)),
        programs=[ProgramRecord(Program(p["program"]), p["period"], _date(p["start_date"]),
                                p.get("member_nik")) for p in d.get("programs", [])],
        **values)
