"""Audit-chain checkpoints from the nodes, kept as proof that each node's history only grew.

A checkpoint (signed like a submission, action ``checkpoint``) claims the chain's new
``(size, head)`` and carries the entries from the gateway's stored checkpoint (its *base*) up
to it. The gateway recomputes them (:func:`schema.sync_messages.verify_extension`): entry
``base+1`` must name the stored head as its previous hash, every hash must match its entry,
and the last must be the claimed head. Since each entry hash commits to every entry before it,
a node whose chain was rewritten anywhere below the stored size cannot produce such entries:
the checkpoint is refused with ``CHECKPOINT_REWRITE`` and audited. A checkpoint from another
base is answered with ``CHECKPOINT_BASE_MISMATCH`` and the gateway's base, so a node that lost
its own record of it resends from there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from certs.envelope_errors import EnvelopeRefused
from gateway.adapters.orm import NodeCheckpoint, utcnow
from gateway.inbox.audit import AuditNote, append
from gateway.inbox.submissions import Inbox, InboxOutcome, Refusal, parse_envelope
from schema.sync_messages import (
    GENESIS_POINT,
    ChainPoint,
    MessageShapeError,
    SyncAction,
    read_checkpoint,
    verify_extension,
)


async def latest_checkpoint(inbox: Inbox, region: str) -> ChainPoint:
    async with inbox.database.reader() as session:
        row = (await session.execute(select(NodeCheckpoint).where(
            NodeCheckpoint.region == region).order_by(NodeCheckpoint.size.desc()).limit(1))
               ).scalar_one_or_none()
    return ChainPoint(row.size, row.head_hash) if row else GENESIS_POINT


async def accept_checkpoint(inbox: Inbox, raw: bytes | str | Mapping[str, Any], *,
                            now: dt.datetime | None = None,
                            tls_peer: str | None = None) -> InboxOutcome:
    now = now or utcnow()
    envelope: Mapping[str, Any] | None = None
    try:
        envelope = parse_envelope(raw)
        verified = inbox.verify(envelope, now, SyncAction.CHECKPOINT, tls_peer, None)
        claim = read_checkpoint(verified.message)
    except EnvelopeRefused as exc:
        return await inbox.refuse(envelope, exc.code, exc.message)
    except Refusal as exc:
        return await inbox.refuse(envelope, exc.code, exc.reason, exc.status)
    except MessageShapeError as exc:
        return await inbox.refuse(envelope, "CHECKPOINT_MALFORMED", str(exc), 400)
    region, message_id = verified.signer.id, str(verified.header["message_id"])
    actor = f"node:{region}"
    async with inbox.database.writer() as session, session.begin():
        rows = (await session.execute(select(NodeCheckpoint).where(
            NodeCheckpoint.region == region).order_by(NodeCheckpoint.size.desc()).limit(1))
                ).scalar_one_or_none()
        stored = ChainPoint(rows.size, rows.head_hash) if rows else GENESIS_POINT
        base = {"size": stored.size, "head": stored.head}
        if claim.head == stored:
            return InboxOutcome(200, "CHECKPOINT_KNOWN", "this checkpoint is already held",
                                message_id, body_extra={"base": base})
        if claim.base.size != stored.size:
            return InboxOutcome(409, "CHECKPOINT_BASE_MISMATCH",
                                f"the gateway holds this node's chain at size {stored.size}; "
                                "send the entries after it", message_id,
                                body_extra={"base": base})
        problem = (verify_extension(stored, claim.head, claim.entries)
                   if claim.base == stored else
                   f"the node's chain at size {stored.size} is {claim.base.head[:16]}…, the "
                   f"checkpointed one is {stored.head[:16]}…: the chain was rewritten")
        if problem is not None or claim.head.size <= stored.size:
            outcome = InboxOutcome(409, "CHECKPOINT_REWRITE",
                                   problem or "a checkpoint must grow the chain", message_id,
                                   body_extra={"base": base})
            await append(session, [AuditNote(actor, "checkpoint.refuse", "checkpoint",
                                             message_id, {"code": outcome.code,
                                                          "reason": outcome.reason,
                                                          "stored": base,
                                                          "claimed_size": claim.head.size})])
            return outcome
        session.add(NodeCheckpoint(region=region, size=claim.head.size,
                                   head_hash=claim.head.head, message_id=message_id,
                                   kid=verified.kid, message_ts=verified.message_ts,
                                   received_at=now))
        await append(session, [AuditNote(actor, "checkpoint.accept", "checkpoint", message_id,
                                         {"code": "CHECKPOINT_ACCEPTED",
                                          "size": claim.head.size, "head": claim.head.head,
                                          "base_size": stored.size, "kid": verified.kid})])
    return InboxOutcome(200, "CHECKPOINT_ACCEPTED",
                        f"chain grew from {stored.size} to {claim.head.size} entries",
                        message_id, accepted=True,
                        body_extra={"base": {"size": claim.head.size,
                                             "head": claim.head.head}})

