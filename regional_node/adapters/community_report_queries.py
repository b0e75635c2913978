"""Read-side queries over community reports: the inbox of a desa (or a kecamatan, or the
kab/kota), keyset-paginated by ``(received_at, id)``, narrowed to the reader's scope.

Statuses are filtered as of ``now``: an OPEN sanggah past its due date counts as EXPIRED here
even before the sweep stored it, so the inbox and the sweep always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from regional_node.adapters.orm import CommunityReport
from regional_node.adapters.proposal_queries import Page, decode_cursor, encode_cursor
from regional_node.domain.community_reports import EXPIRES, ReportStatus
from schema.roles import Principal

R = CommunityReport


@dataclass(frozen=True, slots=True)
class ReportFilter:
    kind: str | None = None
    status: ReportStatus | None = None
    region: str | None = None  # a desa or kecamatan code; None: the whole node
    overdue: bool | None = None
    proposal_id: str | None = None


def _in_region(region: str) -> ColumnElement[bool]:
    return or_(R.desa_code == region, R.desa_code.like(f"{region}.%"))


def report_scope(principal: Principal) -> list[ColumnElement[bool]]:
    return [] if principal.region is None else [_in_region(principal.region)]


def _lapsed(now: dt.datetime) -> ColumnElement[bool]:
    """OPEN, of a kind that expires, past its due date: EXPIRED as of ``now``."""
    return and_(R.status == ReportStatus.OPEN.value,
                R.kind.in_([kind.value for kind in EXPIRES]), R.due_at <= now)


def status_condition(status: ReportStatus, now: dt.datetime) -> ColumnElement[bool]:
    if status is ReportStatus.EXPIRED:
        return or_(R.status == ReportStatus.EXPIRED.value, _lapsed(now))
    if status is ReportStatus.OPEN:
        return and_(R.status == ReportStatus.OPEN.value, not_(_lapsed(now)))
    return R.status == status.value


def overdue_condition(now: dt.datetime) -> ColumnElement[bool]:
    return and_(R.status == ReportStatus.OPEN.value, R.due_at <= now)


async def list_reports(session: AsyncSession, principal: Principal, flt: ReportFilter,
                       now: dt.datetime, *, first: int, after: str | None) -> Page:
    conditions = report_scope(principal)
    if flt.kind is not None:
        conditions.append(R.kind == flt.kind)
    if flt.status is not None:
        conditions.append(status_condition(flt.status, now))
    if flt.region is not None:
        conditions.append(_in_region(flt.region))
    if flt.overdue is not None:
        overdue = overdue_condition(now)
        conditions.append(overdue if flt.overdue else not_(overdue))
    if flt.proposal_id is not None:
        conditions.append(R.proposal_id == flt.proposal_id)
    if after is not None:
        received, row_id = decode_cursor(after)
        conditions.append(or_(R.received_at > received,
                              and_(R.received_at == received, R.id > str(row_id))))
    rows = list((await session.execute(
        select(R).where(*conditions).order_by(R.received_at, R.id).limit(first + 1))).scalars())
    has_next = len(rows) > first
    rows = rows[:first]
    end = encode_cursor(rows[-1].received_at, rows[-1].id) if rows else None
    return Page(rows, has_next, end)


async def get_report(session: AsyncSession, principal: Principal,
                     rid: str) -> CommunityReport | None:
    """The report, or None when absent or outside the principal's scope."""
    return (await session.execute(
        select(R).where(R.id == rid, *report_scope(principal)))).scalar_one_or_none()


async def reports_for_desa(session: AsyncSession, desa_code: str) -> list[CommunityReport]:
    return list((await session.execute(
        select(R).where(R.desa_code == desa_code).order_by(R.received_at, R.id))).scalars())


async def receipt(session: AsyncSession, rid: str) -> tuple[str, str, dt.datetime] | None:
    """Only what the submitter may learn: kind, stored status and due date (for the effective
    status); nothing about people."""
    found = (await session.execute(
        select(R.kind, R.status, R.due_at).where(R.id == rid))).one_or_none()
    return None if found is None else (found[0], found[1], found[2])
