"""Read-side queries over households: filters, keyset pagination, grouped counts.

Pagination is keyset (never OFFSET): a page continues strictly after the last row seen, by
``(sort value, id)``, so rows inserted meanwhile never shift or repeat what a reader has seen.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household, Member, PmtScore, ProgramMembership
from regional_node.errors import InvalidCursor
from schema.regions import RegionLevel, level_of
from schema.scope import name_key

KECAMATAN_CODE_LENGTH = len("32.73.01")


class HouseholdOrder(StrEnum):
    ID = "ID"
    KK_NUMBER = "KK_NUMBER"
    DESA = "DESA"


class CountDimension(StrEnum):
    KECAMATAN = "KECAMATAN"
    DESA = "DESA"
    STATUS = "STATUS"
    PROGRAM = "PROGRAM"
    DESIL = "DESIL"


_SORT_COLUMNS = {
    HouseholdOrder.ID: None,
    HouseholdOrder.KK_NUMBER: Household.kk_number,
    HouseholdOrder.DESA: Household.desa_code,
}


@dataclass(frozen=True, slots=True)
class HouseholdFilter:
    region: str | None = None  # a code inside (or above) the node's region
    status: str | None = None
    program: str | None = None
    name: str | None = None  # free text, matched against every member's name
    name_whole: bool = False  # the name matches whole names only (schema.scope.name_key)
    desil_max: int | None = None
    household_ids: tuple[int, ...] | None = None  # only these (a whole name, resolved)
    # the viewer's row scope (schema.scope.RowWindow): always ANDed with the rest
    scope_region: str | None = None  # a desa or kecamatan code; None: the whole node
    scope_household_ids: tuple[int, ...] | None = None
    scope_empty: bool = False


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Household]
    has_next: bool
    end_cursor: str | None
    start_cursor: str | None


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _in_region(code: str) -> list[ColumnElement[bool]]:
    level = level_of(code)
    if level is RegionLevel.DESA:
        return [Household.desa_code == code]
    if level is RegionLevel.KECAMATAN:
        return [Household.desa_code.like(f"{code}.%")]
    return []


def _conditions(flt: HouseholdFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if flt.scope_empty:
        conditions.append(false())
    if flt.scope_region is not None:
        conditions += _in_region(flt.scope_region)
    if flt.scope_household_ids is not None:
        conditions.append(Household.id.in_(list(flt.scope_household_ids)))
    if flt.region is not None:
        conditions += _in_region(flt.region)
    if flt.status is not None:
        conditions.append(Household.status == flt.status)
    if flt.desil_max is not None:
        conditions.append(Household.desil <= flt.desil_max)
    if flt.program is not None:
        conditions.append(Household.id.in_(select(ProgramMembership.household_id).where(
            ProgramMembership.program == flt.program, ProgramMembership.active.is_(True))))
    if flt.household_ids is not None:
        conditions.append(Household.id.in_(list(flt.household_ids)))
    if flt.name:
        if flt.name_whole:
            raise ValueError("a whole-name filter must be resolved first (resolve_names)")
        pattern = f"%{_escape_like(flt.name.strip())}%"
        conditions.append(Household.id.in_(select(Member.household_id).where(
            Member.name.ilike(pattern, escape="\\"))))
    return conditions


def household_conditions(flt: HouseholdFilter) -> list[ColumnElement[bool]]:
    """``flt`` as conditions on :class:`Household` (for queries joining it)."""
    return _conditions(flt)


async def resolve_names(session: AsyncSession, flt: HouseholdFilter) -> HouseholdFilter:
    """``flt`` with a whole-name filter turned into the ids of the households one of whose
    members bears exactly that name (:func:`schema.scope.name_key`: case, spaces and
    punctuation ignored), among the households its other conditions select (the public's
    search: one desa). Compared in Python, so every backend normalises names the same way."""
    if not (flt.name and flt.name_whole):
        return flt
    key = name_key(flt.name)
    others = dataclasses.replace(flt, name=None, name_whole=False)
    rows = await session.execute(
        select(Member.household_id, Member.name)
        .join(Household, Household.id == Member.household_id).where(*_conditions(others)))
    found = sorted({household_id for household_id, name in rows if name_key(name) == key})
    return dataclasses.replace(others, household_ids=tuple(found))


def encode_cursor(order: HouseholdOrder, row: Household) -> str:
    column = _SORT_COLUMNS[order]
    key = [getattr(row, column.key) if column is not None else None, row.id]
    raw = json.dumps({"o": order.value, "k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, order: HouseholdOrder) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode()))
        sort_value, row_id = body["k"]
        cursor_order = body["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidCursor("the cursor is not one this API issued", reason="malformed") from None
    if cursor_order != order.value:
        raise InvalidCursor(f"the cursor belongs to order {cursor_order}, not {order.value}",
                            reason="order_mismatch")
    if not isinstance(row_id, int):
        raise InvalidCursor("the cursor is not one this API issued", reason="malformed")
    return sort_value, row_id


def _after(order: HouseholdOrder, cursor: str) -> ColumnElement[bool]:
    sort_value, row_id = decode_cursor(cursor, order)
    column = _SORT_COLUMNS[order]
    if column is None:
        return Household.id > row_id
    return or_(column > sort_value, and_(column == sort_value, Household.id > row_id))


def _ordered(statement: Select[Any], order: HouseholdOrder) -> Select[Any]:
    column = _SORT_COLUMNS[order]
    return statement.order_by(Household.id) if column is None else statement.order_by(
        column, Household.id)


async def list_households(session: AsyncSession, flt: HouseholdFilter, *, first: int,
                          after: str | None, order: HouseholdOrder) -> Page:
    statement = select(Household).where(*_conditions(flt))
    if after is not None:
        statement = statement.where(_after(order, after))
    rows = list((await session.execute(_ordered(statement, order).limit(first + 1))).scalars())
    has_next = len(rows) > first
    rows = rows[:first]
    return Page(rows, has_next,
                encode_cursor(order, rows[-1]) if rows else None,
                encode_cursor(order, rows[0]) if rows else None)


async def count_households(session: AsyncSession, flt: HouseholdFilter) -> int:
    statement = select(func.count()).select_from(Household).where(*_conditions(flt))
    return int((await session.execute(statement)).scalar_one())


async def households_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Household]:
    rows = await session.execute(select(Household).where(Household.id.in_(list(ids))))
    return {row.id: row for row in rows.scalars()}


async def pmt_scores_by_household(session: AsyncSession, ids: Sequence[int]
                                  ) -> dict[int, PmtScore]:
    rows = await session.execute(select(PmtScore).where(PmtScore.household_id.in_(list(ids))))
    return {row.household_id: row for row in rows.scalars()}


async def members_by_household(session: AsyncSession, ids: Sequence[int]
                               ) -> dict[int, list[Member]]:
    result: dict[int, list[Member]] = {i: [] for i in ids}
    rows = await session.execute(select(Member).where(Member.household_id.in_(list(ids)))
                                 .order_by(Member.household_id, Member.id))
    for member in rows.scalars():
        result[member.household_id].append(member)
    return result


async def programs_by_household(session: AsyncSession, ids: Sequence[int]
                                ) -> dict[int, list[ProgramMembership]]:
    result: dict[int, list[ProgramMembership]] = {i: [] for i in ids}
    rows = await session.execute(
        select(ProgramMembership).where(ProgramMembership.household_id.in_(list(ids)))
        .order_by(ProgramMembership.household_id, ProgramMembership.id))
    for program in rows.scalars():
        result[program.household_id].append(program)
    return result


async def member_by_nik(session: AsyncSession, nik: str) -> Member | None:
    return (await session.execute(select(Member).where(Member.nik == nik))).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class CountRow:
    kecamatan: str | None
    desa: str | None
    status: str | None
    program: str | None
    desil: int | None
    households: int
    members: int


async def grouped_counts(database: Database, flt: HouseholdFilter,
                         dimensions: Sequence[CountDimension]) -> list[CountRow]:
    """Households and living members per group. By PROGRAM, a household counts once in each
    program it (or any of its members) is actively enrolled in. One read transaction in one
    hand-off (``Database.run_sync``): the gateway's rollups ask every node for these."""
    statement = _grouped_counts_statement(flt, dimensions)
    rows = await database.run_sync(
        lambda connection: connection.execute(statement).mappings().all(), write=False)
    return [CountRow(kecamatan=row.get("kecamatan"), desa=row.get("desa"),
                     status=row.get("status"), program=row.get("program"),
                     desil=row.get("desil"), households=int(row["households"]),
                     members=int(row["members"])) for row in rows]


