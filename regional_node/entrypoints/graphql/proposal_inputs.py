"""GraphQL inputs of proposals, and their translation into the domain's details.

``ProposalDetailsInput`` is a ``@oneOf`` input: exactly one of its fields is given, and that
field is the kind of the proposal.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

from regional_node.domain.proposal_details import (
    DataCorrection,
    Death,
    Details,
    Graduation,
    MemberCorrection,
    Moved,
    MusdesReference,
    NewHousehold,
    NewMember,
    ProgramEnrolment,
    ProgramExit,
    plain_json,
)
from regional_node.domain.records import HouseholdRecord, MemberRecord, ProgramRecord
from regional_node.service_layer.proposals import ProposalDraft
from schema.enums import (
    Asset,
    CookingFuel,
    Disability,
    DrinkingWater,
    Education,
    FloorMaterial,
    HouseholdStatus,
    Lighting,
    Program,
    Relationship,
    RoofMaterial,
    Tenure,
    Toilet,
    WallMaterial,
)
from schema.errors import InvalidInput
from schema.identity_numbers import Sex
from schema.ids import record_id


@strawberry.input(description="A person as the KK (family card) lists them")
class MemberInput:
    nik: str
    name: str
    birth_date: dt.date
    sex: Sex
    relationship: Relationship
    education: Education | None = None
    occupation: str | None = None
    disability: Disability = Disability.NONE


@strawberry.input(description="Housing conditions; every field is optional")
class HousingInput:
    floor_material: FloorMaterial | None = None
    wall_material: WallMaterial | None = None
    roof_material: RoofMaterial | None = None
    floor_area_m2: float | None = None
    tenure: Tenure | None = None
    drinking_water: DrinkingWater | None = None
    lighting: Lighting | None = None
    cooking_fuel: CookingFuel | None = None
    toilet: Toilet | None = None


@strawberry.input(description="A household not yet in the registry")
class NewHouseholdInput:
    kk_number: str
    desa_code: str
    address: str
    members: list[MemberInput]
    latitude: float | None = None
    longitude: float | None = None
    housing: HousingInput | None = None
    assets: list[Asset] | None = None
    desil: int | None = None


@strawberry.input
class NewMemberInput:
    household_id: strawberry.ID
    member: MemberInput


@strawberry.input(description="New values; a field left out (or null) is not changed")
class HouseholdCorrectionInput(HousingInput):
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    assets: list[Asset] | None = None
    desil: int | None = None


@strawberry.input(description="New values for one member; a field left out is not changed")
class MemberCorrectionInput:
    member_id: strawberry.ID
    nik: str | None = None
    name: str | None = None
    birth_date: dt.date | None = None
    sex: Sex | None = None
    relationship: Relationship | None = None
    education: Education | None = None
    occupation: str | None = None
    disability: Disability | None = None


@strawberry.input
class DataCorrectionInput:
    household_id: strawberry.ID
    base_version: int | None = strawberry.field(
        default=None, description="Household.version the correction was made against "
                                  "(default: the current one)")
    household: HouseholdCorrectionInput | None = None
    members: list[MemberCorrectionInput] | None = None


@strawberry.input(description="Meninggal: a member died")
class DeathInput:
    household_id: strawberry.ID
    member_id: strawberry.ID
    death_date: dt.date


@strawberry.input(description="Pindah: the whole household moved away")
class MovedInput:
    household_id: strawberry.ID
    moved_on: dt.date
    destination: str | None = None


@strawberry.input(description="Graduasi: the household no longer needs aid")
class GraduationInput:
    household_id: strawberry.ID
    reason: str


@strawberry.input
class ProgramEnrolmentInput:
    household_id: strawberry.ID
    program: Program
    period: str
    start_date: dt.date
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="For person-level programs (PBI-JK, PIP)")


@strawberry.input
class ProgramExitInput:
    household_id: strawberry.ID
    program: Program
    end_date: dt.date
    member_id: strawberry.ID | None = None


@strawberry.input(one_of=True, description="Exactly one: the kind of the proposal")
class ProposalDetailsInput:
    new_household: NewHouseholdInput | None = strawberry.UNSET
    new_member: NewMemberInput | None = strawberry.UNSET
    data_correction: DataCorrectionInput | None = strawberry.UNSET
    death: DeathInput | None = strawberry.UNSET
    moved: MovedInput | None = strawberry.UNSET
    graduation: GraduationInput | None = strawberry.UNSET
    program_enrolment: ProgramEnrolmentInput | None = strawberry.UNSET
    program_exit: ProgramExitInput | None = strawberry.UNSET


@strawberry.input(description="The Musdes/Muskel that agreed the proposal")
class MusdesInput:
    held_on: dt.date
    minutes_number: str = strawberry.field(description="Nomor berita acara")
    minutes_sha256: str = strawberry.field(description="From uploadAttachment")


@strawberry.input
class ProposalInput:
    id: strawberry.ID = strawberry.field(
        description="A UUID the client chooses; creating it again is harmless")
    details: ProposalDetailsInput
    musdes: MusdesInput | None = None
    note: str | None = None
    corrects: strawberry.ID | None = strawberry.field(
        default=None, description="The RETURNED proposal this one corrects (same household; "
                                  "a new household corrects a returned new household)")


def _id(value: Any, field: str) -> int:
    return record_id(value, field)


def _member(m: MemberInput) -> MemberRecord:
    return MemberRecord(nik=m.nik, name=m.name, birth_date=m.birth_date, sex=m.sex,
                        relationship=m.relationship, education=m.education,
                        occupation=m.occupation, disability=m.disability)


_HOUSING = ("floor_material", "wall_material", "roof_material", "floor_area_m2", "tenure",
            "drinking_water", "lighting", "cooking_fuel", "toilet")


def _given(source: object, names: tuple[str, ...]) -> dict[str, Any]:
    values = {name: getattr(source, name) for name in names}
    return {k: v for k, v in values.items() if v is not None and v is not strawberry.UNSET}


def _new_household(h: NewHouseholdInput) -> NewHousehold:
    housing = _given(h.housing, _HOUSING) if h.housing else {}
    return NewHousehold(HouseholdRecord(
        kk_number=h.kk_number, desa_code=h.desa_code, address=h.address,
        members=[_member(m) for m in h.members], latitude=h.latitude, longitude=h.longitude,
        assets=tuple(h.assets or ()), desil=h.desil, status=HouseholdStatus.PROPOSED,
        programs=list[ProgramRecord](), **housing))


def _correction(c: DataCorrectionInput, current_version: int | None) -> DataCorrection:
    household = _given(c.household, (*_HOUSING, "address", "latitude", "longitude", "assets",
                                     "desil")) if c.household else {}
    members = [MemberCorrection(_id(m.member_id, "memberId"), plain_json(_given(m, (
        "nik", "name", "birth_date", "sex", "relationship", "education", "occupation",
        "disability")))) for m in c.members or ()]
    version = c.base_version if c.base_version is not None else current_version
    return DataCorrection(_id(c.household_id, "householdId"), version or 0,
                          plain_json(household), members)


def details_from(d: ProposalDetailsInput, current_version: int | None = None) -> Details:
    """The domain details; ``current_version``: the household's version now (corrections
    made without a base version are taken as made against it)."""
    if d.new_household:
        return _new_household(d.new_household)
    if d.new_member:
        return NewMember(_id(d.new_member.household_id, "householdId"),
                         _member(d.new_member.member))
    if d.data_correction:
        return _correction(d.data_correction, current_version)
    if d.death:
        return Death(_id(d.death.household_id, "householdId"),
                     _id(d.death.member_id, "memberId"), d.death.death_date)
    if d.moved:
        return Moved(_id(d.moved.household_id, "householdId"), d.moved.moved_on,
                     d.moved.destination)
    if d.graduation:
        return Graduation(_id(d.graduation.household_id, "householdId"), d.graduation.reason)
    if d.program_enrolment:
        e = d.program_enrolment
        return ProgramEnrolment(_id(e.household_id, "householdId"), e.program, e.period,
                                e.start_date,
                                _id(e.member_id, "memberId") if e.member_id else None)
    if d.program_exit:
        x = d.program_exit
        return ProgramExit(_id(x.household_id, "householdId"), x.program, x.end_date,
                           _id(x.member_id, "memberId") if x.member_id else None)
    raise InvalidInput("give the details of exactly one kind of proposal", reason="required",
                       field="details")


def correction_household(d: ProposalDetailsInput) -> int | None:
    """The household a data correction names (to look up its current version)."""
    if d.data_correction and d.data_correction.base_version is None:
        return _id(d.data_correction.household_id, "householdId")
    return None


def draft_from(p: ProposalInput, current_version: int | None = None) -> ProposalDraft:
    musdes = None if p.musdes is None else MusdesReference(
        p.musdes.held_on, p.musdes.minutes_number, p.musdes.minutes_sha256.lower())
    return ProposalDraft(id=str(p.id), details=details_from(p.details, current_version),
                         musdes=musdes, note=p.note,
                         corrects=str(p.corrects) if p.corrects is not None else None)
