"""Load one stored household back into the domain's :class:`HouseholdRecord`, with its rows,
so a proposal can be validated against (and applied to) the registry as it stands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.orm import Household, Member, ProgramMembership
from regional_node.domain.records import HouseholdRecord, MemberRecord, ProgramRecord
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


@dataclass(slots=True)
class StoredHousehold:
    row: Household
    members: list[Member]  # in id order, parallel to record.members
    programs: list[ProgramMembership]
    record: HouseholdRecord

    @property
    def member_ids(self) -> list[int]:
        return [m.id for m in self.members]

    def member(self, member_id: int) -> Member | None:
        return next((m for m in self.members if m.id == member_id), None)


async def load_household(session: AsyncSession, household_id: int, *,
                         for_update: bool = False) -> StoredHousehold | None:
    statement = select(Household).where(Household.id == household_id)
    if for_update:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        return None
    members = list((await session.execute(
        select(Member).where(Member.household_id == household_id).order_by(Member.id)
    )).scalars())
    programs = list((await session.execute(
        select(ProgramMembership).where(ProgramMembership.household_id == household_id)
        .order_by(ProgramMembership.id))).scalars())
    return StoredHousehold(row, members, programs, to_record(row, members, programs))


def _opt(enum_type: Any, value: str | None) -> Any:
    return enum_type(value) if value is not None else None


def to_record(row: Household, members: list[Member],
              programs: list[ProgramMembership]) -> HouseholdRecord:
    nik_by_id = {m.id: m.nik for m in members}
    return HouseholdRecord(
        kk_number=row.kk_number, desa_code=row.desa_code, address=row.address,
        members=[MemberRecord(
            nik=m.nik, name=m.name, birth_date=m.birth_date, sex=Sex(m.sex),
            relationship=Relationship(m.relationship), education=_opt(Education, m.education),
            occupation=m.occupation, disability=Disability(m.disability), alive=m.alive,
            match_status=MatchStatus(m.match_status)) for m in members],
        latitude=row.latitude, longitude=row.longitude,
        floor_material=_opt(FloorMaterial, row.floor_material),
        wall_material=_opt(WallMaterial, row.wall_material),
        roof_material=_opt(RoofMaterial, row.roof_material), floor_area_m2=row.floor_area_m2,
        tenure=_opt(Tenure, row.tenure), drinking_water=_opt(DrinkingWater, row.drinking_water),
        lighting=_opt(Lighting, row.lighting), cooking_fuel=_opt(CookingFuel, row.cooking_fuel),
        toilet=_opt(Toilet, row.toilet), assets=tuple(Asset(a) for a in row.assets or ()),
        desil=row.desil, status=HouseholdStatus(row.status),
        programs=[ProgramRecord(Program(p.program), p.period, p.start_date,
                                nik_by_id.get(p.member_id) if p.member_id else None)
                  for p in programs if p.active])
