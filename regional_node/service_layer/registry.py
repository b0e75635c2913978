"""Registering households in bulk: the path used by imports and the seeder.

Rows go in with multi-row INSERT … RETURNING (SQLAlchemy's insertmanyvalues), in the caller's
unit of work, one audit entry per household.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.orm import Household, Member, ProgramMembership, utcnow
from regional_node.domain.records import HouseholdRecord, MemberRecord, household_problems
from regional_node.errors import DuplicateRecord, InvalidRecord
from regional_node.service_layer.unit_of_work import UnitOfWork

LOOKUP_CHUNK = 500


async def existing_identifiers(session: AsyncSession, kk_numbers: Iterable[str],
                               niks: Iterable[str]) -> tuple[set[str], set[str]]:
    """Which of these KK numbers and NIKs are already registered on this node."""
    kks: set[str] = set()
    people: set[str] = set()
    for chunk in _chunks(sorted(set(kk_numbers))):
        rows = await session.execute(select(Household.kk_number).where(
            Household.kk_number.in_(chunk)))
        kks.update(rows.scalars())
    for chunk in _chunks(sorted(set(niks))):
        rows = await session.execute(select(Member.nik).where(Member.nik.in_(chunk)))
        people.update(rows.scalars())
    return kks, people


async def register_households(uow: UnitOfWork, records: Sequence[HouseholdRecord],
                              node_region: str) -> list[int]:
    """Validate, refuse duplicates, then store: all of ``records`` or none."""
    for record in records:
        problems = household_problems(record, node_region)
        if problems:
            raise InvalidRecord(problems)
    kks, niks = await existing_identifiers(
        uow.session, (r.kk_number for r in records), (m.nik for r in records for m in r.members))
    if kks or niks:
        taken = ", ".join([f"KK {k}" for k in sorted(kks)] + [f"NIK {n}" for n in sorted(niks)])
        raise DuplicateRecord(f"already registered on this node: {taken}")
    return await store_households(uow, records)


async def store_households(uow: UnitOfWork, records: Sequence[HouseholdRecord]) -> list[int]:
    """Insert records that were already validated and checked for duplicates."""
    if not records:
        return []
    now = utcnow()
    household_ids = list((await uow.session.execute(
        insert(Household).returning(Household.id, sort_by_parameter_order=True),
        [_household_row(r, now) for r in records],
    )).scalars())
    member_rows = [_member_row(m, hid, now)
                   for r, hid in zip(records, household_ids, strict=True) for m in r.members]
    member_ids = list((await uow.session.execute(
        insert(Member).returning(Member.id, sort_by_parameter_order=True), member_rows,
    )).scalars())
    member_id_by_nik = {row["nik"]: mid for row, mid in zip(member_rows, member_ids, strict=True)}
    program_rows = [_program_row(p, hid, member_id_by_nik)
                    for r, hid in zip(records, household_ids, strict=True) for p in r.programs]
    if program_rows:
        await uow.session.execute(insert(ProgramMembership), program_rows)
    for record, hid in zip(records, household_ids, strict=True):
        uow.audit.record("household.register", "household", hid, after=snapshot(record))
    return household_ids


def snapshot(record: HouseholdRecord) -> dict[str, Any]:
    """The state an audit digest covers: every field, members and programs included."""
    return dataclasses.asdict(record)


def _household_row(record: HouseholdRecord, now: dt.datetime) -> dict[str, Any]:
    return {
        "kk_number": record.kk_number, "desa_code": record.desa_code,
        "address": record.address, "latitude": record.latitude, "longitude": record.longitude,
        "floor_material": record.floor_material, "wall_material": record.wall_material,
        "roof_material": record.roof_material, "floor_area_m2": record.floor_area_m2,
        "tenure": record.tenure, "drinking_water": record.drinking_water,
        "lighting": record.lighting, "cooking_fuel": record.cooking_fuel,
        "toilet": record.toilet, "assets": [str(a) for a in record.assets],
        "desil": record.desil, "status": record.status, "inactive_reason": None,
        "version": 1, "created_at": now, "updated_at": now,
    }


def _member_row(member: MemberRecord, household_id: int, now: dt.datetime) -> dict[str, Any]:
    return {
        "household_id": household_id, "nik": member.nik, "name": member.name,
        "birth_date": member.birth_date, "sex": member.sex,
        "relationship": member.relationship, "education": member.education,
        "occupation": member.occupation, "disability": member.disability,
        "match_status": member.match_status, "alive": member.alive, "death_date": None,
        "created_at": now, "updated_at": now,
    }


def _program_row(program: Any, household_id: int, member_ids: dict[str, int]) -> dict[str, Any]:
    return {
        "household_id": household_id,
        "member_id": member_ids[program.member_nik] if program.member_nik else None,
        "program": program.program, "period": program.period,
        "start_date": program.start_date, "end_date": None, "active": True,
    }


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]
