"""A corrected proposal names the RETURNED proposal it corrects (``corrects``), and every way
of naming the wrong one is refused with a typed error and changes nothing; a corrected new
household takes over the row of the returned one. Real node app over HTTP, SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests import factories
from tests.node.cycle_helpers import DESA, household_rows, registered, walk
from tests.node.decision_helpers import determine, return_
from tests.node.proposal_helpers import (
    CREATE,
    DINSOS,
    OPERATOR,
    OTHER_OPERATOR,
    PENDAMPING,
    REJECT,
    SUBMIT,
    Node,
    data,
    database_dump,
    household_input,
    running_node,
    upload_minutes,
)

CORRECTION = """mutation($input: ProposalInput!) { createProposal(input: $input) {
  id state corrects correctedBy } }"""
SHOW = "query($id: ID!) { proposal(id: $id) { state corrects correctedBy } }"


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        yield running


def graduation(household_id: int, reason: str = "usaha berkembang (mampu)") -> dict[str, Any]:
    return {"graduation": {"householdId": str(household_id), "reason": reason}}


async def returned_graduation(node: Node) -> tuple[int, str]:
    household_id, _ = await registered(node)
    approved = await walk(node, graduation(household_id))
    await return_(node, approved["id"], reason="belum ada bukti usaha")
    return household_id, approved["id"]


async def create(node: Node, details: dict[str, Any], corrects: str,
                 principal: Any = OPERATOR, **more: Any) -> dict[str, Any]:
    return await node.call(principal, CORRECTION, input={
        "id": str(uuid.uuid4()), "details": details, "corrects": corrects, **more})


def code(body: dict[str, Any]) -> tuple[str, str | None]:
    [error] = body["errors"]
    return error["extensions"]["code"], error["extensions"].get("reason")


async def test_a_correction_refers_to_the_returned_proposal(node: Node) -> None:
    household_id, returned = await returned_graduation(node)
    created = data(await create(node, graduation(household_id, "bukti usaha terlampir"),
                                returned), "createProposal")
    assert (created["state"], created["corrects"], created["correctedBy"]) == (
        "DRAFT", returned, [])
    shown = data(await node.call(DINSOS, SHOW, id=returned), "proposal")
    assert shown == {"state": "RETURNED", "corrects": None, "correctedBy": [created["id"]]}
    again = await create(node, graduation(household_id), returned)  # a second correction
    assert code(again) == ("ALREADY_CORRECTED", None)
    assert created["id"] in again["errors"][0]["message"]
    # a rejected correction frees the returned proposal for another one
    submitted = data(await node.call(OPERATOR, SUBMIT, id=created["id"]), "submitProposal")
    assert submitted["state"] == "NIK_VALID"
    data(await node.call(PENDAMPING, REJECT, id=created["id"], reason="bukti belum cukup"),
         "rejectProposal")
    third = data(await create(node, graduation(household_id, "bukti baru"), returned),
                 "createProposal")
    shown = data(await node.call(DINSOS, SHOW, id=returned), "proposal")
    assert shown["correctedBy"] == [created["id"], third["id"]]


async def test_refusals_change_nothing(node: Node) -> None:
    household_id, returned = await returned_graduation(node)
    other_household, _ = await registered(node)
    open_one = data(await node.call(OPERATOR, CREATE, input={
        "id": str(uuid.uuid4()), "details": graduation(other_household)}), "createProposal")
    before = await database_dump(node.database)
    cases = [
        (graduation(household_id), open_one["id"], OPERATOR, ("WRONG_STATE", None)),
        (graduation(other_household), returned, OPERATOR,
         ("INVALID_INPUT", "other_household")),
        (graduation(household_id), str(uuid.uuid4()), OPERATOR, ("NOT_FOUND", None)),
        (graduation(household_id), "not-a-uuid", OPERATOR, ("INVALID_INPUT", "malformed")),
    ]
    for details, corrects, principal, expected in cases:
        body = await create(node, details, corrects, principal)
        assert code(body) == expected, body
        assert body["data"]["createProposal"] is None
    assert await database_dump(node.database) == before


async def test_a_correction_outside_the_scope_or_of_another_kind_is_refused(
        node: Node) -> None:
    record = factories.household(DESA, members=2)
    await node.sandbox.add_members([record])
    sha = await upload_minutes(node)
    musdes = {"heldOn": "2026-01-15", "minutesNumber": "BA/12/2026", "minutesSha256": sha}
    approved = await walk(node, {"newHousehold": household_input(record)}, musdes=musdes)
    await return_(node, approved["id"])
    elsewhere = factories.household("32.73.02.1001", members=2)
    body = await create(node, {"newHousehold": household_input(elsewhere)}, approved["id"],
                        OTHER_OPERATOR, musdes=musdes)
    assert code(body) == ("OUT_OF_SCOPE", None)
    household_id, graduation_returned = await returned_graduation(node)
    body = await create(node, {"newHousehold": household_input(record)}, graduation_returned,
                        musdes=musdes)
    assert code(body) == ("INVALID_INPUT", "other_kind")
    body = await create(node, graduation(household_id), approved["id"])
    assert code(body) == ("INVALID_INPUT", "other_kind")


async def test_a_corrected_new_household_takes_over_the_returned_one(node: Node) -> None:
    record = factories.household(DESA, members=2)
    await node.sandbox.add_members([record])
    sha = await upload_minutes(node)
    musdes = {"heldOn": "2026-01-15", "minutesNumber": "BA/12/2026", "minutesSha256": sha}
    first = await walk(node, {"newHousehold": household_input(record)}, musdes=musdes)
    household_id = int(first["householdId"])
    await return_(node, first["id"], reason="alamat tidak lengkap")
    fixed = household_input(record)
    fixed["address"] = "Jl. Contoh No. 1 RT 02 RW 05"
    fixed["members"] = fixed["members"][:1]  # the second person is not of this family
    second = await walk(node, {"newHousehold": fixed}, musdes=musdes, corrects=first["id"])
    assert int(second["householdId"]) == household_id  # the same row, not a duplicate
    household, members, _ = await household_rows(node, household_id)
    assert (household.status, household.inactive_reason, household.address) == (
        "PROPOSED", None, "Jl. Contoh No. 1 RT 02 RW 05")
    assert [m.nik for m in members] == [record.members[0].nik]
    await determine(node, second["id"])
    household, _, _ = await household_rows(node, household_id)
    assert household.status == "ACTIVE"
