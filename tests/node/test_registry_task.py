"""`siks node serve` with SIKS_NODE_DUKCAPIL_URL: the node opens its own registry client, and
proposals left waiting while the registry was down are re-checked in the background."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from regional_node.config import NodeConfig
from regional_node.entrypoints import app as node_app
from regional_node.entrypoints.graphql.mutations import POPULATION_REGISTRY
from regional_node.entrypoints.registry_task import recheck_interval
from schema.errors import ConfigError
from tests import factories
from tests.node.helpers import store
from tests.node.proposal_helpers import (
    CREATE,
    OPERATOR,
    SUBMIT,
    Node,
    data,
    header_principal,
    member_input,
)
from tests.registry.sandbox import resident, running_sandbox

DESA = "32.73.01.1001"


async def test_waiting_proposals_are_rechecked_when_the_registry_returns(
        database_url, aiohttp_client, tmp_path, monkeypatch):
    async with running_sandbox(tmp_path) as sandbox:
        monkeypatch.setenv("SIKS_NODE_DUKCAPIL_URL", sandbox.url)
        monkeypatch.setenv("SIKS_NODE_DUKCAPIL_RECHECK_S", "0.2")
        monkeypatch.setenv("SIKS_NODE_DUKCAPIL_ATTEMPTS", "1")
        app = node_app.create_app(NodeConfig(region="32.73", db_url=database_url,
                                             data_dir=str(tmp_path / "node")),
                                  principal_of=header_principal)
        client = await aiohttp_client(app)
        assert POPULATION_REGISTRY in app, "the app opened no registry client"
        node = Node(client, app[node_app.DATABASE], sandbox)

        record = factories.household(DESA)
        [household_id] = await store(node.database, [record])
        baby = factories.household(DESA, members=3).members[2]
        await sandbox.add_members([record])
        await sandbox.add(resident(baby, record.kk_number))
        await sandbox.faults(fail_rate=1.0, fail_status=503)

        pid = str(uuid.uuid4())
        data(await node.call(OPERATOR, CREATE, input={"id": pid, "details": {"newMember": {
            "householdId": str(household_id), "member": member_input(baby)}}}),
            "createProposal")
        waiting = data(await node.call(OPERATOR, SUBMIT, id=pid), "submitProposal")
        assert waiting["state"] == "SUBMITTED"

        await sandbox.clear_faults()
        state = None
        for _ in range(100):
            await asyncio.sleep(0.1)
            state = data(await node.call(
                OPERATOR, "query($id: ID!) { proposal(id: $id) { state } }", id=pid),
                "proposal")["state"]
            if state != "SUBMITTED":
                break
        assert state == "NIK_VALID"


def test_the_recheck_interval_must_be_positive_seconds():
    assert recheck_interval({}) == 60.0
    assert recheck_interval({"SIKS_NODE_DUKCAPIL_RECHECK_S": "5"}) == 5.0
    for bad in ("soon", "0", "-3"):
        with pytest.raises(ConfigError, match="SIKS_NODE_DUKCAPIL_RECHECK_S"):
            recheck_interval({"SIKS_NODE_DUKCAPIL_RECHECK_S": bad})
