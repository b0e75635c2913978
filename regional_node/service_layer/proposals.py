"""Use cases of the DTKS update cycle: create, submit, check NIK, verify, reject, approve,
resubmit. Each runs in one unit of work: the proposal, its history event, the registry change
(on approval) and their audit entries commit together, or nothing does. A refused action
(``FORBIDDEN_TRANSITION``, ``OUT_OF_SCOPE``, ``WRONG_STATE``, invalid input) changes nothing.

The principal comes from the caller (the GraphQL context); the service never invents one,
except :data:`NIK_CHECKER`, the node's own job that records the registry's answer.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.household_records import load_household
from regional_node.adapters.orm import Notification, Proposal, ProposalEvent, utcnow
from regional_node.domain.audit import Actor, digest
from regional_node.domain.proposal_details import (
    Details,
    MusdesReference,
    from_json,
    household_of,
    kind_of,
    to_json,
)
from regional_node.domain.proposal_nik import (
    NikResult,
    ProposalPerson,
    anomaly_message,
    people_to_check,
    verdict,
)
from regional_node.domain.proposals import (
    ProposalAction,
    ProposalKind,
    ProposalScope,
    ProposalState,
    Transition,
    clean_reason,
    plan_transition,
    require_create,
    require_proposer,
)
from regional_node.errors import Conflict, NotFound
from regional_node.service_layer.field_verification import (
    proposal_field_verifications,
    require_field_verification,
)
from regional_node.service_layer.household_warnings import keep_household_warnings
from regional_node.service_layer.outbox import queue_approved
from regional_node.service_layer.proposal_corrections import (
    household_to_reuse,
    require_correctable,
)
from regional_node.service_layer.proposal_effects import apply_details
from regional_node.service_layer.proposal_rules import locate, require_valid
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import InvalidInput
from schema.roles import Principal, Role

NIK_CHECKER = Principal(user_id="system:nik-check", role=Role.SYSTEM)
# approvals whose data may be implausible: their household's warnings are kept (docs/import.md)
WARNED_KINDS = frozenset({ProposalKind.NEW_HOUSEHOLD.value, ProposalKind.NEW_MEMBER.value,
                          ProposalKind.DATA_CORRECTION.value})
NIK_ANOMALY_TOPIC = "NIK_ANOMALY"


@dataclass(frozen=True, slots=True)
class ProposalDraft:
    """What a client sends to create (or correct) a proposal."""

    id: str
    details: Details
    musdes: MusdesReference | None = None
    note: str | None = None
    corrects: str | None = None  # the RETURNED proposal this one corrects


    @property
    def kind(self) -> ProposalKind:
        return kind_of(self.details)

    def content_digest(self) -> str:
        musdes = None if self.musdes is None else {
            "held_on": self.musdes.held_on.isoformat(),
            "minutes_number": self.musdes.minutes_number,
            "minutes_sha256": self.musdes.minutes_sha256}
        return digest({"kind": self.kind.value, "details": to_json(self.details),
                       "musdes": musdes, "note": self.note,
                       **({"corrects": self.corrects} if self.corrects else {})})


def proposal_id(value: str, field: str = "id") -> str:
    """The canonical form of a client-chosen proposal id (a UUID)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidInput(f"{value!r} is not a UUID", reason="malformed", field=field) from None


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.user_id, principal.role.value)


def details_of(row: Proposal) -> Details:
    return from_json(ProposalKind(row.kind), row.details)


def snapshot(row: Proposal) -> dict[str, Any]:
    """The state an audit digest covers."""
    return {"id": row.id, "kind": row.kind, "state": row.state, "desa_code": row.desa_code,
            "household_id": row.household_id, "details_digest": row.details_digest,
            "musdes_minutes_sha256": row.musdes_minutes_sha256, "reason": row.reason,
            "nik_results": row.nik_results, "version": row.version,
            **({"corrects_id": row.corrects_id} if row.corrects_id else {})}


