"""Security review (issue 16) item 12 through the gateway: ``household(id:)`` with a local id
that is not a record id is INVALID_INPUT from the gateway itself, not NODE_ERROR (the node
crashing on it)."""

from __future__ import annotations

from tests.gateway.identity_helpers import KEMENSOS, error_codes, gql_as, secure_gateway

HOUSEHOLD = "query($id: ID!) { household(id: $id) { kkNumber } }"


async def test_a_bad_local_id_is_invalid_input(cluster, dev_pki, tmp_path, aiohttp_client):
    gateway = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    for bad in ("32.73:³", f"32.73:{2**63}", f"32.73:{2**64}", "32.73:0"):
        body = await gql_as(gateway, HOUSEHOLD, KEMENSOS, id=bad)
        assert error_codes(body) == ["INVALID_INPUT"], (bad, body)
        assert body["errors"][0]["extensions"]["reason"] == "malformed"
    assert error_codes(await gql_as(gateway, HOUSEHOLD, KEMENSOS, id="32.73:1")) == []
