"""The gateway's append-only audit log: the same hash chain as the nodes'
(:mod:`schema.audit_chain`), in ``gateway_audit_entry`` with its tip in ``gateway_audit_head``.

Entries are appended inside the caller's transaction; writers serialise on the head row
(``SELECT … FOR UPDATE`` on PostgreSQL, the write lock on SQLite). ``detail`` (say, the code
and reason of a refused submission) is stored beside the entry and covered by its hash through
``after_digest``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayAuditEntry, GatewayAuditHead
from schema.audit_chain import (
    AuditFields,
    ChainBreak,
    StoredEntry,
    digest,
    entry_hash,
    timestamp,
    verify_chain,
)

INBOX_ACTOR_ROLE = "SYSTEM"
_ENTRIES = cast(Table, GatewayAuditEntry.__table__)  # Core inserts: no ORM work per row
_NO_DETAIL = digest({})


@dataclass(frozen=True, slots=True)
class AuditNote:
    actor: str
    action: str
    entity_type: str
    entity_id: str
    detail: Mapping[str, Any]
    role: str = INBOX_ACTOR_ROLE  # a user's role for reads and user management
    attachments: tuple[str, ...] = ()  # e.g. operation:<name>, query:<sha256> for reads


async def append(session: AsyncSession, notes: list[AuditNote]) -> None:
    """Link ``notes`` onto the chain inside the session's open transaction."""
    if not notes:
        return
    seq, prev = (await session.execute(
        select(GatewayAuditHead.seq, GatewayAuditHead.entry_hash)
        .where(GatewayAuditHead.id == 1).with_for_update())).one()
    ts, rows = timestamp(), []
    for note in notes:
        seq += 1
        fields = AuditFields(seq, ts, note.actor, note.role, note.action[:64],
                             note.entity_type, note.entity_id[:64], None,
                             digest(note.detail) if note.detail else _NO_DETAIL,
                             tuple(note.attachments))
        current = entry_hash(prev, fields)
        rows.append({"seq": seq, "ts": ts, "actor": fields.actor, "role": fields.role,
                     "action": fields.action, "entity_type": fields.entity_type,
                     "entity_id": fields.entity_id, "before_digest": None,
                     "after_digest": fields.after_digest,
                     "attachments": list(fields.attachments),
                     "prev_hash": prev, "entry_hash": current, "detail": dict(note.detail)})
        prev = current
    await session.execute(insert(_ENTRIES), rows)
    await session.execute(update(GatewayAuditHead).where(GatewayAuditHead.id == 1)
                          .values(seq=seq, entry_hash=prev))


async def audit_alone(database: Database, note: AuditNote) -> None:
    """One entry in its own transaction (a refusal: nothing else is written)."""
    async with database.writer() as session, session.begin():
        await append(session, [note])


@dataclass(frozen=True, slots=True)
class GatewayChainReport:
    verified: int
    head_seq: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


async def verify_gateway_chain(database: Database) -> GatewayChainReport:
    """Recompute the chain; a ``detail`` that no longer matches its digest counts as altered."""
    async with database.reader() as session, session.begin():
        head = (await session.execute(select(GatewayAuditHead)
                                      .where(GatewayAuditHead.id == 1))).scalar_one()
        rows = (await session.execute(select(GatewayAuditEntry)
                                      .order_by(GatewayAuditEntry.seq))).scalars().all()
    for row in rows:
        if row.detail is not None and digest(row.detail) != row.after_digest:
            return GatewayChainReport(row.seq - 1, head.seq, ChainBreak(
                row.seq, "altered", f"entry {row.seq}: its detail was altered"))
    entries = [StoredEntry(AuditFields(r.seq, r.ts, r.actor, r.role, r.action, r.entity_type,
                                       r.entity_id, r.before_digest, r.after_digest,
                                       tuple(r.attachments or ())), r.prev_hash, r.entry_hash)
               for r in rows]
    verified, first_break = verify_chain(entries, head.seq, head.entry_hash)
    return GatewayChainReport(verified, head.seq, first_break)
