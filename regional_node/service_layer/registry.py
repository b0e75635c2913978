"""Registering households in bulk: the path used by imports and the seeder.

Primary keys are allocated up front and rows go in through the bulk path of
:mod:`regional_node.adapters.bulk_insert` (COPY on PostgreSQL, executemany on SQLite), in the
caller's unit of work, one audit entry per household, each household with its PMT score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.bulk_insert import allocate_id_sets, insert_tuples
from regional_node.adapters.orm import Household, Member, ProgramMembership, utcnow
from regional_node.domain.household_rows import (
    HOUSEHOLD_COLUMNS,
    MEMBER_COLUMNS,
    PROGRAM_COLUMNS,
    HouseholdRows,
    household_rows,
    rows_digest,
)
from regional_node.domain.records import HouseholdRecord, household_problems
from regional_node.errors import Duplicate, InvalidRecord
from regional_node.service_layer.pmt import store_new_scores
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
        raise Duplicate(f"already registered on this node: {taken}")
    return await store_households(uow, records)


HOUSEHOLD_INSERT = ("id", *HOUSEHOLD_COLUMNS, "inactive_reason", "version", "created_at",
                    "updated_at")
MEMBER_INSERT = ("id", "household_id", *MEMBER_COLUMNS, "death_date", "created_at",
                 "updated_at")
PROGRAM_INSERT = ("household_id", "member_id", *PROGRAM_COLUMNS, "end_date", "active")


async def store_households(uow: UnitOfWork, records: Sequence[HouseholdRecord]) -> list[int]:
    """Insert records that were already validated and checked for duplicates."""
    return await store_household_rows(uow, [household_rows(r) for r in records])


async def store_household_rows(uow: UnitOfWork, prepared: Sequence[HouseholdRows]
                               ) -> list[int]:
    """Insert prepared households (validated, checked for duplicates), one audit entry each."""
    if not prepared:
        return []
    now, session = utcnow(), uow.session
    household_ids, member_ids = await draw_household_keys(session, prepared)
    households, members, programs = household_tables(prepared, household_ids,
                                                     iter(member_ids), now)
    await insert_tuples(session, Household, HOUSEHOLD_INSERT, households)
    await insert_tuples(session, Member, MEMBER_INSERT, members)
    await insert_tuples(session, ProgramMembership, PROGRAM_INSERT, programs)
    await store_new_scores(session, prepared, household_ids, now)
    uow.audit.record_digests("household.register", "household", household_ids,
                             audit_digests(prepared))
    return household_ids


async def draw_household_keys(session: AsyncSession, prepared: Sequence[HouseholdRows]
                              ) -> tuple[list[int], list[int]]:
    """The primary keys of these households and of their members, in that order (one
    statement on PostgreSQL)."""
    household_ids, member_ids = await allocate_id_sets(
        session, [(Household, len(prepared)), (Member, sum(len(p[1]) for p in prepared))])
    return household_ids, member_ids


def household_tables(prepared: Sequence[HouseholdRows], household_ids: Sequence[int],
                     member_ids: Iterator[int], now: dt.datetime
                     ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]],
                                list[tuple[Any, ...]]]:
    """The rows of these households, their members and programs, in the order of
    ``HOUSEHOLD_INSERT``, ``MEMBER_INSERT`` and ``PROGRAM_INSERT``: members take their keys
    from ``member_ids`` in order (a caller may build a batch a slice at a time)."""
    households, members, programs = [], [], []
    for (values, member_values, program_values, _), household_id in zip(
            prepared, household_ids, strict=True):
        households.append((household_id, *values, None, 1, now, now))
        ids = [next(member_ids) for _ in member_values]
        members += [(member_id, household_id, *member, None, now, now)
                    for member_id, member in zip(ids, member_values, strict=True)]
        programs += [(household_id, None if index is None else ids[index], *program, None, True)
                     for index, *program in program_values]
    return households, members, programs


def audit_digests(prepared: Sequence[HouseholdRows]) -> list[str]:
    """The ``after`` digest of each household's audit entry (computed now if not yet)."""
    return [p[3] or rows_digest(*p[:3]) for p in prepared]


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), LOOKUP_CHUNK):
        yield values[start:start + LOOKUP_CHUNK]
