"""Every forbidden transition (wrong role, wrong state, wrong region) is refused over HTTP with
its code and changes nothing: the whole database, audit chain included, is the same after."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from regional_node.service_layer.audit import verify_audit_chain
from schema.roles import Principal, Role
from tests import factories
from tests.node.field_helpers import field_visit
from tests.node.helpers import error_codes, store
from tests.node.proposal_helpers import (
    APPROVE,
    CREATE,
    DINSOS,
    KEMENSOS,
    OPERATOR,
    OTHER_DINSOS,
    OTHER_OPERATOR,
    OTHER_PENDAMPING,
    PENDAMPING,
    PUBLIC,
    REJECT,
    RESUBMIT,
    SUBMIT,
    VERIFY,
    Node,
    audit_length,
    data,
    database_dump,
    running_node,
)

DESA = "32.73.01.1001"
ASSIGNED = Principal("pd-assigned", Role.PENDAMPING, household_ids=(999_999,))


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        yield running


async def proposal_in(node: Node, state: str) -> str:
    """A graduation proposal moved to ``state`` by the right people."""
    record = factories.household(DESA)
    [household_id] = await store(node.database, [record])
    pid = str(uuid.uuid4())
    data(await node.call(OPERATOR, CREATE, input={"id": pid, "details": {
        "graduation": {"householdId": str(household_id), "reason": "mampu"}}}),
        "createProposal")
    steps = {"SUBMITTED": [], "NIK_VALID": [(OPERATOR, SUBMIT, {})],
             "VERIFIED": [(OPERATOR, SUBMIT, {}), (PENDAMPING, VERIFY, {})],
             "APPROVED_KABKOTA": [(OPERATOR, SUBMIT, {}), (PENDAMPING, VERIFY, {}),
                                  (DINSOS, APPROVE, {})],
             "REJECTED": [(OPERATOR, SUBMIT, {}), (PENDAMPING, REJECT, {"reason": "tidak "
                                                                        "ditemukan"})]}
    for principal, mutation, extra in steps.get(state, []):
        if mutation is VERIFY:
            await field_visit(node, principal, proposal_id=pid)
        assert "errors" not in await node.call(principal, mutation, id=pid, **extra)
    return pid


REFUSALS = [
    # (state, who, mutation, extra variables, expected code)
    ("DRAFT", OTHER_PENDAMPING, SUBMIT, {}, "OUT_OF_SCOPE"),
    ("DRAFT", DINSOS, SUBMIT, {}, "FORBIDDEN_TRANSITION"),
    ("DRAFT", OTHER_OPERATOR, SUBMIT, {}, "OUT_OF_SCOPE"),
    ("DRAFT", PUBLIC, SUBMIT, {}, "FORBIDDEN_TRANSITION"),
    ("DRAFT", PENDAMPING, VERIFY, {}, "WRONG_STATE"),
    ("DRAFT", DINSOS, APPROVE, {}, "WRONG_STATE"),
    ("NIK_VALID", OPERATOR, VERIFY, {}, "FORBIDDEN_TRANSITION"),
    ("NIK_VALID", DINSOS, VERIFY, {}, "FORBIDDEN_TRANSITION"),
    ("NIK_VALID", OTHER_PENDAMPING, VERIFY, {}, "OUT_OF_SCOPE"),
    ("NIK_VALID", ASSIGNED, VERIFY, {}, "OUT_OF_SCOPE"),
    ("NIK_VALID", PENDAMPING, VERIFY, {}, "FIELD_VERIFICATION_REQUIRED"),  # no photo yet
    ("NIK_VALID", DINSOS, APPROVE, {}, "WRONG_STATE"),
    ("NIK_VALID", DINSOS, REJECT, {"reason": "ganda"}, "FORBIDDEN_TRANSITION"),
    ("NIK_VALID", PENDAMPING, REJECT, {"reason": "  "}, "INVALID_INPUT"),
    ("NIK_VALID", OPERATOR, RESUBMIT, {}, "WRONG_STATE"),
    ("NIK_VALID", OPERATOR, SUBMIT, {}, "WRONG_STATE"),
    ("VERIFIED", PENDAMPING, APPROVE, {}, "FORBIDDEN_TRANSITION"),
    ("VERIFIED", OPERATOR, APPROVE, {}, "FORBIDDEN_TRANSITION"),
    ("VERIFIED", KEMENSOS, APPROVE, {}, "FORBIDDEN_TRANSITION"),
    ("VERIFIED", OTHER_DINSOS, APPROVE, {}, "OUT_OF_SCOPE"),
    ("VERIFIED", PENDAMPING, REJECT, {"reason": "x"}, "FORBIDDEN_TRANSITION"),
    ("VERIFIED", DINSOS, REJECT, {"reason": ""}, "INVALID_INPUT"),
    ("APPROVED_KABKOTA", DINSOS, APPROVE, {}, "WRONG_STATE"),
    ("APPROVED_KABKOTA", DINSOS, REJECT, {"reason": "x"}, "WRONG_STATE"),
    ("REJECTED", DINSOS, APPROVE, {}, "WRONG_STATE"),
    ("REJECTED", OPERATOR, RESUBMIT, {}, "WRONG_STATE"),
]


def accepted(code: str) -> list[list[str]]:
    """A role refusal may come from the policy table (schema/policy.py, FORBIDDEN_FIELD on
    the mutation) before the node's transition table (FORBIDDEN_TRANSITION) is asked."""
    if code == "FORBIDDEN_TRANSITION":
        return [[code], ["FORBIDDEN_FIELD"]]
    return [[code]]


