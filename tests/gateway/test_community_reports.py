"""usul, sanggah and the receipt check through the gateway, with real node apps over mutual
TLS: each report goes to the node that owns the desa and comes back with that node's receipt,
qualified with its kab/kota (``32.73:<uuid>``); the check asks that node. A desa that does
not exist, a kab/kota with no node and a node that is down are typed errors; a node's own
refusal (a rule, its per-address limit) is passed on with the node's code. The citizen's
address travels in the gateway's signed token, so the node limits each citizen, not the
gateway as one address."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.entrypoints.app import create_app
from regional_node.adapters.orm import CommunityReport
from tests.gateway.cluster import NodeCluster, desa_codes
from tests.gateway.conftest import gateway_config
from tests.node.report_helpers import BANDUNG, JPEG

DESA = "32.73.01.1001"
CLIENT_HEADER = "X-Test-Client"  # this test's stand-in for distinct client addresses
USUL = """mutation($desa: String!, $name: String!) {
  submitUsul(input: {desaCode: $desa, personName: $name, address: "Gg. Mawar 3 RT 02",
                     description: "janda, tiga anak, rumah bocor"}) { receiptId status } }"""
SANGGAH = """mutation($photo: String!) {
  submitSanggah(input: {desaCode: "32.73.01.1001", personName: "Budi Santoso",
    address: "Jl. Contoh No. 1", description: "punya dua mobil", program: PKH,
    photoBase64: $photo, latitude: -6.9147, longitude: 107.6098}) { receiptId status } }"""
CHECK = """query($receipt: ID!, $region: String) {
  communityReportReceipt(receiptId: $receipt, region: $region) { receiptId status } }"""


@pytest.fixture
async def gateway(cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client) -> TestClient:  # type: ignore[no-untyped-def]
    """A gateway as production runs it (the principal only from a token: none here, the
    public), whose clients can be told apart by ``X-Test-Client`` (their address)."""
    app = create_app(gateway_config(tmp_path, dev_pki, cluster), background=False)

    @web.middleware
    async def client_address(request: web.Request, handler: Any) -> web.StreamResponse:
        address = request.headers.get(CLIENT_HEADER)
        return await handler(request.clone(remote=address) if address else request)

    app.middlewares.insert(0, client_address)
    return await aiohttp_client(app)  # type: ignore[no-any-return]


async def public(client: TestClient, query: str, *, address: str | None = None,
                 **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers={CLIENT_HEADER: address} if address else {})
    assert response.status == 200, await response.text()
    return dict(await response.json())


def _codes(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["extensions"] for e in body.get("errors", [])]


async def _stored(cluster: NodeCluster, region: str, rid: str) -> CommunityReport | None:
    async with cluster.nodes[region].database.reader() as session:
        return await session.get(CommunityReport, rid)


async def test_an_usul_sent_to_the_gateway_arrives_at_the_owning_node_with_its_receipt(
        gateway, cluster: NodeCluster) -> None:
    before = dict(cluster.requests)
    body = await public(gateway, USUL, desa=DESA, name="Siti Aminah")
    assert "errors" not in body, body
    receipt = body["data"]["submitUsul"]
    assert receipt["status"] == "OPEN"
    region, _, rid = receipt["receiptId"].partition(":")
    assert region == "32.73" and str(uuid.UUID(rid)) == rid
    stored = await _stored(cluster, "32.73", rid)
    assert stored is not None and (stored.desa_code, stored.person_name, stored.kind) == (
        DESA, "Siti Aminah", "USUL")
    assert {r: n - before.get(r, 0) for r, n in cluster.requests.items()
            if n != before.get(r, 0)} == {"32.73": 1}  # the owning node only, once
    checked = await public(gateway, CHECK, receipt=receipt["receiptId"])
    assert checked["data"] == {"communityReportReceipt": receipt}
    bare = await public(gateway, CHECK, receipt=rid, region=DESA)  # a node's own receipt
    assert bare["data"] == {"communityReportReceipt": receipt}


async def test_a_sanggah_with_its_photo_arrives_at_the_owning_node(gateway,
                                                                   cluster: NodeCluster) -> None:
    body = await public(gateway, SANGGAH, photo=base64.b64encode(JPEG).decode())
    receipt = body["data"]["submitSanggah"]
    assert receipt["status"] == "OPEN", body
    stored = await _stored(cluster, "32.73", receipt["receiptId"].split(":")[1])
    assert stored is not None and stored.kind == "SANGGAH" and stored.photo_sha256
    assert (stored.latitude, stored.longitude) == BANDUNG and stored.outside_regency is False


async def test_a_photo_of_almost_1_5_mb_passes_the_gateway(gateway, cluster: NodeCluster
                                                           ) -> None:
    photo = JPEG + b"\x00" * (1_450_000 - len(JPEG))
    body = await public(gateway, SANGGAH, photo=base64.b64encode(photo).decode())
    assert body["data"]["submitSanggah"]["status"] == "OPEN", body


async def test_an_unknown_receipt_is_null_and_a_malformed_one_a_typed_error(gateway) -> None:
    unknown = await public(gateway, CHECK, receipt=f"32.73:{uuid.uuid4()}")
    assert unknown == {"data": {"communityReportReceipt": None},
                       "extensions": unknown["extensions"]}
    for receipt, region, expected in (
            ("32.73:bukan-uuid", None, {"code": "INVALID_INPUT", "reason": "malformed",
                                        "field": "receiptId"}),
            ("99.99:" + str(uuid.uuid4()), None, {"code": "INVALID_INPUT",
                                                  "reason": "malformed", "field": "receiptId"}),
            (str(uuid.uuid4()), None, {"code": "INVALID_INPUT", "reason": "region_required",
                                       "field": "region"}),
            (str(uuid.uuid4()), "32", {"code": "INVALID_INPUT", "reason": "not_routable",
                                       "field": "region"})):
        body = await public(gateway, CHECK, receipt=receipt, region=region)
        assert body["data"] == {"communityReportReceipt": None}
        assert _codes(body) == [expected], (receipt, body)


async def test_a_desa_that_does_not_exist_or_has_no_node_is_a_typed_error(
        gateway, cluster: NodeCluster) -> None:
    before = sum(cluster.requests.values())
    for desa, expected in (
            ("32.73.01.9999", {"code": "INVALID_REGION", "reason": "unknown",
                               "field": "desaCode"}),
            ("32.73.01", {"code": "INVALID_REGION", "reason": "wrong_level",
                          "field": "desaCode"}),
            (desa_codes("53.71", 1)[0], {"code": "NODE_NOT_REGISTERED", "region": "53.71"})):
        body = await public(gateway, USUL, desa=desa, name="Siti Aminah")
        assert body["data"] == {"submitUsul": None}
        assert _codes(body) == [expected], body
    kupang = await public(gateway, CHECK, receipt=f"53.71:{uuid.uuid4()}")
    assert _codes(kupang) == [{"code": "NODE_NOT_REGISTERED", "region": "53.71"}]
    assert sum(cluster.requests.values()) == before  # no node was asked


async def test_a_node_that_is_down_is_a_clear_typed_error(gateway, cluster: NodeCluster
                                                          ) -> None:
    surabaya = desa_codes("35.78", 1)[0]
    sent = await public(gateway, USUL, desa=surabaya, name="Siti Aminah")
    receipt = sent["data"]["submitUsul"]["receiptId"]
    await cluster.stop("35.78")
    body = await public(gateway, USUL, desa=surabaya, name="Siti Aminah")
    assert body["data"] == {"submitUsul": None}
    [error] = body["errors"]
    assert error["extensions"] == {"code": "NODE_UNAVAILABLE", "region": "35.78"}
    assert error["message"].startswith("node 35.78:")
    checked = await public(gateway, CHECK, receipt=receipt)
    assert checked["data"] == {"communityReportReceipt": None}
    assert _codes(checked) == [{"code": "NODE_UNAVAILABLE", "region": "35.78"}]


async def test_the_nodes_own_refusal_reaches_the_citizen_with_its_code(gateway) -> None:
    body = await public(gateway, USUL, desa=DESA, name="  ")
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INVALID_RECORD", "reason": "required",
                                   "field": "personName", "region": "32.73"}
    assert error["message"] == "node 32.73: personName: personName is empty"


async def test_the_node_limits_each_citizen_not_the_gateway(gateway) -> None:
    """The node allows an anonymous sender 5 reports at once (then 6 a minute): through the
    gateway that holds per citizen, because the gateway vouches for each one's address."""
    for _ in range(5):
        sent = await public(gateway, USUL, address="10.1.1.1", desa=DESA, name="Siti Aminah")
        assert sent["data"]["submitUsul"]["status"] == "OPEN", sent
    refused = await public(gateway, USUL, address="10.1.1.1", desa=DESA, name="Siti Aminah")
    assert refused["data"] == {"submitUsul": None}
    assert _codes(refused) == [{"code": "RATE_LIMITED", "region": "32.73"}]
    other = await public(gateway, USUL, address="10.2.2.2", desa=DESA, name="Siti Aminah")
    assert other["data"]["submitUsul"]["status"] == "OPEN", other
