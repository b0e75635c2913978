"""The suspension rule of :mod:`regional_node.domain.suspension` as SQL, for listing and
counting suspended memberships in the database (one pass, no rows loaded into Python).

:func:`subject_member_id` names the person a membership rests on (its member, or the
household's head: the lowest-id living HEAD, else the lowest-id HEAD); :func:`reason_column`
is the reason as a column, NULL when the membership pays. Join :class:`Member` aliased as
the subject on ``subject_member_id(...)`` (outer join: a household with no head has none).

For Dinas Sosial: :func:`list_suspended` / :func:`count_suspended` (a keyset page of the
suspended memberships in a scope, and how many) and :func:`suspension_cells` (active
memberships counted by region × program × reason, grouped in the database).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from regional_node.adapters.household_queries import HouseholdFilter, household_conditions
from regional_node.adapters.orm import Household, Member, ProgramMembership
from regional_node.domain.suspension import SuspensionReason
from schema.enums import MatchStatus, Relationship
from schema.suspension import CODE_LENGTH, SuspensionCell, SuspensionLevel


def subject_member_id(membership: Any = ProgramMembership) -> ColumnElement[Any]:
    """The member whose Dukcapil status decides: the membership's own, or the head's."""
    def head(*, living: bool) -> ColumnElement[Any]:
        member = aliased(Member)
        statement = select(func.min(member.id)).where(
            member.household_id == membership.household_id,
            member.relationship == Relationship.HEAD.value)
        if living:
            statement = statement.where(member.alive.is_(True))
        return statement.scalar_subquery()

    return func.coalesce(membership.member_id, head(living=True), head(living=False))


def reason_column(subject: Any) -> ColumnElement[Any]:
    """The :class:`SuspensionReason` value for ``subject`` (an aliased :class:`Member`, outer
    joined), NULL when the membership pays."""
    return case(
        (subject.id.is_(None), literal(SuspensionReason.NO_HEAD.value)),
        (or_(subject.alive.is_(False), subject.match_status == MatchStatus.DECEASED.value),
         literal(SuspensionReason.DECEASED.value)),
        (subject.match_status == MatchStatus.MATCH.value, literal(None)),
        else_=literal("NIK_") + subject.match_status,
    )


def suspended_memberships() -> Select[Any]:
    """``(membership id, household id, program, period, reason)`` of every active membership
    whose aid is suspended."""
    subject = aliased(Member)
    reason = reason_column(subject).label("reason")
    inner = (select(ProgramMembership.id, ProgramMembership.household_id,
                    ProgramMembership.program, ProgramMembership.period, reason)
             .outerjoin(subject, subject.id == subject_member_id())
             .where(ProgramMembership.active.is_(True)).subquery())
    return select(inner).where(inner.c.reason.is_not(None))


# Listing and counting for Dinas Sosial (regional_node/entrypoints/graphql/suspension_query.py).

@dataclass(frozen=True, slots=True)
class SuspensionFilter:
    """Which active memberships: ``households`` narrows by region and the viewer's row scope
    (its ``program`` is not used: ``program`` here is the membership's own)."""

    households: HouseholdFilter = HouseholdFilter()
    program: str | None = None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SuspendedRow:
    id: int
    household_id: int
    subject_id: int | None  # the person it rests on; None: no head
    program: str
    period: str
    start_date: dt.date
    reason: str
    desa_code: str


@dataclass(frozen=True, slots=True)
class SuspendedPage:
    rows: list[SuspendedRow]
    has_next: bool


def _active(flt: SuspensionFilter, *columns: Any) -> Any:
    """A named subquery of the active memberships ``flt`` selects: ``columns`` and the reason."""
    subject = aliased(Member, name="subject")
    conditions = [ProgramMembership.active.is_(True),
                  *household_conditions(flt.households)]
    if flt.program is not None:
        conditions.append(ProgramMembership.program == flt.program)
    return (select(*columns, subject.id.label("subject_id"),
                   reason_column(subject).label("reason"))
            .select_from(ProgramMembership)
            .join(Household, Household.id == ProgramMembership.household_id)
            .outerjoin(subject, subject.id == subject_member_id())
            .where(*conditions).subquery("active_membership"))


def _suspended(flt: SuspensionFilter) -> Any:
    active = _active(flt, ProgramMembership.id, ProgramMembership.household_id,
                     ProgramMembership.program, ProgramMembership.period,
                     ProgramMembership.start_date, Household.desa_code)
    conditions = [active.c.reason.is_not(None)]
    if flt.reason is not None:
        conditions.append(active.c.reason == flt.reason)
    return active, conditions


async def list_suspended(session: AsyncSession, flt: SuspensionFilter, *, first: int,
                         after_id: int | None) -> SuspendedPage:
    """Suspended memberships by membership id, the page after ``after_id``."""
    active, conditions = _suspended(flt)
    if after_id is not None:
        conditions.append(active.c.id > after_id)
    rows = (await session.execute(select(active).where(*conditions)
                                   .order_by(active.c.id).limit(first + 1))).mappings().all()
    found = [SuspendedRow(**{name: row[name] for name in SuspendedRow.__slots__})
             for row in rows[:first]]
    return SuspendedPage(found, len(rows) > first)


async def count_suspended(session: AsyncSession, flt: SuspensionFilter) -> int:
    active, conditions = _suspended(flt)
    return int((await session.execute(
        select(func.count()).select_from(active).where(*conditions))).scalar_one())


async def suspension_cells(session: AsyncSession, flt: SuspensionFilter,
                           level: SuspensionLevel) -> list[SuspensionCell]:
    """Active memberships counted by region (of ``level``) × program × reason, in the
    database (one grouped query); ``flt.reason`` is not used (every reason is counted)."""
    length = CODE_LENGTH[level]
    region = (func.substr(Household.desa_code, 1, length) if length
              else literal(None, String()))
    active = _active(flt, region.label("region"), ProgramMembership.program)
    keys = [active.c.region, active.c.program, active.c.reason]
    rows = (await session.execute(select(*keys, func.count().label("memberships"))
                                  .group_by(*keys))).mappings()
    return [SuspensionCell(row["region"], row["program"], row["reason"], int(row["memberships"]))
            for row in rows]


async def suspended_by_reason(session: AsyncSession) -> tuple[int, dict[str, int]]:
    """The node's active memberships, and the suspended ones by reason (what the command line
    prints after a NIK match and in ``siks node status``)."""
    cells = await suspension_cells(session, SuspensionFilter(), SuspensionLevel.NATIONAL)
    by_reason: dict[str, int] = {}
    for cell in cells:
        if cell.reason is not None:
            by_reason[cell.reason] = by_reason.get(cell.reason, 0) + cell.memberships
    return sum(cell.memberships for cell in cells), dict(sorted(by_reason.items()))
