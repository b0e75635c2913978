"""Read-side queries over proposals, their history and notifications.

Lists are keyset-paginated by ``(created_at, id)``: a page continues strictly after the last
row seen, so proposals created while a reader pages never make it repeat or skip any.
Every list is narrowed to the principal's scope first.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from regional_node.adapters.orm import Notification, Proposal, ProposalEvent
from regional_node.errors import InvalidCursor
from schema.roles import Principal, Role


@dataclass(frozen=True, slots=True)
class ProposalFilter:
    state: str | None = None
    kind: str | None = None
    region: str | None = None  # a desa or kecamatan code; None: the whole node
    household_id: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    has_next: bool
    end_cursor: str | None


def _in_region(column: Any, region: str) -> ColumnElement[bool]:
    return or_(column == region, column.like(f"{region}.%"))


def proposal_scope(principal: Principal) -> list[ColumnElement[bool]]:
    """Conditions that keep to the proposals ``principal`` covers."""
    assigned = (Proposal.household_id.in_(list(principal.household_ids))
                if principal.role is Role.PENDAMPING and principal.household_ids else None)
    if principal.region is None:
        if principal.role is Role.PENDAMPING:
            return [assigned if assigned is not None else false()]
        return []
    region = _in_region(Proposal.desa_code, principal.region)
    return [or_(region, assigned) if assigned is not None else region]


def encode_cursor(created_at: dt.datetime, row_id: str | int) -> str:
    raw = json.dumps({"t": _utc(created_at).isoformat(), "i": row_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, Any]:
    try:
        body = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()))
        return _utc(dt.datetime.fromisoformat(body["t"])), body["i"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise InvalidCursor("the cursor is not one this API issued", reason="malformed") from None


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


async def list_proposals(session: AsyncSession, principal: Principal, flt: ProposalFilter, *,
                         first: int, after: str | None) -> Page:
    conditions = proposal_scope(principal)
    if flt.state is not None:
        conditions.append(Proposal.state == flt.state)
    if flt.kind is not None:
        conditions.append(Proposal.kind == flt.kind)
    if flt.region is not None:
        conditions.append(_in_region(Proposal.desa_code, flt.region))
    if flt.household_id is not None:
        conditions.append(Proposal.household_id == flt.household_id)
    if after is not None:
        created, row_id = decode_cursor(after)
        conditions.append(or_(Proposal.created_at > created,
                              and_(Proposal.created_at == created, Proposal.id > str(row_id))))
    rows = list((await session.execute(
        select(Proposal).where(*conditions).order_by(Proposal.created_at, Proposal.id)
        .limit(first + 1))).scalars())
    return _page(rows, first)


async def get_proposal(session: AsyncSession, principal: Principal,
                       proposal_id: str) -> Proposal | None:
    """The proposal, or None when it does not exist or lies outside the principal's scope."""
    return (await session.execute(select(Proposal).where(
        Proposal.id == proposal_id, *proposal_scope(principal)))).scalar_one_or_none()


async def events_by_proposal(session: AsyncSession, ids: Sequence[str]
                             ) -> dict[str, list[ProposalEvent]]:
    result: dict[str, list[ProposalEvent]] = {i: [] for i in ids}
    rows = await session.execute(select(ProposalEvent).where(
        ProposalEvent.proposal_id.in_(list(ids))).order_by(ProposalEvent.id))
    for event in rows.scalars():
        result[event.proposal_id].append(event)
    return result


def notification_scope(principal: Principal) -> ColumnElement[bool]:
    """A user's own notifications, and (for desa operators and Dinas Sosial) every
    notification about their region."""
    mine = Notification.recipient == principal.user_id
    if principal.role in (Role.OPERATOR_DESA, Role.DINSOS) and principal.region is not None:
        return or_(mine, _in_region(Notification.desa_code, principal.region))
    return mine


async def list_notifications(session: AsyncSession, principal: Principal, *, unread_only: bool,
                             first: int, after: str | None) -> Page:
    conditions = [notification_scope(principal)]
    if unread_only:
        conditions.append(Notification.read_at.is_(None))
    if after is not None:
        created, row_id = decode_cursor(after)
        conditions.append(or_(Notification.created_at > created,
                              and_(Notification.created_at == created,
                                   Notification.id > int(row_id))))
    rows = list((await session.execute(
        select(Notification).where(*conditions)
        .order_by(Notification.created_at, Notification.id).limit(first + 1))).scalars())
    return _page(rows, first)


def _page(rows: list[Any], first: int) -> Page:
    has_next = len(rows) > first
    rows = rows[:first]
    end = encode_cursor(rows[-1].created_at, rows[-1].id) if rows else None
    return Page(rows, has_next, end)


async def corrections_by_proposal(session: AsyncSession, ids: Sequence[str]
                                  ) -> dict[str, list[str]]:
    """The proposals correcting each of these (``corrects_id``), oldest first."""
    result: dict[str, list[str]] = {}
    rows = await session.execute(
        select(Proposal.corrects_id, Proposal.id).where(Proposal.corrects_id.in_(list(ids)))
        .order_by(Proposal.created_at, Proposal.id))
    for corrected, correction in rows.all():
        result.setdefault(str(corrected), []).append(correction)
    return result


async def decrees_by_household(session: AsyncSession, ids: Sequence[int]
                               ) -> dict[int, dict[str, Any]]:
    """The decree (as the determination's history entry keeps it) of the latest determined
    proposal concerning each of these households."""
    rows = await session.execute(
        select(Proposal.household_id, ProposalEvent.detail)
        .join(ProposalEvent, ProposalEvent.proposal_id == Proposal.id)
        .where(Proposal.household_id.in_(list(ids)), ProposalEvent.action == "DETERMINE")
        .order_by(ProposalEvent.at, ProposalEvent.id))
    result: dict[int, dict[str, Any]] = {}
    for household_id, detail in rows.all():
        decree = (detail or {}).get("decree")
        if isinstance(decree, dict):
            result[household_id] = decree  # later rows win: the latest determination
    return result
