"""Cross-region duplicates signed down to the regions concerned, through the decisions'
channel (``decision_outbox``, kind ``DUPLICATE_NIK``, action ``duplicate``): the same
gateway signature, the same pull, acknowledgement and exactly-once receipt at the node as a
decree (docs/sync.md, docs/duplicates.md).

A finding that changed since it was last told (``version`` > ``notified_version``) is told
to every region it names now and every region told before (a region that dropped the NIK
learns that the finding is resolved). One message per region per round.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

from sqlalchemy import select

from certs.envelope import envelope_digest, make_header, sign_envelope
from certs.signing import SigningCredentials
from gateway.adapters.database import Database
from gateway.adapters.orm import DecisionOutbox, NikDuplicate, utcnow
from gateway.inbox.audit import AuditNote, append
from schema.sync_messages import (
    DuplicateFinding,
    SyncAction,
    duplicate_message,
)

KIND = "DUPLICATE_NIK"
BATCH = 1_000


def finding_of(row: NikDuplicate) -> DuplicateFinding:
    return DuplicateFinding(row.id, row.nik_key, tuple(row.regions), row.first_seen_at,
                            row.resolved_at, row.version)


async def queue_duplicate_notices(database: Database,
                                  signer: Callable[[], SigningCredentials],
                                  now: dt.datetime | None = None) -> int:
    """Sign and queue the untold changes; returns how many messages were queued."""
    now = now or utcnow()
    async with database.writer() as session, session.begin():
        rows = (await session.execute(
            select(NikDuplicate).where(NikDuplicate.notified_version < NikDuplicate.version)
            .order_by(NikDuplicate.id).limit(BATCH).with_for_update(skip_locked=True))
                ).scalars().all()
        if not rows:
            return 0
        credentials = signer()
        by_region: dict[str, list[DuplicateFinding]] = {}
        for row in rows:
            told = sorted(set(row.told_regions) | set(row.regions))
            for region in told:
                by_region.setdefault(region, []).append(finding_of(row))
            row.told_regions, row.notified_version = told, row.version
        notes = []
        for region, findings in sorted(by_region.items()):
            header = make_header(action=SyncAction.DUPLICATE.value,
                                 sender_id=credentials.holder.id, receiver_id=region,
                                 total_count=len(findings), message_ts=now)
            envelope = sign_envelope(header, duplicate_message(findings),
                                     credentials.private_key, credentials.kid,
                                     certificate=credentials.certificate)
            session.add(DecisionOutbox(
                message_id=header["message_id"], region=region, kind=KIND,
                digest=envelope_digest(envelope), envelope=json.dumps(envelope),
                record_count=len(findings), status="PENDING", created_at=now))
            notes.append(AuditNote("system:nik-directory", "duplicate.notify", "message",
                                   header["message_id"], {
                                       "region": region, "findings": [f.id for f in findings],
                                       "kid": credentials.kid}))
        await append(session, notes)
    return len(by_region)
