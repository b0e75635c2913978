"""Community reports: what the public sends in, and what the desa's operator does with it.

* ``USUL``: a member of the public proposes a household or person for aid.
* ``SANGGAH``: an objection to a recipient, with a photo and the coordinates it was taken at.

Each report is work for the operators of its desa, due ``DUE_AFTER[kind]`` after it arrived.
A SANGGAH nobody acted on by its due date **expires** (``EXPIRED``): :func:`effective_status`
says so from the clock alone, and the node's sweep stores it (audited). An USUL never expires
(a family in need does not stop being in need); it shows as ``overdue``.

:data:`ACTIONS` is the one table of who may do what from which status. Pure: no database, no
clock (``now`` is always passed in), no network.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from regional_node.domain.proposals import ProposalKind
from regional_node.domain.records import LATITUDE_RANGE, LONGITUDE_RANGE, Problem
from regional_node.errors import ForbiddenTransition, OutOfScope, WrongState

# re-exported: the gateway needs them too
from schema.community_reports import ReportKind as ReportKind
from schema.community_reports import ReportStatus as ReportStatus
from schema.roles import Principal, Role


class ReportAction(StrEnum):
    PROPOSE = "PROPOSE"
    RESOLVE = "RESOLVE"
    DISMISS = "DISMISS"
    EXPIRE = "EXPIRE"


DUE_AFTER: dict[ReportKind, dt.timedelta] = {
    ReportKind.SANGGAH: dt.timedelta(days=14),
    ReportKind.USUL: dt.timedelta(days=30),
}
"""How long the operator has: a SANGGAH expires after 14 days; an USUL becomes overdue."""

EXPIRES: frozenset[ReportKind] = frozenset({ReportKind.SANGGAH})

PROPOSAL_KINDS: dict[ReportKind, frozenset[ProposalKind]] = {
    ReportKind.USUL: frozenset({ProposalKind.NEW_HOUSEHOLD, ProposalKind.NEW_MEMBER,
                                ProposalKind.PROGRAM_ENROLMENT}),
    ReportKind.SANGGAH: frozenset({ProposalKind.DATA_CORRECTION, ProposalKind.GRADUATION,
                                   ProposalKind.DEATH, ProposalKind.MOVED,
                                   ProposalKind.PROGRAM_EXIT}),
}
"""Which proposals an operator may open from a report: an usul adds someone, a sanggah
corrects or removes someone."""

READERS = frozenset({Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS, Role.KEMENSOS})
"""Roles that see the inbox (each within its region scope)."""


@dataclass(frozen=True, slots=True)
class ReportRule:
    action: ReportAction
    source: ReportStatus
    target: ReportStatus
    roles: frozenset[Role]
    needs_reason: bool


def _rule(action: ReportAction, target: ReportStatus, *roles: Role,
          needs_reason: bool) -> ReportRule:
    return ReportRule(action, ReportStatus.OPEN, target, frozenset(roles), needs_reason)


ACTIONS: tuple[ReportRule, ...] = (
    # the proposal's own rules decide further (e.g. a pendamping proposes graduation only)
    _rule(ReportAction.PROPOSE, ReportStatus.PROPOSED, Role.OPERATOR_DESA, Role.PENDAMPING,
          needs_reason=False),
    _rule(ReportAction.RESOLVE, ReportStatus.RESOLVED, Role.OPERATOR_DESA, Role.DINSOS,
          needs_reason=True),
    _rule(ReportAction.DISMISS, ReportStatus.DISMISSED, Role.OPERATOR_DESA, Role.DINSOS,
          needs_reason=True),
    _rule(ReportAction.EXPIRE, ReportStatus.EXPIRED, Role.SYSTEM, needs_reason=False),
)
"""Every action starts from OPEN and closes the report; the docs print this table."""

CLOSED = frozenset(rule.target for rule in ACTIONS)
MAX_TEXT = 2000
MAX_NAME = 200


def rule_for(action: ReportAction) -> ReportRule:
    return next(rule for rule in ACTIONS if rule.action is action)


def due_at(kind: ReportKind, received_at: dt.datetime) -> dt.datetime:
    return received_at + DUE_AFTER[kind]


def effective_status(kind: ReportKind, status: ReportStatus, due: dt.datetime,
                     now: dt.datetime) -> ReportStatus:
    """The status as of ``now``: an OPEN sanggah past its due date is EXPIRED even before
    the sweep has stored it."""
    if status is ReportStatus.OPEN and kind in EXPIRES and now >= due:
        return ReportStatus.EXPIRED
    return status


def is_overdue(status: ReportStatus, due: dt.datetime, now: dt.datetime) -> bool:
    """Still waiting for the operator after its due date (an USUL; a sanggah expires)."""
    return status is ReportStatus.OPEN and now >= due


def plan_action(action: ReportAction, kind: ReportKind, status: ReportStatus,
                principal: Principal, desa_code: str) -> ReportRule:
    """The rule ``principal`` may apply to a report in ``desa_code``, or the typed refusal:
    role first, then scope (so nothing leaks outside it), then status."""
    rule = rule_for(action)
    if principal.role not in rule.roles:
        raise ForbiddenTransition(f"role {principal.role} may not {action.lower()} a community "
                                  f"report (allowed: {_names(rule.roles)})")
    if principal.role is not Role.SYSTEM and not principal.covers(desa_code):
        raise OutOfScope(f"the report in desa {desa_code} is outside the scope of "
                         f"{principal.user_id} ({principal.region or 'assigned families'})")
    if status is not rule.source:
        raise WrongState(f"cannot {action.lower()} a report that is {status} "
                         f"(only an {rule.source} one)")
    return rule


def require_proposal_kind(report_kind: ReportKind, proposal_kind: ProposalKind) -> None:
    allowed = PROPOSAL_KINDS[report_kind]
    if proposal_kind not in allowed:
        raise ForbiddenTransition(f"a {proposal_kind} proposal cannot come from an "
                                  f"{report_kind} (allowed: {_names(allowed)})")


# --- what the public sends ----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Submitter:
    """Who sent it, when they chose to say: never shown to the public, only to the operator."""

    name: str | None = None
    contact: str | None = None  # a phone number or an e-mail address


@dataclass(frozen=True, slots=True)
class UsulSubmission:
    desa_code: str
    person_name: str  # who should get aid
    address: str
    description: str  # why: the family's situation
    nik: str | None = None
    kk_number: str | None = None
    submitter: Submitter = Submitter()


@dataclass(frozen=True, slots=True)
class SanggahSubmission:
    desa_code: str
    person_name: str  # the recipient objected to
    address: str
    description: str  # the objection
    photo_sha256: str
    latitude: float
    longitude: float
    program: str | None = None  # the aid objected to, when known
    submitter: Submitter = Submitter()


def text_problems(field: str, value: str | None, *, required: bool,
                  limit: int = MAX_TEXT) -> list[Problem]:
    text = (value or "").strip()
    if required and not text:
        return [Problem(field, "required", f"{field} is empty")]
    if len(text) > limit:
        return [Problem(field, "too_long", f"{field} is longer than {limit} characters")]
    return []


def _digits(field: str, value: str | None, length: int) -> list[Problem]:
    if value is None or value == "":
        return []
    if not (value.isdigit() and len(value) == length):
        return [Problem(field, "malformed", f"{field} must be {length} digits")]
    return []


def _submitter_problems(submitter: Submitter) -> list[Problem]:
    return (text_problems("submitter.name", submitter.name, required=False, limit=MAX_NAME)
            + text_problems("submitter.contact", submitter.contact, required=False,
                            limit=MAX_NAME))


def usul_problems(usul: UsulSubmission) -> list[Problem]:
    return (text_problems("personName", usul.person_name, required=True, limit=MAX_NAME)
            + text_problems("address", usul.address, required=True)
            + text_problems("description", usul.description, required=True)
            + _digits("nik", usul.nik, 16) + _digits("kkNumber", usul.kk_number, 16)
            + _submitter_problems(usul.submitter))


def sanggah_problems(sanggah: SanggahSubmission) -> list[Problem]:
    problems = (text_problems("personName", sanggah.person_name, required=True, limit=MAX_NAME)
                + text_problems("address", sanggah.address, required=True)
                + text_problems("description", sanggah.description, required=True)
                + text_problems("program", sanggah.program, required=False, limit=32)
                + _submitter_problems(sanggah.submitter))
    if not (LATITUDE_RANGE[0] <= sanggah.latitude <= LATITUDE_RANGE[1]
            and LONGITUDE_RANGE[0] <= sanggah.longitude <= LONGITUDE_RANGE[1]):
        problems.append(Problem("latitude", "out_of_range",
                                f"({sanggah.latitude}, {sanggah.longitude}) is not in Indonesia"))
    return problems


def _names(values: Iterable[object]) -> str:
    return ", ".join(sorted({str(v) for v in values})) or "nobody"
