"""Warnings kept with a household: kept when an approved proposal leaves implausible data
(as an import keeps them), and resolved by Dinas Sosial, who checked the data and says why it
stands (or what was corrected), in one audited unit of work."""

from __future__ import annotations

from sqlalchemy import select

from regional_node.adapters.household_records import load_household
from regional_node.adapters.orm import Household, HouseholdWarning, utcnow
from regional_node.domain.plausibility import household_findings
from regional_node.domain.proposals import MAX_REASON_LENGTH
from regional_node.errors import Conflict, NotFound
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import Forbidden, InvalidInput, OutOfScope
from schema.roles import Principal, Role

RESOLVERS = frozenset({Role.DINSOS})
PROPOSAL = "PROPOSAL"  # the source of the warnings an approval keeps


async def keep_household_warnings(uow: UnitOfWork, household_id: int) -> int:
    """After an approved change: the household's warnings that are not open already (same
    member and kind) are kept with it; returns how many."""
    stored = await load_household(uow.session, household_id)
    if stored is None:
        return 0
    open_rows = await uow.session.execute(
        select(HouseholdWarning.member_id, HouseholdWarning.kind).where(
            HouseholdWarning.household_id == household_id,
            HouseholdWarning.resolved_at.is_(None)))
    open_now = {(member_id, kind) for member_id, kind in open_rows}
    now, kept = utcnow(), 0
    for finding in household_findings(stored.record):
        member_id = None if finding.member is None else stored.member_ids[finding.member]
        if (member_id, finding.kind.value) in open_now:
            continue
        uow.session.add(HouseholdWarning(
            household_id=household_id, member_id=member_id, desa_code=stored.row.desa_code,
            kind=finding.kind.value, source=PROPOSAL, message=str(finding.message),
            message_parts=finding.message.stored(),
            created_at=now))
        kept += 1
    return kept


def _snapshot(row: HouseholdWarning) -> dict[str, object]:
    return {"id": row.id, "household_id": row.household_id, "member_id": row.member_id,
            "kind": row.kind, "resolved_at": None if row.resolved_at is None
            else row.resolved_at.isoformat(), "resolved_by": row.resolved_by,
            "resolution_note": row.resolution_note}


async def resolve_warning(uow: UnitOfWork, principal: Principal, warning_id: int,
                          note: str | None) -> HouseholdWarning:
    """Close an open warning with a note; the role, the scope and the state are checked in
    that order, so nothing about a warning leaks outside its scope."""
    if principal.role not in RESOLVERS:
        raise Forbidden(f"role {principal.role} may not resolve warnings (Dinas Sosial does)",
                        reason="role")
    text = (note or "").strip()
    if not text:
        raise InvalidInput("a resolution needs a note: what was checked, and why the data "
                           "stands or how it was corrected", reason="required", field="note")
    if len(text) > MAX_REASON_LENGTH:
        raise InvalidInput(f"the note is longer than {MAX_REASON_LENGTH} characters",
                           reason="too_long", field="note")
    row = await uow.session.get(HouseholdWarning, warning_id, with_for_update=True)
    household = None if row is None else await uow.session.get(Household, row.household_id)
    if row is None or household is None:
        raise NotFound(f"no warning {warning_id} on this node")
    if not principal.covers(household.desa_code):
        raise OutOfScope(f"warning {warning_id} lies in desa {household.desa_code}, outside the "
                         f"scope of {principal.user_id}")
    if row.resolved_at is not None:
        raise Conflict(f"warning {warning_id} was resolved already by {row.resolved_by}")
    before = _snapshot(row)
    row.resolved_at, row.resolved_by, row.resolution_note = utcnow(), principal.user_id, text
    uow.audit.record("household_warning.resolve", "household_warning", str(row.id),
                     before=before, after=_snapshot(row))
    return row
