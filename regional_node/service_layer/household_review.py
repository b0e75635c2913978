"""Dinas Sosial closes the review of a household (marked when a change Kemensos returned could
not be undone safely, ``proposal_returns``) once the data is right again.

The note is kept twice: in the returned proposal's history (a ``REVIEW_CLOSED`` entry, who,
when and the note, shown with the proposal) and, as a digest, in the audit chain
(``household.review_close``).
"""

from __future__ import annotations

from regional_node.adapters.orm import Household, Proposal, ProposalEvent, utcnow
from regional_node.domain.proposals import MAX_REASON_LENGTH, ProposalScope, covers
from regional_node.errors import ForbiddenTransition, NotFound, OutOfScope, WrongState
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import InvalidInput
from schema.roles import Principal, Role

REVIEWERS = frozenset({Role.DINSOS})
REVIEW_CLOSED = "REVIEW_CLOSED"


async def close_household_review(uow: UnitOfWork, principal: Principal, household_id: int,
                                 note: str) -> Household:
    if principal.role not in REVIEWERS:
        raise ForbiddenTransition(f"role {principal.role} may not close a household review "
                                  "(allowed: DINSOS)")
    text = _note(note)
    row = await uow.session.get(Household, household_id, with_for_update=True)
    if row is None:
        raise NotFound(f"no household {household_id} on this node")
    if not covers(principal, ProposalScope(row.desa_code, row.id)):
        raise OutOfScope(f"household {household_id} in desa {row.desa_code} is outside the "
                         f"scope of {principal.user_id}")
    if row.review_reason is None:
        raise WrongState(f"household {household_id} is not under review")
    before = {"review_reason": row.review_reason, "review_proposal_id": row.review_proposal_id}
    proposal = (await uow.session.get(Proposal, row.review_proposal_id)
                if row.review_proposal_id else None)
    if proposal is not None:
        uow.session.add(ProposalEvent(
            proposal_id=proposal.id, action=REVIEW_CLOSED, from_state=proposal.state,
            to_state=proposal.state, actor=principal.user_id, role=principal.role.value,
            at=utcnow(), reason=text, detail={"household_id": row.id, "review": before}))
    row.review_reason = None
    row.review_proposal_id = None
    uow.audit.record("household.review_close", "household", row.id, before=before,
                     after={"review_reason": None, "review_proposal_id": None, "note": text,
                            "closed_by": principal.user_id})
    return row


def _note(note: str | None) -> str:
    text = (note or "").strip()
    if not text:
        raise InvalidInput("closing a review needs a note: what was checked or fixed",
                           reason="required", field="note")
    if len(text) > MAX_REASON_LENGTH:
        raise InvalidInput(f"the note is longer than {MAX_REASON_LENGTH} characters",
                           reason="too_long", field="note")
    return text
