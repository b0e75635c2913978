"""Proposals (usulan) and their state machine: the DTKS update cycle on a node.

``DRAFT → SUBMITTED → NIK_VALID | NIK_ANOMALY → VERIFIED | REJECTED → APPROVED_KABKOTA``, then
(driven by the sync with the gateway, issue 4) ``SENT → RECEIVED_NATIONAL → DETERMINED |
RETURNED``. :data:`TRANSITIONS` is the one table that says which role may move a proposal from
which state by which action; :func:`plan_transition` is the only guard, and it refuses with
``FORBIDDEN_TRANSITION`` (role), ``OUT_OF_SCOPE`` (region) or ``WRONG_STATE`` (state).

Pure: no database, no clock, no network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from regional_node.errors import ForbiddenTransition, OutOfScope, WrongState
from schema.enums import ProposalKind as ProposalKind  # the contract's: the gateway checks it
from schema.errors import InvalidInput
from schema.regions import is_within
from schema.roles import Principal, Role


class ProposalState(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"  # waiting for the NIK check against Dukcapil
    NIK_VALID = "NIK_VALID"  # padan: waiting for field verification
    NIK_ANOMALY = "NIK_ANOMALY"  # blocked until a corrected resubmission
    VERIFIED = "VERIFIED"  # verified in the field: waiting for Dinas Sosial
    REJECTED = "REJECTED"  # final, with a reason
    APPROVED_KABKOTA = "APPROVED_KABKOTA"  # pengesahan: applied to the registry
    SENT = "SENT"  # issue 4: signed and delivered to the gateway
    RECEIVED_NATIONAL = "RECEIVED_NATIONAL"
    DETERMINED = "DETERMINED"  # in the DTKS by Kepmensos
    RETURNED = "RETURNED"  # sent back by Kemensos, with a reason


class ProposalAction(StrEnum):
    SUBMIT = "SUBMIT"
    MARK_NIK_VALID = "MARK_NIK_VALID"
    MARK_NIK_ANOMALY = "MARK_NIK_ANOMALY"
    RESUBMIT = "RESUBMIT"
    VERIFY = "VERIFY"
    REJECT = "REJECT"
    APPROVE = "APPROVE"
    SEND = "SEND"
    RECEIVE_NATIONAL = "RECEIVE_NATIONAL"
    DETERMINE = "DETERMINE"
    RETURN = "RETURN"


@dataclass(frozen=True, slots=True)
class Transition:
    action: ProposalAction
    source: ProposalState
    target: ProposalState
    roles: frozenset[Role]
    needs_reason: bool = False


def _t(action: ProposalAction, source: ProposalState, target: ProposalState,
       *roles: Role, needs_reason: bool = False) -> Transition:
    return Transition(action, source, target, frozenset(roles), needs_reason)


A, S, R = ProposalAction, ProposalState, Role

TRANSITIONS: tuple[Transition, ...] = (
    _t(A.SUBMIT, S.DRAFT, S.SUBMITTED, R.OPERATOR_DESA, R.PENDAMPING),
    _t(A.MARK_NIK_VALID, S.SUBMITTED, S.NIK_VALID, R.SYSTEM),
    _t(A.MARK_NIK_ANOMALY, S.SUBMITTED, S.NIK_ANOMALY, R.SYSTEM),
    _t(A.RESUBMIT, S.NIK_ANOMALY, S.SUBMITTED, R.OPERATOR_DESA, R.PENDAMPING),
    _t(A.VERIFY, S.NIK_VALID, S.VERIFIED, R.PENDAMPING),
    _t(A.REJECT, S.NIK_VALID, S.REJECTED, R.PENDAMPING, needs_reason=True),
    _t(A.REJECT, S.NIK_ANOMALY, S.REJECTED, R.DINSOS, needs_reason=True),
    _t(A.REJECT, S.VERIFIED, S.REJECTED, R.DINSOS, needs_reason=True),
    _t(A.APPROVE, S.VERIFIED, S.APPROVED_KABKOTA, R.DINSOS),
    _t(A.SEND, S.APPROVED_KABKOTA, S.SENT, R.SYSTEM),
    _t(A.RECEIVE_NATIONAL, S.SENT, S.RECEIVED_NATIONAL, R.SYSTEM),
    _t(A.DETERMINE, S.RECEIVED_NATIONAL, S.DETERMINED, R.SYSTEM),
    _t(A.RETURN, S.RECEIVED_NATIONAL, S.RETURNED, R.SYSTEM, needs_reason=True),
)
"""Who may move a proposal, from where, to where. The docs print this table."""

PROPOSERS: dict[ProposalKind, frozenset[Role]] = {
    kind: frozenset({Role.OPERATOR_DESA}) for kind in ProposalKind
} | {ProposalKind.GRADUATION: frozenset({Role.OPERATOR_DESA, Role.PENDAMPING})}
"""Who may create (and submit, and resubmit) a proposal of each kind: the desa operator enters
what the Musdes agreed; a pendamping also proposes graduation of the families they monitor."""

UPLOADERS = frozenset({Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS})
"""Roles that may upload attachments (Musdes minutes; photos later)."""

READERS = frozenset({Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS, Role.KEMENSOS,
                     Role.SYSTEM})
"""Roles that may see proposals at all (each within its scope)."""

FOUR_EYES = frozenset({ProposalAction.VERIFY, ProposalAction.APPROVE})
"""Actions the person who made the proposal may not take on it themselves."""

OPEN_STATES = frozenset({S.DRAFT, S.SUBMITTED, S.NIK_VALID, S.NIK_ANOMALY, S.VERIFIED})
MAX_REASON_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class ProposalScope:
    """Where a proposal lies, for scope checks: its desa and, when it has one, its household."""

    desa_code: str
    household_id: int | None


def covers(principal: Principal, scope: ProposalScope) -> bool:
    """Whether ``principal`` may act on a proposal at ``scope``.

    Region scopes nest (desa ⊂ kecamatan ⊂ kab/kota ⊂ national); a PENDAMPING assigned to
    families (``household_ids``) also covers those households wherever they live in the
    pendamping's kab/kota (household ids are a node's own: the same number on another
    node's kab/kota is another family).
    """
    if (principal.role is Role.PENDAMPING and scope.household_id in principal.household_ids
            and (principal.region is None
                 or is_within(scope.desa_code, _kabkota(principal.region)))):
        return True
    if principal.role is Role.PENDAMPING and principal.region is None:
        return False  # a pendamping with only assigned families covers nothing else
    return principal.covers(scope.desa_code)


def _kabkota(code: str) -> str:
    return ".".join(code.split(".")[:2])


def transitions_for(action: ProposalAction) -> tuple[Transition, ...]:
    return tuple(t for t in TRANSITIONS if t.action is action)


def roles_for(action: ProposalAction) -> frozenset[Role]:
    return frozenset(role for t in transitions_for(action) for role in t.roles)


def plan_transition(action: ProposalAction, state: ProposalState, kind: ProposalKind,
                    principal: Principal, scope: ProposalScope, *,
                    proposer: str | None = None) -> Transition:
    """The transition ``principal`` may make, or the typed refusal.

    Checks in this order, so nothing about a proposal leaks to someone outside its scope:
    the role may take this action at all, the proposal lies in the principal's scope, the
    proposal is in a state the action starts from, the role may take it from that state,
    and (for :data:`FOUR_EYES` actions) the principal is not the proposer.
    """
    role = principal.role
    allowed = roles_for(action)
    if action in (ProposalAction.SUBMIT, ProposalAction.RESUBMIT):
        allowed &= PROPOSERS[kind]
    if role not in allowed:
        raise ForbiddenTransition(f"role {role} may not {action.lower()} a "
                                  f"{kind} proposal (allowed: {_names(allowed)})")
    if not covers(principal, scope):
        raise OutOfScope(f"the proposal in desa {scope.desa_code} is outside the scope of "
                         f"{principal.user_id} ({principal.region or 'assigned families'})")
    candidates = [t for t in transitions_for(action) if t.source is state]
    if not candidates:
        sources = _names(t.source for t in transitions_for(action))
        raise WrongState(f"cannot {action.lower()} a proposal in state {state} "
                         f"(only from {sources})")
    for transition in candidates:
        if role in transition.roles:
            if action in FOUR_EYES and proposer == principal.user_id:
                raise ForbiddenTransition(f"{principal.user_id} made this proposal and may not "
                                          f"{action.lower()} it too")
            return transition
    raise ForbiddenTransition(
        f"role {role} may not {action.lower()} a proposal in state {state} "
        f"(allowed: {_names(r for t in candidates for r in t.roles)})")


def require_proposer(kind: ProposalKind, principal: Principal) -> None:
    """Refuse a role that may not create a proposal of ``kind`` (checked before anything is
    looked up, so the refusal tells nothing about the registry)."""
    if principal.role not in PROPOSERS[kind]:
        raise ForbiddenTransition(f"role {principal.role} may not create a {kind} proposal "
                                  f"(allowed: {_names(PROPOSERS[kind])})")


def require_create(kind: ProposalKind, principal: Principal, scope: ProposalScope) -> None:
    """Refuse to create a proposal of ``kind`` for a role or a place it may not."""
    require_proposer(kind, principal)
    if not covers(principal, scope):
        raise OutOfScope(f"desa {scope.desa_code} is outside the scope of {principal.user_id} "
                         f"({principal.region or 'assigned families'})")


def clean_reason(transition: Transition, reason: str | None) -> str | None:
    """The reason to record: mandatory (and trimmed) where the transition needs one."""
    text = (reason or "").strip()
    if transition.needs_reason and not text:
        raise InvalidInput(f"{transition.action.lower()} needs a reason", reason="required",
                           field="reason")
    if len(text) > MAX_REASON_LENGTH:
        raise InvalidInput(f"the reason is longer than {MAX_REASON_LENGTH} characters",
                           reason="too_long", field="reason")
    return text or None


def _names(values: Iterable[object]) -> str:
    return ", ".join(sorted({str(v) for v in values})) or "nobody"
