"""The whole update cycle of one proposal over GraphQL (create, submit with the NIK check,
field visit, verify, approve), and a registered household to propose on: shared by the
cycle, return and correction tests."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from regional_node.adapters.orm import Household, Member, ProgramMembership
from regional_node.service_layer.audit import verify_audit_chain
from schema.enums import Program
from tests import factories
from tests.node.field_helpers import field_visit
from tests.node.helpers import store
from tests.node.proposal_helpers import (
    APPROVE,
    CREATE,
    DINSOS,
    OPERATOR,
    PENDAMPING,
    SUBMIT,
    VERIFY,
    Node,
    data,
)

DESA = "32.73.01.1001"


async def walk(node: Node, details: dict[str, Any], *, musdes: dict[str, Any] | None = None,
               proposer: Any = OPERATOR, corrects: str | None = None) -> dict[str, Any]:
    """Create, submit (the NIK check runs), verify and approve; return the approved proposal."""
    pid = str(uuid.uuid4())
    created = data(await node.call(proposer, CREATE, input={
        "id": pid, "details": details, "musdes": musdes, "corrects": corrects}),
                   "createProposal")
    assert created["state"] == "DRAFT"
    submitted = data(await node.call(proposer, SUBMIT, id=pid), "submitProposal")
    assert submitted["state"] == "NIK_VALID", submitted
    await field_visit(node, PENDAMPING, proposal_id=pid)
    verified = data(await node.call(PENDAMPING, VERIFY, id=pid), "verifyProposal")
    assert verified["state"] == "VERIFIED"
    approved = data(await node.call(DINSOS, APPROVE, id=pid), "approveProposal")
    assert approved["state"] == "APPROVED_KABKOTA"
    assert [(e["action"], e["toState"], e["actor"]) for e in approved["history"]] == [
        ("CREATE", "DRAFT", proposer.user_id),
        ("SUBMIT", "SUBMITTED", proposer.user_id),
        ("MARK_NIK_VALID", "NIK_VALID", "system:nik-check"),
        ("VERIFY", "VERIFIED", PENDAMPING.user_id),
        ("APPROVE", "APPROVED_KABKOTA", DINSOS.user_id)]
    report = await verify_audit_chain(node.database)
    assert report.ok, report.first_break
    return approved


async def registered(node: Node, *programs: Program) -> tuple[int, Any]:
    record = factories.household(DESA, programs=programs)
    [household_id] = await store(node.database, [record])
    await node.sandbox.add_members([record])
    return household_id, record


async def household_rows(node: Node, household_id: int
                         ) -> tuple[Household, list[Member], list[ProgramMembership]]:
    async with node.database.reader() as session:
        household = await session.get(Household, household_id)
        members = list((await session.execute(select(Member).where(
            Member.household_id == household_id).order_by(Member.id))).scalars())
        programs = list((await session.execute(select(ProgramMembership).where(
            ProgramMembership.household_id == household_id)
            .order_by(ProgramMembership.id))).scalars())
    assert household is not None
    return household, members, programs