async def create_proposal(uow: UnitOfWork, principal: Principal, draft: ProposalDraft,
                          node_region: str, today: dt.date | None = None) -> Proposal:
    """A new DRAFT. Creating the same id again with the same content returns the stored one
    unchanged (offline clients retry); the same id with other content is a CONFLICT."""
    pid = proposal_id(draft.id)
    existing = await uow.session.get(Proposal, pid)
    if existing is not None:
        if existing.details_digest == draft.content_digest() and \
                existing.created_by == principal.user_id:
            return existing
        raise Conflict(f"proposal {pid} already exists with other content")
    require_proposer(draft.kind, principal)
    scope, stored = await locate(uow.session, draft.details)
    require_create(draft.kind, principal, scope)
    corrects = None
    if draft.corrects is not None:
        corrects = proposal_id(draft.corrects, "corrects")
        await require_correctable(uow.session, principal, corrects, draft.kind,
                                  scope.household_id)
    await require_valid(uow.session, draft.details, stored, draft.musdes, node_region,
                        today or dt.date.today())
    return _insert(uow, principal, pid, draft, scope, corrects)


async def draft_for_operator(uow: UnitOfWork, drafter: Principal, draft: ProposalDraft,
                             node_region: str, today: dt.date) -> Proposal:
    """A DRAFT the node's own job makes for the desa's operator to check and submit (a death
    Dukcapil reports): validated as any proposal, created by ``drafter`` (a SYSTEM
    principal), then submitted like any other by an operator of the desa."""
    scope, stored = await locate(uow.session, draft.details)
    await require_valid(uow.session, draft.details, stored, draft.musdes, node_region, today)
    return _insert(uow, drafter, proposal_id(draft.id), draft, scope)


def _insert(uow: UnitOfWork, principal: Principal, pid: str, draft: ProposalDraft,
            scope: ProposalScope, corrects: str | None = None) -> Proposal:
    now = utcnow()
    row = Proposal(id=pid, kind=draft.kind.value, state=ProposalState.DRAFT.value,
                   desa_code=scope.desa_code, household_id=scope.household_id, version=1,
                   created_by=principal.user_id, created_role=principal.role.value,
                   created_at=now, updated_at=now, corrects_id=corrects)
    _set_content(row, draft)
    uow.session.add(row)
    uow.session.add(_event(row, "CREATE", None, principal, now))
    uow.audit.record("proposal.create", "proposal", pid, after=snapshot(row),
                     attachments=_attachments(row))
    return row


async def submit_proposal(uow: UnitOfWork, principal: Principal, pid: str) -> Proposal:
    row, _ = await move_proposal(uow, principal, pid, ProposalAction.SUBMIT)
    return row


async def resubmit_proposal(uow: UnitOfWork, principal: Principal, pid: str,
                            correction: ProposalDraft | None, node_region: str,
                            today: dt.date | None = None) -> Proposal:
    """NIK_ANOMALY → SUBMITTED, with corrected content (or as is, when the registry's data was
    fixed at Dukcapil). The NIK results of the anomaly are cleared: the check runs again."""
    row = await _load(uow.session, proposal_id(pid), for_update=True)
    if correction is not None:
        correction = replace(correction, musdes=correction.musdes or _musdes(row),
                             note=correction.note or row.note, corrects=row.corrects_id)
        if correction.kind.value != row.kind:
            raise InvalidInput(f"a {row.kind} proposal cannot become {correction.kind}",
                               reason="kind_changed", field="details")
        if household_of(correction.details) != row.household_id:
            raise InvalidInput("a correction cannot move the proposal to another household",
                               reason="household_changed", field="details")
    plan_transition(ProposalAction.RESUBMIT, ProposalState(row.state), ProposalKind(row.kind),
                    principal, _scope(row))
    if correction is not None:
        scope, stored = await locate(uow.session, correction.details)
        require_create(correction.kind, principal, scope)
        await require_valid(uow.session, correction.details, stored, correction.musdes,
                            node_region, today or dt.date.today())
    row, _ = await move_proposal(uow, principal, row.id, ProposalAction.RESUBMIT,
                         change=lambda r: _resubmitted(r, correction))
    return row