async def test_forbidden_transitions_change_nothing(node: Node) -> None:
    pids = {state: await proposal_in(node, state)
            for state in ("DRAFT", "NIK_VALID", "VERIFIED", "APPROVED_KABKOTA", "REJECTED")}
    for state, who, mutation, extra, code in REFUSALS:
        before, chain = await database_dump(node.database), await audit_length(node.database)
        body = await node.call(who, mutation, id=pids[state], **extra)
        assert error_codes(body) in accepted(code), (state, who.user_id, mutation[:30], body)
        assert await database_dump(node.database) == before, (state, who.user_id)
        assert await audit_length(node.database) == chain
    assert (await verify_audit_chain(node.database)).ok


async def test_creating_is_refused_to_the_wrong_role_and_region(node: Node) -> None:
    record = factories.household(DESA)
    [household_id] = await store(node.database, [record])
    before = await database_dump(node.database)
    cases = [
        (PENDAMPING, {"moved": {"householdId": str(household_id), "movedOn": "2026-01-01"}},
         "FORBIDDEN_TRANSITION"),
        (DINSOS, {"graduation": {"householdId": str(household_id), "reason": "x"}},
         "FORBIDDEN_TRANSITION"),
        (OTHER_OPERATOR, {"graduation": {"householdId": str(household_id), "reason": "x"}},
         "OUT_OF_SCOPE"),
        (PUBLIC, {"graduation": {"householdId": str(household_id), "reason": "x"}},
         "FORBIDDEN_TRANSITION"),
        (OPERATOR, {"newHousehold": {"kkNumber": record.kk_number, "desaCode": DESA,
                                     "address": "x", "members": []}}, "INVALID_RECORD"),
        (OPERATOR, {"graduation": {"householdId": "123456", "reason": "x"}}, "NOT_FOUND"),
    ]
    for who, details, code in cases:
        body = await node.call(who, CREATE, input={"id": str(uuid.uuid4()), "details": details})
        assert error_codes(body) in accepted(code), (who.user_id, body)
    assert await database_dump(node.database) == before


async def test_new_household_needs_musdes_minutes(node: Node) -> None:
    record = factories.household(DESA)
    from tests.node.proposal_helpers import household_input

    body = await node.call(OPERATOR, CREATE, input={
        "id": str(uuid.uuid4()), "details": {"newHousehold": household_input(record)}})
    assert error_codes(body) == ["INVALID_RECORD"]
    assert body["errors"][0]["extensions"]["field"] == "musdes"
    body = await node.call(OPERATOR, CREATE, input={
        "id": str(uuid.uuid4()), "details": {"newHousehold": household_input(record)},
        "musdes": {"heldOn": "2026-01-15", "minutesNumber": "BA/1", "minutesSha256": "a" * 64}})
    assert body["errors"][0]["extensions"]["reason"] == "unknown_attachment"


async def test_proposals_are_listed_within_scope_only(node: Node) -> None:
    pid = await proposal_in(node, "DRAFT")
    query = "{ proposals(first: 10) { edges { node { id state } } } }"

    async def ids(who: Principal) -> list[str]:
        edges = data(await node.call(who, query), "proposals")["edges"]
        return [e["node"]["id"] for e in edges]

    assert await ids(OPERATOR) == [pid]
    assert await ids(DINSOS) == [pid]
    assert await ids(PENDAMPING) == [pid]
    assert await ids(OTHER_OPERATOR) == []
    assert await ids(OTHER_PENDAMPING) == []
    body = await node.call(PUBLIC, query)
    assert body["data"] is None or body["data"]["proposals"] is None
    assert error_codes(body) in (["OUT_OF_SCOPE"], ["FORBIDDEN_FIELD"])
