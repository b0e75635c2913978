"""The outbox backlog over the node's HTTP API: the GraphQL field ``outbox`` (Dinas Sosial and
Kemensos only) and ``outboxBacklog`` in ``/readyz``, which the gateway's node registry reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from regional_node.config import NodeConfig
from regional_node.entrypoints.app import DATABASE, create_app
from regional_node.service_layer.outbox import oldest_pending
from regional_node.service_layer.outbox_delivery import record_delivered, record_failure
from schema.roles import Principal, Role
from tests.node.helpers import error_codes, gql
from tests.sync.helpers import make_records
from tests.sync.world import queue, signer_of

QUERY = ("{ outbox { pending pendingRecords oldestAt lastError nextAttemptAt delivered "
         "refused } }")


@pytest.fixture
async def node_client(database_url: str, aiohttp_client, tmp_path: Path,  # type: ignore[no-untyped-def]
                      node_signing_pki: Path) -> TestClient:
    config = NodeConfig(region="32.73", db_url=database_url, data_dir=str(tmp_path / "node"))
    return await aiohttp_client(create_app(config))


async def _fill(client: TestClient, pki: Path) -> None:
    """Three messages: one delivered, two pending (the head failed once)."""
    database, signer = client.app[DATABASE], signer_of(pki)
    for i, count in enumerate((1, 2, 3)):
        await queue(database, make_records("32.73", count, prefix=f"api{i}"), signer)
    now = dt.datetime.now(dt.UTC)
    first, second = await oldest_pending(database, 2)
    await record_delivered(database, first.message_id, first.record_ids, {"code": "ACCEPTED"},
                           now)
    await record_failure(database, second.message_id, second.record_ids,
                         "connection refused", now + dt.timedelta(seconds=30), now)


async def test_dinsos_and_kemensos_see_the_backlog(node_client: TestClient,
                                                   node_signing_pki: Path) -> None:
    empty = await gql(node_client, QUERY)
    assert empty["data"]["outbox"] == {"pending": 0, "pendingRecords": 0, "oldestAt": None,
                                       "lastError": None, "nextAttemptAt": None,
                                       "delivered": 0, "refused": 0}
    await _fill(node_client, node_signing_pki)
    for principal in (Principal("user:dinsos", Role.DINSOS, "32.73"),
                      Principal("user:dinsos-prov", Role.DINSOS, "32"),
                      Principal("user:kemensos", Role.KEMENSOS)):
        body = await gql(node_client, QUERY, principal=principal)
        assert "errors" not in body, body
        outbox = body["data"]["outbox"]
        assert (outbox["pending"], outbox["pendingRecords"]) == (2, 5)
        assert (outbox["delivered"], outbox["refused"]) == (1, 0)
        assert outbox["lastError"] == "connection refused"
        assert outbox["oldestAt"] is not None and outbox["nextAttemptAt"] is not None


@pytest.mark.parametrize("principal", [
    Principal("user:operator", Role.OPERATOR_DESA, "32.73.01.1001"),
    Principal("user:pendamping", Role.PENDAMPING, "32.73.01"),
    Principal("user:mitra", Role.MITRA, programs=("PKH",)),
    None,  # the public
], ids=["operator", "pendamping", "mitra", "public"])
async def test_everyone_else_is_denied(node_client: TestClient, node_signing_pki: Path,
                                       principal: Principal | None) -> None:
    await _fill(node_client, node_signing_pki)
    body = await gql(node_client, QUERY, principal=principal)
    assert body["data"]["outbox"] is None
    assert error_codes(body) == ["FORBIDDEN_FIELD"]


async def test_dinsos_of_another_region_is_out_of_scope(node_client: TestClient) -> None:
    body = await gql(node_client, QUERY, principal=Principal("user:dinsos-sby", Role.DINSOS,
                                                             "35.78"))
    assert body["data"]["outbox"] is None
    assert error_codes(body) == ["OUT_OF_SCOPE"]


async def test_readyz_reports_the_backlog(node_client: TestClient,
                                          node_signing_pki: Path) -> None:
    response = await node_client.get("/readyz")
    assert response.status == 200 and (await response.json())["outboxBacklog"] == 0
    await _fill(node_client, node_signing_pki)
    body = await (await node_client.get("/readyz")).json()
    assert body["status"] == "ready" and body["outboxBacklog"] == 2
