"""Storing and reading the warnings kept with households (:class:`HouseholdWarning`):
stored by an import, listed and counted for Dinas Sosial, narrowed to the viewer's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.household_queries import HouseholdFilter, household_conditions
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
            kind=warning.kind, source=IMPORT, message=str(warning.message),
            message_parts=warning.message.stored(), created_at=now))
    session.add_all(rows)
    await session.flush()
    return len(rows)


async def kk_holding(session: AsyncSession, niks: set[str]) -> dict[str, str]:
    """The KK number of the household that holds each of ``niks`` (for a message naming it)."""
    found = await _lookup(session, select(Member.nik, Household.kk_number)
                          .join(Household, Household.id == Member.household_id),
                          Member.nik, niks)
    return {nik: str(values[0]) for nik, values in found.items()}


async def _lookup(session: AsyncSession, statement: Any, column: Any, keys: set[str]
                  ) -> dict[str, tuple[Any, ...]]:
    """``{key: (the other selected columns)}`` for the keys found, in chunks."""
    found: dict[str, tuple[Any, ...]] = {}
    ordered = sorted(keys)
    for start in range(0, len(ordered), _CHUNK):
        result = await session.execute(statement.where(column.in_(ordered[start:start + _CHUNK])))
        found.update((row[0], tuple(row[1:])) for row in result)
    return found


@dataclass(frozen=True, slots=True)
class WarningFilter:
    """Which warnings: ``households`` narrows by region and the viewer's row scope."""

    households: HouseholdFilter = HouseholdFilter()
    kind: str | None = None
    open: bool | None = True  # None: open and resolved


@dataclass(frozen=True, slots=True)
class WarningPage:
    rows: list[HouseholdWarning]
    has_next: bool


def _selected(flt: WarningFilter) -> list[Any]:
    conditions: list[Any] = [*household_conditions(flt.households)]
    if flt.kind is not None:
        conditions.append(HouseholdWarning.kind == flt.kind)
    if flt.open is not None:
        conditions.append(HouseholdWarning.resolved_at.is_(None) if flt.open
                          else HouseholdWarning.resolved_at.is_not(None))
    return conditions


async def list_warnings(session: AsyncSession, flt: WarningFilter, *, first: int,
                        after_id: int | None) -> WarningPage:
    """Warnings by id, the page after ``after_id``."""
    conditions = _selected(flt)
    if after_id is not None:
        conditions.append(HouseholdWarning.id > after_id)
    rows = list((await session.execute(
        select(HouseholdWarning).join(Household, Household.id == HouseholdWarning.household_id)
        .where(*conditions).order_by(HouseholdWarning.id).limit(first + 1))).scalars())
    return WarningPage(rows[:first], len(rows) > first)


async def count_warnings(session: AsyncSession, flt: WarningFilter) -> int:
    return int((await session.execute(
        select(func.count()).select_from(HouseholdWarning)
        .join(Household, Household.id == HouseholdWarning.household_id)
        .where(*_selected(flt)))).scalar_one())


async def warning_counts(session: AsyncSession, flt: WarningFilter
                         ) -> list[tuple[str, str, int]]:
    """``(desa code, kind, warnings)`` of the warnings ``flt`` selects, counted in the
    database."""
    keys = [HouseholdWarning.desa_code, HouseholdWarning.kind]
    rows = await session.execute(
        select(*keys, func.count()).select_from(HouseholdWarning)
        .join(Household, Household.id == HouseholdWarning.household_id)
        .where(*_selected(flt)).group_by(*keys).order_by(*keys))
    return [(str(row[0]), str(row[1]), int(row[2])) for row in rows]
