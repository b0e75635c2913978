"""A corrected proposal: a new proposal that names the RETURNED one it corrects
(``proposal.corrects_id``).

It must correct a proposal that exists, that Kemensos returned, that lies in the proposer's
scope and concerns the same household (a new household corrects a returned new household);
and a returned proposal is corrected by at most one proposal still alive (open, approved, on
its way or determined): a rejected or returned correction frees it again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.orm import Household, Proposal
from regional_node.domain.proposals import (
    ProposalKind,
    ProposalScope,
    ProposalState,
    covers,
)
from regional_node.errors import AlreadyCorrected, NotFound, OutOfScope, WrongState
from schema.enums import HouseholdStatus, InactiveReason
from schema.errors import InvalidInput
from schema.roles import Principal

DEAD_STATES = (ProposalState.REJECTED.value, ProposalState.RETURNED.value)


async def require_correctable(session: AsyncSession, principal: Principal, corrects: str,
                              kind: ProposalKind, household_id: int | None) -> Proposal:
    """The returned proposal ``corrects`` names, locked, or the typed refusal."""
    returned = (await session.execute(select(Proposal).where(Proposal.id == corrects)
                                      .with_for_update())).scalar_one_or_none()
    if returned is None:
        raise NotFound(f"no proposal {corrects} on this node to correct")
    if not covers(principal, ProposalScope(returned.desa_code, returned.household_id)):
        raise OutOfScope(f"proposal {corrects} in desa {returned.desa_code} is outside the "
                         f"scope of {principal.user_id}")
    if returned.state != ProposalState.RETURNED.value:
        raise WrongState(f"only a RETURNED proposal can be corrected; {corrects} is "
                         f"{returned.state}")
    if kind is ProposalKind.NEW_HOUSEHOLD or returned.kind == ProposalKind.NEW_HOUSEHOLD:
        if kind.value != returned.kind:
            raise InvalidInput(f"a new household corrects a returned new household, not a "
                               f"{returned.kind if kind is ProposalKind.NEW_HOUSEHOLD else kind}",
                               reason="other_kind", field="corrects")
    elif returned.household_id != household_id:
        raise InvalidInput(f"proposal {corrects} concerns household {returned.household_id}, "
                           f"not {household_id}", reason="other_household", field="corrects")
    alive = (await session.execute(select(Proposal.id).where(
        Proposal.corrects_id == corrects, Proposal.state.not_in(DEAD_STATES)).limit(1))
             ).scalar_one_or_none()
    if alive is not None:
        raise AlreadyCorrected(f"proposal {corrects} is already corrected by {alive}")
    return returned


async def household_to_reuse(session: AsyncSession, row: Proposal) -> int | None:
    """For a new household correcting a returned one: that household, when the return
    withdrew it (``INACTIVE/RETURNED``), so the correction takes over its row."""
    if row.kind != ProposalKind.NEW_HOUSEHOLD or row.corrects_id is None:
        return None
    found = (await session.execute(
        select(Household.id, Household.status, Household.inactive_reason)
        .join(Proposal, Proposal.household_id == Household.id)
        .where(Proposal.id == row.corrects_id))).first()
    if found is None or (found.status, found.inactive_reason) != (
            HouseholdStatus.INACTIVE.value, InactiveReason.RETURNED.value):
        return None
    return int(found.id)
