"""Housekeeping of the inbox: receipts past the replay window.

A receipt ``(message_id, digest)`` is what refuses a replay inside the envelope window
(``message_ts`` within ``now - max_age``). Once a receipt's ``message_ts`` is older than the
window, any replay of its message is refused ``MESSAGE_TOO_OLD`` by the envelope check
itself, so the receipt is no longer needed. The stored records keep their ``message_id``;
the audit chain keeps the ``inbox.accept`` entry. One ``inbox.prune`` entry is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from certs.envelope import DEFAULT_MAX_AGE
from gateway.adapters.database import Database
from gateway.adapters.orm import InboxReceipt, utcnow
from gateway.inbox.audit import AuditNote, append

# Kept a little longer than the window, so a clock adjustment never opens a gap.
MARGIN = dt.timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Pruned:
    receipts: int
    cutoff: dt.datetime


async def prune_receipts(database: Database, *, now: dt.datetime | None = None,
                         max_age: dt.timedelta = DEFAULT_MAX_AGE,
                         actor: str = "system:gateway") -> Pruned:
    """Delete the receipts whose ``message_ts`` lies before ``now - max_age - MARGIN``."""
    cutoff = (now or utcnow()) - max_age - MARGIN
    async with database.writer() as session, session.begin():
        count = (await session.execute(select(func.count()).select_from(InboxReceipt).where(
            InboxReceipt.message_ts < cutoff))).scalar_one()
        if count:
            await session.execute(delete(InboxReceipt).where(InboxReceipt.message_ts < cutoff))
            await append(session, [AuditNote(actor, "inbox.prune", "inbox_receipt", "*", {
                "receipts": int(count), "cutoff": cutoff.isoformat(),
                "max_age_s": int(max_age.total_seconds())})])
    return Pruned(int(count), cutoff)
