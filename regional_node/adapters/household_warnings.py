"""Storing and reading the warnings kept with households (:class:`HouseholdWarning`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.orm import Household, HouseholdWarning, Member, utcnow
from regional_node.domain.import_format import RowWarning

IMPORT = "IMPORT"
_CHUNK = 500  # under SQLite's limit of bound parameters


async def store_import_warnings(session: AsyncSession, warnings: Sequence[RowWarning]) -> int:
    """Keep each warning with its household (found by KK) and member (by NIK), in the
    caller's transaction; returns how many were stored."""
    if not warnings:
        return 0
    households = await _lookup(session, select(Household.kk_number, Household.id,
                                               Household.desa_code),
                               Household.kk_number, {w.kk_number for w in warnings})
    members = await _lookup(session, select(Member.nik, Member.id), Member.nik,
                            {w.nik for w in warnings if w.nik is not None})
    now = utcnow()
    rows = []
    for warning in warnings:
        household_id, desa_code = households[warning.kk_number]
        rows.append(HouseholdWarning(
            household_id=household_id, desa_code=desa_code,
            member_id=None if warning.nik is None else members[warning.nik][0],
            kind=warning.kind, source=IMPORT, message=warning.message, created_at=now))
    session.add_all(rows)
    await session.flush()
    return len(rows)


async def _lookup(session: AsyncSession, statement: Any, column: Any, keys: set[str]
                  ) -> dict[str, tuple[Any, ...]]:
    """``{key: (the other selected columns)}`` for the keys found, in chunks."""
    found: dict[str, tuple[Any, ...]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), _CHUNK):
        result = await session.execute(statement.where(column.in_(ordered[start:start + _CHUNK])))
        found.update((row[0], tuple(row[1:])) for row in result)
    return found
