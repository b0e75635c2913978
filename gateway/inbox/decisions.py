"""National decisions going back down: Kemensos determines a period's DTKS by decree, or
returns records with a reason; the gateway signs each decision with its own key and keeps it
in ``decision_outbox`` until the node concerned has fetched, applied and acknowledged it.

Delivery is pulled by the node (``GET /decisions`` over mTLS, oldest first, then
``POST /decisions/ack``): a node in a 3T region behind an unreliable link needs no inbound
connectivity, and the same relay round that pushes its outbox pulls its decisions. A decision
not acknowledged is served again; the node applies it once (its receipt) and acknowledges the
resend, so the effect is exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select, update

from certs.envelope import envelope_digest, make_header, sign_envelope
from certs.signing import SigningCredentials
from gateway.adapters.database import Database
from gateway.adapters.orm import DecisionOutbox, NationalRecord, utcnow
from gateway.inbox.audit import AuditNote, append
from gateway.inbox.duplicate_notices import queue_duplicate_notices
from schema.errors import InvalidInput
from schema.sync_messages import (
    Decision,
    DecisionKind,
    Decree,
    decision_message,
)

PENDING, ACKNOWLEDGED, REFUSED = "PENDING", "ACKNOWLEDGED", "REFUSED"


class DecisionDesk:
    def __init__(self, database: Database, signer: Callable[[], SigningCredentials]) -> None:
        self.database, self.signer = database, signer

    async def issue(self, region: str, decision: Decision, actor: str,
                    now: dt.datetime | None = None) -> str:
        """Sign and queue one decision on records of ``region``; returns its message id.
        Every record must be stored and still undecided, or nothing happens."""
        now = now or utcnow()
        ids = list(dict.fromkeys(decision.record_ids))
        if not ids:
            raise InvalidInput("a decision names at least one record", reason="empty")
        credentials = self.signer()
        async with self.database.writer() as session, session.begin():
            rows = {r.record_id: r for r in (await session.execute(
                select(NationalRecord).where(NationalRecord.region == region,
                                             NationalRecord.record_id.in_(ids))
                .with_for_update())).scalars()}
            missing = [i for i in ids if i not in rows]
            decided = [i for i in ids if i in rows and rows[i].state != "RECEIVED"]
            if missing or decided:
                raise InvalidInput(f"cannot decide on records of {region}: not received "
                                   f"{missing[:5]}, already decided {decided[:5]}",
                                   reason="not_decidable", field="records")
            message = decision_message(decision, {i: rows[i].desa_code for i in ids})
            header = make_header(action=decision.action.value, sender_id=credentials.holder.id,
                                 receiver_id=region, total_count=len(ids), message_ts=now)
            envelope = sign_envelope(header, message, credentials.private_key, credentials.kid,
                                     certificate=credentials.certificate)
            message_id = header["message_id"]
            session.add(DecisionOutbox(
                message_id=message_id, region=region, kind=decision.kind.value,
                digest=envelope_digest(envelope), envelope=json.dumps(envelope),
                record_count=len(ids), status=PENDING, created_at=now))
            for row in rows.values():
                row.state = decision.kind.value
                row.decision_message_id = message_id
                row.decided_at = now
                if decision.decree is not None:
                    row.decree_number = decision.decree.number
                    row.decree_date = decision.decree.date
                    row.period = decision.decree.period
                row.return_reason = decision.reason
            await append(session, [AuditNote(actor, "decision.issue", "message", message_id, {
                "region": region, "kind": decision.kind.value, "records": len(ids),
                "decree": decision.decree.to_json() if decision.decree else None,
                "reason": decision.reason, "kid": credentials.kid})])
        return message_id

    async def determine_period(self, decree: Decree, actor: str,
                               regions: Iterable[str] | None = None,
                               now: dt.datetime | None = None) -> dict[str, str]:
        """Determine every received, undecided record (of ``regions``, or all) by ``decree``:
        one signed decision per region. Returns region → message id."""
        async with self.database.reader() as session:
            statement = select(NationalRecord.region, NationalRecord.record_id).where(
                NationalRecord.state == "RECEIVED").order_by(NationalRecord.region,
                                                             NationalRecord.received_at)
            if regions is not None:
                statement = statement.where(NationalRecord.region.in_(list(regions)))
            by_region: dict[str, list[str]] = {}
            for region, record_id in (await session.execute(statement)).all():
                by_region.setdefault(region, []).append(record_id)
        return {region: await self.issue(region, Decision(DecisionKind.DETERMINED,
                                                          tuple(ids), decree), actor, now)
                for region, ids in by_region.items()}

    async def pending(self, region: str, limit: int = 50,
                      now: dt.datetime | None = None) -> list[dict[str, Any]]:
        """The region's unacknowledged decisions, oldest first (cross-region duplicates
        found since the last pull are signed and queued first)."""
        await queue_duplicate_notices(self.database, self.signer, now)
        async with self.database.writer() as session, session.begin():
            rows = (await session.execute(
                select(DecisionOutbox).where(DecisionOutbox.region == region,
                                             DecisionOutbox.status == PENDING)
                .order_by(DecisionOutbox.id).limit(max(1, min(limit, 500))))).scalars().all()
            for row in rows:
                row.fetched_at = now or utcnow()
            return [json.loads(row.envelope) for row in rows]

    async def acknowledge(self, region: str, results: Iterable[Mapping[str, Any]],
                          now: dt.datetime | None = None) -> int:
        """Record the node's answers; only that region's own decisions are touched."""
        now, done, notes = now or utcnow(), 0, []
        async with self.database.writer() as session, session.begin():
            for result in results:
                message_id, status = str(result.get("message_id")), result.get("status")
                final = ACKNOWLEDGED if status in ("APPLIED", "DUPLICATE") else REFUSED
                changed = await session.execute(
                    update(DecisionOutbox).where(DecisionOutbox.message_id == message_id,
                                                 DecisionOutbox.region == region,
                                                 DecisionOutbox.status == PENDING)
                    .values(status=final, acknowledged_at=now, node_result=dict(result)))
                if changed.rowcount:  # type: ignore[attr-defined]
                    done += 1
                    notes.append(AuditNote(f"node:{region}", f"decision.{final.lower()}",
                                           "message", message_id, dict(result)))
            await append(session, notes)
        return done
