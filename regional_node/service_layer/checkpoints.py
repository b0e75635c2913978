"""Signed checkpoints of the node's audit chain, sent to the gateway.

A checkpoint says "my chain has ``size`` entries ending in ``head``" and carries the entries
since the last checkpoint the gateway acknowledged (its *base*), at most
:data:`~schema.sync_messages.MAX_CHECKPOINT_ENTRIES` at a time; the gateway recomputes them
from its stored base to the new head, so a chain rewritten below the base cannot be
checkpointed (docs/sync.md). Checkpoint bookkeeping itself is not audited: an audit entry per
checkpoint would make every checkpoint create the need for the next.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select

from certs.envelope import make_header, sign_envelope
from certs.signing import SigningCredentials
from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditCheckpoint, AuditEntry, utcnow
from schema.audit_chain import AuditFields
from schema.sync_messages import (
    GATEWAY_RECEIVER,
    GENESIS_POINT,
    MAX_CHECKPOINT_ENTRIES,
    ChainPoint,
    SyncAction,
    checkpoint_message,
    entry_to_json,
)


@dataclass(frozen=True, slots=True)
class PreparedCheckpoint:
    message_id: str
    envelope: str
    base: ChainPoint
    head: ChainPoint


async def checkpoint_base(database: Database) -> ChainPoint:
    """The newest checkpoint the gateway acknowledged (genesis before the first)."""
    async with database.reader() as session:
        row = (await session.execute(select(AuditCheckpoint).order_by(
            AuditCheckpoint.size.desc()).limit(1))).scalar_one_or_none()
    return ChainPoint(row.size, row.head_hash) if row is not None else GENESIS_POINT


async def entry_hash_at(database: Database, size: int) -> str | None:
    if size == 0:
        return GENESIS_POINT.head
    async with database.reader() as session:
        return (await session.execute(select(AuditEntry.entry_hash).where(
            AuditEntry.seq == size))).scalar_one_or_none()


async def prepare_checkpoint(database: Database, signer: SigningCredentials,
                             now: dt.datetime | None = None,
                             max_entries: int = MAX_CHECKPOINT_ENTRIES
                             ) -> PreparedCheckpoint | None:
    """The next checkpoint to send, or None when the chain has not grown since the base."""
    base = await checkpoint_base(database)
    async with database.reader() as session:
        rows = (await session.execute(
            select(AuditEntry).where(AuditEntry.seq > base.size).order_by(AuditEntry.seq)
            .limit(max_entries))).scalars().all()
    if not rows:
        return None
    entries = [entry_to_json(
        AuditFields(r.seq, r.ts, r.actor, r.role, r.action, r.entity_type, r.entity_id,
                    r.before_digest, r.after_digest, tuple(r.attachments or ())),
        r.prev_hash, r.entry_hash) for r in rows]
    message = checkpoint_message(base, entries)
    header = make_header(action=SyncAction.CHECKPOINT.value, sender_id=signer.holder.id,
                         receiver_id=GATEWAY_RECEIVER, total_count=len(entries),
                         message_ts=now or utcnow())
    envelope = sign_envelope(header, message, signer.private_key, signer.kid,
                             certificate=signer.certificate)
    head = ChainPoint(message["checkpoint"]["size"], message["checkpoint"]["head"])
    return PreparedCheckpoint(header["message_id"], json.dumps(envelope, separators=(",", ":")),
                              base, head)


async def record_acknowledged(database: Database, point: ChainPoint,
                              message_id: str | None) -> None:
    async with database.writer() as session, session.begin():
        if await session.get(AuditCheckpoint, point.size) is None:
            session.add(AuditCheckpoint(size=point.size, head_hash=point.head,
                                        message_id=message_id, acknowledged_at=utcnow()))
