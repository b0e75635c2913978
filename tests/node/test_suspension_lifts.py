"""A suspension lifts when the data is fixed through the update cycle: the head's name in DTKS
differs from Dukcapil's (match-nik: MISMATCH, the household's PKH suspended); a data
correction naming the head as Dukcapil has it, NIK-checked, verified and approved by Dinas
Sosial, sets the head MATCH and the PKH pays again. Real node app, real sandbox, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from regional_node.domain.audit import Actor
from regional_node.service_layer.nik_matching import match_members
from schema.enums import Program
from tests.node.proposal_helpers import DINSOS, Node, running_node
from tests.node.test_proposals_cycle import household_rows, registered, walk
from tests.registry.sandbox import resident

PROGRAMS = """query($id: ID!) { household(id: $id) {
    programs { program suspended suspension { reason } } } }"""


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        yield running


async def _programs(node: Node, household_id: int) -> list[dict[str, Any]]:
    body = await node.call(DINSOS, PROGRAMS, id=str(household_id))
    assert "errors" not in body, body
    return list(body["data"]["household"]["programs"])


async def test_an_approved_correction_lifts_the_suspension(node: Node) -> None:
    household_id, record = await registered(node, Program.PKH)
    head = record.members[0]
    await node.sandbox.add(resident(head, record.kk_number) | {"name": "Budi Santosa"})
    async with node.sandbox.client() as registry:
        await match_members(node.database, registry, actor=Actor("test:dinsos", "DINSOS"))
    assert await _programs(node, household_id) == [
        {"program": "PKH", "suspended": True, "suspension": {"reason": "NIK_MISMATCH"}}]

    _, members, _ = await household_rows(node, household_id)
    await walk(node, {"dataCorrection": {
        "householdId": str(household_id), "baseVersion": 1,
        "members": [{"memberId": str(members[0].id), "name": "Budi Santosa"}]}})
    _, members, _ = await household_rows(node, household_id)
    assert (members[0].name, members[0].match_status) == ("Budi Santosa", "MATCH")
    assert await _programs(node, household_id) == [
        {"program": "PKH", "suspended": False, "suspension": None}]