def _resubmitted(row: Proposal, correction: ProposalDraft | None) -> dict[str, Any]:
    if correction is not None:
        _set_content(row, correction)
        if row.kind == ProposalKind.NEW_HOUSEHOLD:
            row.desa_code = correction.details.household.desa_code  # type: ignore[union-attr]
    row.nik_results = None
    return {"corrected": correction is not None}


async def verify_proposal(uow: UnitOfWork, principal: Principal, pid: str,
                          note: str | None = None) -> Proposal:
    """NIK_VALID → VERIFIED, only once a field verification (geotagged house photo) of the
    proposal was recorded; the event names the latest one."""
    evidence = await proposal_field_verifications(uow.session, proposal_id(pid))
    row, _ = await move_proposal(uow, principal, pid, ProposalAction.VERIFY, reason=note,
                         change=lambda r: require_field_verification(r.id, evidence))
    return row


async def reject_proposal(uow: UnitOfWork, principal: Principal, pid: str,
                          reason: str | None) -> Proposal:
    row, _ = await move_proposal(uow, principal, pid, ProposalAction.REJECT, reason=reason)
    return row


async def approve_proposal(uow: UnitOfWork, principal: Principal, pid: str, node_region: str,
                           today: dt.date | None = None, *, queue: bool = True) -> Proposal:
    """VERIFIED → APPROVED_KABKOTA, applying the proposal to the registry in the same
    transaction (re-validated against the registry as it is now). With ``queue`` the approved
    record is signed with the region's key and queued in the outbox in this same transaction
    (docs/sync.md); a batch approval passes False and queues all its records as one envelope."""
    day = today or dt.date.today()
    row = await _load(uow.session, proposal_id(pid), for_update=True)
    plan_transition(ProposalAction.APPROVE, ProposalState(row.state), ProposalKind(row.kind),
                    principal, _scope(row), proposer=row.created_by)
    details = details_of(row)
    _, stored = await locate(uow.session, details)
    musdes = _musdes(row)
    await require_valid(uow.session, details, stored, musdes, node_region, day)
    matched = {r["nik"] for r in row.nik_results or () if r["outcome"] == "MATCH"}
    effect = await apply_details(uow, details, matched, node_region, day, row.id,
                                 reuse_household=await household_to_reuse(uow.session, row))

    def applied(r: Proposal) -> dict[str, Any]:
        r.household_id = effect.household_id
        return {"household_id": effect.household_id, "undo": effect.undo}

    row, _ = await move_proposal(uow, principal, row.id, ProposalAction.APPROVE, change=applied)
    if row.kind in WARNED_KINDS:
        await keep_household_warnings(uow, effect.household_id)
    if queue:
        await queue_approved(uow, [row], principal)
    return row


# --- the NIK step ---------------------------------------------------------------------------

async def people_for(session: AsyncSession, row: Proposal) -> list[ProposalPerson]:
    """Who this proposal puts before the registry, as the registry stands now."""
    details = details_of(row)
    household_id = household_of(details)
    stored = None if household_id is None else await load_household(session, household_id)
    if stored is None:
        return people_to_check(details, None)
    return people_to_check(details, stored.record, stored.member_ids)


