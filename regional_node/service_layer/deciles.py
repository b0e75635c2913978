"""National deciles at the node (docs/deciles.md): counts of this node's scores in the
ranges the gateway asks about (never a score), and the signed cut points the gateway sends
down, from which every counted household gets its desil.

Counted households: ACTIVE ones with a PMT score. The histogram answers only the gateway's
service identity (``DECILE_CALLER``); each answer is logged (how many ranges and
buckets). A cut-point set is a decision like the others: signed by the gateway, addressed
to this region, applied once (``decision_receipt``), and a set older than the one
applied is refused (``STALE_CUT_SET``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update

from certs.envelope import verify_envelope
from certs.envelope_errors import EnvelopeRefused
from certs.identity import HolderKind
from certs.trust import CertificateStore
from regional_node.adapters.database import Database
from regional_node.adapters.decile_queries import count_histogram
from regional_node.adapters.orm import DecisionReceipt, Household, PmtScore, utcnow
from regional_node.domain.audit import Actor
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.deciles import (
    DESIL_ACTION,
    CutSet,
    DecileShapeError,
    RangeCounts,
    ScoreRange,
    check_ranges,
    desil_of,
    quantise,
    read_cut_message,
)
from schema.enums import HouseholdStatus
from schema.errors import Forbidden
from schema.roles import Principal

#: the gateway's own jobs, as a node sees them in the gateway's signed token
DECILE_CALLER = "gateway#system:gateway"
ASSIGNER = Actor("system:national-deciles", "SYSTEM")
UPDATE_BATCH = 5000

logger = logging.getLogger("siks.node.deciles")


async def score_histogram(database: Database, principal: Principal,
                          ranges: Sequence[ScoreRange]) -> tuple[int, list[RangeCounts]]:
    """(counted households, counts per range) for the gateway; Forbidden for anyone else."""
    if principal.user_id != DECILE_CALLER:
        raise Forbidden("histogram skor hanya untuk gateway nasional / the score histogram "
                        "answers only the national gateway's service identity",
                        reason="service_only")
    check_ranges(ranges)
    households, answer = await database.run_sync(
        lambda connection: count_histogram(connection, ranges), write=False)
    logger.info("desil histogram for %s: %d ranges, %d buckets, %d households",
                principal.user_id, len(ranges), sum(r.buckets for r in ranges), households)
    return households, answer


async def receive_cut_set(database: Database, trust: CertificateStore, region: str,
                          envelope: Mapping[str, Any], now: dt.datetime
                          ) -> tuple[str, str, str | None, str | None]:
    """(message id, APPLIED | DUPLICATE | REFUSED, code, reason)."""
    header = envelope.get("header") if isinstance(envelope, Mapping) else None
    message_id = str(header.get("message_id")) if isinstance(header, Mapping) else "?"
    try:
        verified = verify_envelope(envelope, trust, now, signers={HolderKind.GATEWAY},
                                   receiver_id=region)
        if verified.header.get("action") != DESIL_ACTION:
            raise DecileShapeError(f"action {verified.header.get('action')!r} is not "
                                   f"{DESIL_ACTION}")
        cut_set = read_cut_message(verified.message)
    except EnvelopeRefused as exc:
        return message_id, "REFUSED", exc.code, exc.message
    except DecileShapeError as exc:
        return message_id, "REFUSED", "DECISION_MALFORMED", str(exc)
    async with UnitOfWork(database, ASSIGNER) as uow:
        existing = await uow.session.get(DecisionReceipt, message_id)
        if existing is not None:
            if existing.digest == verified.digest:
                return message_id, "DUPLICATE", None, None
            return (message_id, "REFUSED", "CONFLICT",
                    "another decision was received under this message id")
        newer = await _newest_applied(uow)
        if newer is not None and newer >= cut_set.computed_at:
            return (message_id, "REFUSED", "STALE_CUT_SET",
                    f"a cut-point set computed at {newer} is applied already")
        summary = await assign(uow, cut_set)
        uow.session.add(DecisionReceipt(
            message_id=message_id, digest=verified.digest, kind=DESIL_ACTION,
            outcome="APPLIED", received_at=utcnow(), detail={**cut_set.to_json(), **summary}))
        uow.audit.record("desil.assign", "desil_cut_set", cut_set.cut_set_id,
                         after={**cut_set.to_json(), **summary, "message_id": message_id})
        await uow.commit()
    return message_id, "APPLIED", None, None


async def _newest_applied(uow: UnitOfWork) -> str | None:
    details = (await uow.session.execute(select(DecisionReceipt.detail).where(
        DecisionReceipt.kind == DESIL_ACTION, DecisionReceipt.outcome == "APPLIED"))
    ).scalars().all()
    return max((str(d["computed_at"]) for d in details if d), default=None)


async def assign(uow: UnitOfWork, cut_set: CutSet) -> dict[str, Any]:
    """Every counted household's desil from ``cut_set``; the per-desil counts and a digest
    of every (household, desil) written."""
    rows = (await uow.session.execute(
        select(Household.id, PmtScore.score).join(PmtScore, PmtScore.household_id == Household.id)
        .where(Household.status == HouseholdStatus.ACTIVE.value).order_by(Household.id))).all()
    digest, per_desil = hashlib.sha256(), [0] * 10
    by_desil: dict[int, list[int]] = {}
    for household_id, score in rows:
        desil = desil_of(quantise(score), cut_set.cuts)
        by_desil.setdefault(desil, []).append(household_id)
        per_desil[desil - 1] += 1
        digest.update(f"{household_id}\t{desil}\n".encode())
    for desil, ids in by_desil.items():
        for start in range(0, len(ids), UPDATE_BATCH):
            await uow.session.execute(
                update(Household).where(Household.id.in_(ids[start:start + UPDATE_BATCH]))
                .values(desil=desil, desil_cut_set=cut_set.cut_set_id),
                execution_options={"synchronize_session": False})
    return {"assigned": len(rows), "per_desil": per_desil, "assigned_digest": digest.hexdigest()}