def regroup(rows: Iterable[CountRow], dimensions: Sequence[CountDimension]) -> list[CountRow]:
    """``rows`` summed by ``dimensions`` only (the other keys become null), ordered by them."""
    fields = [_ROW_KEYS[d] for d in dimensions]
    sums: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        total = sums.setdefault(tuple(getattr(row, f) for f in fields), [0, 0])
        total[0] += row.households
        total[1] += row.members
    return [CountRow(**{**dict.fromkeys(_ROW_KEYS.values()), **dict(zip(fields, key, strict=True))},
                     households=households, members=members)
            for key, (households, members) in sorted(
                sums.items(), key=lambda item: [(v is not None, v if v is not None else "")
                                                for v in item[0]])]


_ROW_KEYS = {CountDimension.KECAMATAN: "kecamatan", CountDimension.DESA: "desa",
             CountDimension.STATUS: "status", CountDimension.PROGRAM: "program",
             CountDimension.DESIL: "desil"}


def _grouped_counts_statement(flt: HouseholdFilter, dimensions: Sequence[CountDimension]
                              ) -> Select[Any]:
    # named subqueries: an anonymous one draws a random name (os.urandom) each time
    alive = (select(Member.household_id, func.count().label("n")).where(Member.alive.is_(True))
             .group_by(Member.household_id).subquery("alive"))
    enrolled = (select(ProgramMembership.household_id, ProgramMembership.program)
                .where(ProgramMembership.active.is_(True)).distinct().subquery("enrolled"))
    keys: dict[CountDimension, Any] = {
        CountDimension.KECAMATAN: func.substr(Household.desa_code, 1, KECAMATAN_CODE_LENGTH),
        CountDimension.DESA: Household.desa_code,
        CountDimension.STATUS: Household.status,
        CountDimension.PROGRAM: enrolled.c.program,
        CountDimension.DESIL: Household.desil,
    }
    chosen = [keys[d].label(d.value.lower()) for d in dimensions]
    statement = (select(*chosen, func.count(Household.id).label("households"),
                        func.coalesce(func.sum(alive.c.n), 0).label("members"))
                 .select_from(Household).outerjoin(alive, alive.c.household_id == Household.id)
                 .where(*_conditions(flt)))
    if CountDimension.PROGRAM in dimensions:
        statement = statement.join(enrolled, enrolled.c.household_id == Household.id)
    if chosen:
        statement = statement.group_by(*chosen).order_by(*chosen)
    return statement