async def record_nik_results(uow: UnitOfWork, principal: Principal, pid: str,
                             results: list[NikResult], *,
                             expected_version: int | None = None) -> Proposal:
    """SUBMITTED → NIK_VALID, or → NIK_ANOMALY with a notification to the proposer.

    ``expected_version``: the proposal version the people were read from; if it moved
    meanwhile (say, resubmitted with other people), the results are stale: CONFLICT."""
    action = verdict(results)
    stored_results = [{"nik": r.nik, "name": r.name, "outcome": r.outcome.value,
                       "acceptable": r.acceptable, "detail": r.detail} for r in results]

    def checked(row: Proposal) -> dict[str, Any]:
        if expected_version is not None and row.version != expected_version:
            raise Conflict(f"proposal {row.id} changed while its NIKs were being checked")
        row.nik_results = stored_results
        if action is ProposalAction.MARK_NIK_ANOMALY:
            uow.session.add(Notification(
                recipient=row.created_by, desa_code=row.desa_code, proposal_id=row.id,
                topic=NIK_ANOMALY_TOPIC, created_at=utcnow(),
                message=f"Usulan {row.kind} {row.id}: {anomaly_message(results)}. Correct the "
                        "data and resubmit the proposal."))
        return {"nik_results": stored_results}

    row, _ = await move_proposal(uow, principal, pid, action, change=checked)
    return row


# --- internals ------------------------------------------------------------------------------

async def load_proposal(session: AsyncSession, pid: str) -> Proposal:
    return await _load(session, proposal_id(pid))


async def _load(session: AsyncSession, pid: str, *, for_update: bool = False) -> Proposal:
    statement = select(Proposal).where(Proposal.id == pid)
    if for_update:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no proposal {pid} on this node")
    return row


def _scope(row: Proposal) -> ProposalScope:
    return ProposalScope(row.desa_code, row.household_id)


async def move_proposal(uow: UnitOfWork, principal: Principal, pid: str,
                        action: ProposalAction, *, reason: str | None = None,
                        change: Any = None) -> tuple[Proposal, Transition]:
    """Plan the transition (refusing it if it is not allowed), apply ``change``, record the
    event and the audit entry. Public for the sync (the relay and national decisions move
    proposals as ``SYSTEM`` principals)."""
    row = await _load(uow.session, proposal_id(pid), for_update=True)
    transition = plan_transition(action, ProposalState(row.state), ProposalKind(row.kind),
                                 principal, _scope(row), proposer=row.created_by)
    why = clean_reason(transition, reason)
    before = snapshot(row)
    detail = change(row) if change is not None else None
    now = utcnow()
    row.state = transition.target.value
    if transition.needs_reason:
        row.reason = why
    row.version += 1
    row.updated_at = now
    uow.session.add(_event(row, action.value, transition.source, principal, now, why, detail))
    uow.audit.record(f"proposal.{action.value.lower()}", "proposal", row.id, before=before,
                     after=snapshot(row), attachments=_attachments(row))
    return row, transition


def _event(row: Proposal, action: str, source: ProposalState | None, principal: Principal,
           at: dt.datetime, reason: str | None = None,
           detail: dict[str, Any] | None = None) -> ProposalEvent:
    return ProposalEvent(proposal_id=row.id, action=action,
                         from_state=source.value if source is not None else None,
                         to_state=row.state, actor=principal.user_id, role=principal.role.value,
                         at=at, reason=reason, detail=detail)


def _set_content(row: Proposal, draft: ProposalDraft) -> None:
    row.details = to_json(draft.details)
    row.details_digest = draft.content_digest()
    row.note = (draft.note or "").strip() or None
    musdes = draft.musdes
    row.musdes_held_on = musdes.held_on if musdes else None
    row.musdes_minutes_number = musdes.minutes_number.strip() if musdes else None
    row.musdes_minutes_sha256 = musdes.minutes_sha256 if musdes else None


def _musdes(row: Proposal) -> MusdesReference | None:
    if row.musdes_held_on is None or row.musdes_minutes_sha256 is None:
        return None
    return MusdesReference(row.musdes_held_on, row.musdes_minutes_number or "",
                           row.musdes_minutes_sha256)


def _attachments(row: Proposal) -> tuple[str, ...]:
    return (row.musdes_minutes_sha256,) if row.musdes_minutes_sha256 else ()
