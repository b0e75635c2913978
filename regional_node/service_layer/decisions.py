"""National decisions arriving at the node: verify, apply exactly once, say what happened.

A decision is an envelope signed by the gateway (``signers={GATEWAY}``, ``receiver_id`` = this
region, certificate chained to the national CA and not revoked per the CRL). Applying it moves
each named proposal to ``DETERMINED`` (with the decree) or ``RETURNED`` (with the reason, its
change undone or its household marked for review: ``proposal_returns``), and for a
determined new household makes it ACTIVE, in one unit of work with a
``decision_receipt`` row keyed by the message id. The same message again is acknowledged
again (``DUPLICATE``) and changes nothing; the same id with another digest is ``CONFLICT``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from certs.envelope import VerifiedEnvelope, envelope_digest, verify_envelope
from certs.envelope_errors import EnvelopeRefused
from certs.identity import HolderKind
from certs.trust import CertificateStore
from regional_node.adapters.database import Database
from regional_node.adapters.orm import (
    DecisionReceipt,
    Household,
    Notification,
    Proposal,
    utcnow,
)
from regional_node.domain.audit import Actor
from regional_node.domain.proposals import ProposalAction, ProposalKind, ProposalState
from regional_node.service_layer.deciles import receive_cut_set
from regional_node.service_layer.duplicate_findings import apply_findings
from regional_node.service_layer.proposal_returns import (
    ReturnEffect,
    ReturnOutcome,
    settle_return,
)
from regional_node.service_layer.proposals import move_proposal
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.deciles import DESIL_ACTION
from schema.enums import HouseholdStatus
from schema.nik_directory_key import NikDirectoryKey
from schema.roles import Principal, Role
from schema.sync_messages import (
    DecisionKind,
    DuplicateFinding,
    MessageShapeError,
    SyncAction,
    read_decision,
    read_duplicates,
)

DECIDER = Principal(user_id="system:national-decision", role=Role.SYSTEM)


@dataclass(frozen=True, slots=True)
class DecisionResult:
    message_id: str
    status: str  # APPLIED | DUPLICATE | REFUSED
    code: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"message_id": self.message_id, "status": self.status, "code": self.code,
                "reason": self.reason}


async def receive_decision(database: Database, trust: CertificateStore, region: str,
                           envelope: Mapping[str, Any], now: dt.datetime,
                           directory_key: NikDirectoryKey | None = None) -> DecisionResult:
    """``directory_key``: to find the member a cross-region duplicate names (action
    ``duplicate``; without it the finding is kept but shown on no household)."""
    header = envelope.get("header") if isinstance(envelope, Mapping) else None
    message_id = str(header.get("message_id")) if isinstance(header, Mapping) else "?"
    if isinstance(header, Mapping) and header.get("action") == DESIL_ACTION:
        # national decile cut points (docs/deciles.md): refusals audited as the others'
        _, status, code, reason = await receive_cut_set(database, trust, region, envelope, now)
        if status == "REFUSED" and code != "CONFLICT":
            return await _refuse(database, message_id, envelope, code or "", reason or "")
        return DecisionResult(message_id, status, code, reason)
    try:
        verified = verify_envelope(envelope, trust, now, signers={HolderKind.GATEWAY},
                                   receiver_id=region)
        if verified.header.get("action") == SyncAction.DUPLICATE.value:
            findings = read_duplicates(verified.message, region)
            return await _receive_duplicates(database, region, verified, findings,
                                             directory_key)
        decision = read_decision(verified.message)
    except EnvelopeRefused as exc:
        return await _refuse(database, message_id, envelope, exc.code, exc.message)
    except MessageShapeError as exc:
        return await _refuse(database, message_id, envelope, "DECISION_MALFORMED", str(exc))
    async with UnitOfWork(database, Actor(DECIDER.user_id, DECIDER.role.value)) as uow:
        known = await _known(uow, message_id, verified.digest)
        if known is not None:
            return known
        applied, skipped = 0, []
        detail = {"message_id": message_id, "kind": decision.kind.value,
                  "decree": decision.decree.to_json() if decision.decree else None}
        for pid in decision.record_ids:
            if await _apply(uow, pid, decision.kind, decision.reason, detail, now.date()):
                applied += 1
            else:
                skipped.append(pid)
        uow.session.add(DecisionReceipt(
            message_id=message_id, digest=verified.digest, kind=decision.kind.value,
            outcome="APPLIED", received_at=utcnow(),
            detail={**detail, "applied": applied, "skipped": skipped}))
        uow.audit.record("decision.apply", "decision", message_id,
                         after={**detail, "applied": applied, "skipped": skipped})
        await uow.commit()
    return DecisionResult(message_id, "APPLIED")


async def _known(uow: UnitOfWork, message_id: str, digest: str) -> DecisionResult | None:
    """A message received before: the same (acknowledged again) or a conflict."""
    existing = await uow.session.get(DecisionReceipt, message_id)
    if existing is None:
        return None
    if existing.digest == digest:
        return DecisionResult(message_id, "DUPLICATE")
    return DecisionResult(message_id, "REFUSED", "CONFLICT",
                          "another decision was received under this message id")


async def _receive_duplicates(database: Database, region: str, verified: VerifiedEnvelope,
                              findings: list[DuplicateFinding],
                              directory_key: NikDirectoryKey | None) -> DecisionResult:
    message_id = str(verified.header["message_id"])
    async with UnitOfWork(database, Actor(DECIDER.user_id, DECIDER.role.value)) as uow:
        known = await _known(uow, message_id, verified.digest)
        if known is not None:
            return known
        counts = await apply_findings(uow, region, findings, directory_key)
        uow.session.add(DecisionReceipt(
            message_id=message_id, digest=verified.digest, kind="DUPLICATE_NIK",
            outcome="APPLIED", received_at=utcnow(),
            detail={"message_id": message_id, "findings": [f.id for f in findings],
                    **counts}))
        await uow.commit()
    return DecisionResult(message_id, "APPLIED")


async def _apply(uow: UnitOfWork, pid: str, kind: DecisionKind, reason: str | None,
                 detail: dict[str, Any], today: dt.date) -> bool:
    row = (await uow.session.execute(select(Proposal).where(Proposal.id == pid))
           ).scalar_one_or_none()
    if row is None:
        return False
    state = row.state
    # a decision proves the gateway received the proposal, even if its ack never arrived
    if state == ProposalState.APPROVED_KABKOTA.value:
        await move_proposal(uow, DECIDER, pid, ProposalAction.SEND)
        state = ProposalState.SENT.value
    if state == ProposalState.SENT.value:
        await move_proposal(uow, DECIDER, pid, ProposalAction.RECEIVE_NATIONAL)
        state = ProposalState.RECEIVED_NATIONAL.value
    if state != ProposalState.RECEIVED_NATIONAL.value:
        return False
    if kind is DecisionKind.RETURNED:
        outcome = await settle_return(uow, row, reason or "", today)
        await move_proposal(uow, DECIDER, pid, ProposalAction.RETURN, reason=reason,
                            change=lambda _row: {**detail, "return": outcome.to_json()})
        uow.session.add(returned_notice(row, reason or "", outcome))
        return True
    await move_proposal(uow, DECIDER, pid, ProposalAction.DETERMINE, reason=reason,
                        change=lambda _row: dict(detail))
    if kind is DecisionKind.DETERMINED and row.kind == ProposalKind.NEW_HOUSEHOLD.value \
            and row.household_id is not None:
        household = await uow.session.get(Household, row.household_id)
        if household is not None and household.status == HouseholdStatus.PROPOSED.value:
            before = {"status": household.status}
            household.status = HouseholdStatus.ACTIVE.value
            household.version += 1
            uow.audit.record("household.determined", "household", household.id,
                             before=before, after={"status": household.status})
    return True


RETURNED_TOPIC = "PROPOSAL_RETURNED"


def returned_notice(row: Proposal, reason: str, outcome: ReturnOutcome) -> Notification:
    """What the proposer reads when Kemensos returns a proposal: why, what became of its
    change, and what to do."""
    effect = {
        ReturnEffect.UNDONE: ("Perubahannya sudah dibatalkan di node ini.",
                              "Its change was undone on this node."),
        ReturnEffect.REVIEW: (f"Perubahannya belum dibatalkan: rumah tangga "
                              f"{outcome.household_id} ditandai untuk ditinjau Dinas Sosial.",
                              f"Its change was not undone: household {outcome.household_id} "
                              "is marked for review by Dinas Sosial."),
        ReturnEffect.NONE: ("", ""),
    }[outcome.effect]
    return Notification(
        recipient=row.created_by, desa_code=row.desa_code, proposal_id=row.id,
        topic=RETURNED_TOPIC, created_at=utcnow(),
        message=f"Usulan {row.kind} {row.id} dikembalikan oleh Kemensos: {reason}. "
                f"{effect[0] + ' ' if effect[0] else ''}Periksa datanya bersama Dinas Sosial "
                "dan ajukan usulan perbaikan (corrects). / Returned by Kemensos: "
                f"{reason}. {effect[1] + ' ' if effect[1] else ''}Review the data with Dinas "
                "Sosial and propose a correction (corrects).")


async def _refuse(database: Database, message_id: str, envelope: Mapping[str, Any], code: str,
                  reason: str) -> DecisionResult:
    """Audit a decision this node will not apply; no receipt is kept, so a corrected resend
    (say, after a CRL update) under the same id is still applied."""
    try:
        digest = envelope_digest(envelope)
    except EnvelopeRefused:
        digest = None
    async with UnitOfWork(database, Actor(DECIDER.user_id, DECIDER.role.value)) as uow:
        uow.audit.record("decision.refuse", "decision", message_id[:64],
                         after={"code": code, "reason": reason, "digest": digest})
        await uow.commit()
    return DecisionResult(message_id, "REFUSED", code, reason)
