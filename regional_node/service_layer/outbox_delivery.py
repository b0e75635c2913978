"""What the relay writes back after each delivery attempt, and the proposal states it drives.

- attempt failed (link down, 5xx): the message stays PENDING with its attempt count, next
  attempt time and error; its proposals move ``APPROVED_KABKOTA → SENT`` (sent, not yet
  acknowledged);
- acknowledged (stored, or already stored): DELIVERED with the gateway's receipt; its proposals
  move ``→ SENT → RECEIVED_NATIONAL``;
- refused for good (4xx with a code): REFUSED with the reason; it no longer blocks the outbox.

Each state change of a proposal is its own event and audit entry, as the relay (``SYSTEM``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select, update

from regional_node.adapters.database import Database
from regional_node.adapters.orm import OutboxMessage, Proposal
from regional_node.domain.audit import Actor
from regional_node.domain.proposals import ProposalAction, ProposalState
from regional_node.domain.sync import OutboxStatus
from regional_node.service_layer.proposals import move_proposal
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.roles import Principal, Role

RELAY = Principal(user_id="system:relay", role=Role.SYSTEM)
RELAY_ACTOR = Actor(RELAY.user_id, RELAY.role.value)


async def _advance(uow: UnitOfWork, record_ids: Iterable[str], *, received: bool) -> int:
    ids = list(record_ids)
    if not ids:
        return 0
    moved = 0
    states = dict((await uow.session.execute(
        select(Proposal.id, Proposal.state).where(Proposal.id.in_(ids)))).all())
    for pid in ids:
        state = states.get(pid)
        if state == ProposalState.APPROVED_KABKOTA.value:
            await move_proposal(uow, RELAY, pid, ProposalAction.SEND)
            state, moved = ProposalState.SENT.value, moved + 1
        if received and state == ProposalState.SENT.value:
            await move_proposal(uow, RELAY, pid, ProposalAction.RECEIVE_NATIONAL)
            moved += 1
    return moved


async def record_failure(database: Database, message_id: str, record_ids: Iterable[str],
                         error: str, next_attempt_at: dt.datetime, now: dt.datetime) -> None:
    async with UnitOfWork(database, RELAY_ACTOR) as uow:
        await uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.message_id == message_id,
                                        OutboxMessage.status == OutboxStatus.PENDING.value)
            .values(attempts=OutboxMessage.attempts + 1, last_error=error[:500],
                    last_attempt_at=now, next_attempt_at=next_attempt_at))
        await _advance(uow, record_ids, received=False)
        await uow.commit()


async def record_delivered(database: Database, message_id: str, record_ids: Iterable[str],
                           receipt: Mapping[str, Any], now: dt.datetime) -> bool:
    """False when the message was already marked (another relay got there first)."""
    async with UnitOfWork(database, RELAY_ACTOR) as uow:
        done = await uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.message_id == message_id,
                                        OutboxMessage.status == OutboxStatus.PENDING.value)
            .values(status=OutboxStatus.DELIVERED.value, delivered_at=now, last_attempt_at=now,
                    attempts=OutboxMessage.attempts + 1, last_error=None,
                    next_attempt_at=None, receipt=dict(receipt)))
        if done.rowcount == 0:  # type: ignore[attr-defined]
            return False
        uow.audit.record("outbox.delivered", "outbox_message", message_id,
                         after={"receipt": dict(receipt)})
        await _advance(uow, record_ids, received=True)
        await uow.commit()
    return True


async def record_refused(database: Database, message_id: str, code: str, reason: str,
                         now: dt.datetime) -> None:
    async with UnitOfWork(database, RELAY_ACTOR) as uow:
        await uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.message_id == message_id,
                                        OutboxMessage.status == OutboxStatus.PENDING.value)
            .values(status=OutboxStatus.REFUSED.value, last_attempt_at=now,
                    attempts=OutboxMessage.attempts + 1, last_error=f"{code}: {reason}"[:500]))
        uow.audit.record("outbox.refused", "outbox_message", message_id,
                         after={"code": code, "reason": reason})
        await uow.commit()
