"""Registering households in bulk: the path used by imports and the seeder.

Primary keys are allocated up front and rows go in through the bulk path of
:mod:`regional_node.adapters.bulk_insert` (COPY on PostgreSQL, executemany on SQLite), in the
caller's unit of work, one audit entry per household.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.bulk_insert import allocate_ids, insert_rows
from regional_node.adapters.orm import Household, Member, ProgramMembership, utcnow
from regional_node.domain.records import (
    HouseholdRecord,
    MemberRecord,
    ProgramRecord,
    household_problems,
)
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
    now, session = utcnow(), uow.session
    household_ids = await allocate_ids(session, Household, len(records))
    member_ids = iter(await allocate_ids(session, Member,
                                         sum(len(r.members) for r in records)))
    household_rows, member_rows, program_rows = [], [], []
    for record, household_id in zip(records, household_ids, strict=True):
        household_row = _household_row(record, now)
        household_row["id"] = household_id
        household_rows.append(household_row)
        member_id_by_nik = {}
        for member in record.members:
            member_id_by_nik[member.nik] = member_id = next(member_ids)
            member_row = _member_row(member, household_id, now)
            member_row["id"] = member_id
            member_rows.append(member_row)
        program_rows += [_program_row(p, household_id, member_id_by_nik) for p in record.programs]
    await insert_rows(session, Household, household_rows)
    await insert_rows(session, Member, member_rows)
    await insert_rows(session, ProgramMembership, program_rows)
    for record, household_id in zip(records, household_ids, strict=True):
        uow.audit.record("household.register", "household", household_id,
                         after=snapshot(record))
    return household_ids


_HOUSEHOLD_FIELDS = tuple(f.name for f in dataclasses.fields(HouseholdRecord))
_MEMBER_FIELDS = tuple(f.name for f in dataclasses.fields(MemberRecord))
_PROGRAM_FIELDS = tuple(f.name for f in dataclasses.fields(ProgramRecord))
_household_values = attrgetter(*_HOUSEHOLD_FIELDS)
_member_values = attrgetter(*_MEMBER_FIELDS)
_program_values = attrgetter(*_PROGRAM_FIELDS)


def snapshot(record: HouseholdRecord) -> dict[str, Any]:
    """The state an audit digest covers: every field, members and programs included.

    Equal to ``dataclasses.asdict(record)`` (a test holds it to that), built without its
    recursive deep copy, which cost more than the inserts on large imports.
    """
    data = dict(zip(_HOUSEHOLD_FIELDS, _household_values(record), strict=True))
    data["members"] = [dict(zip(_MEMBER_FIELDS, _member_values(m), strict=True))
                       for m in record.members]
    data["programs"] = [dict(zip(_PROGRAM_FIELDS, _program_values(p), strict=True))
                        for p in record.programs]
    data["assets"] = tuple(record.assets)
    return data


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


def _program_row(program: ProgramRecord, household_id: int,
                 member_ids: dict[str, int]) -> dict[str, Any]:
    return {
        "household_id": household_id,
        "member_id": member_ids[program.member_nik] if program.member_nik else None,
        "program": program.program, "period": program.period,
        "start_date": program.start_date, "end_date": None, "active": True,
    }


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]
