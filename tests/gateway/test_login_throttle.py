"""Security review (issue 16) item 14 at the gateway (the same flow as the node's,
``service_kit/http_login.py``): per-account lock, known devices through a throttled address,
and tokens that do not verify spending the public's budget."""

from __future__ import annotations

from typing import Any

from gateway.entrypoints.app import SERVICES
from gateway.identity.users import NewUser, add_user
from schema.roles import Role
from service_kit.login_guard import FREE_FAILURES
from tests.gateway.identity_helpers import secure_gateway

PASSWORD = "correct horse battery staple"
WRONG = "wrong horse battery staple"
WHO = "{ householdCounts(groupBy: []) { households } }"


async def _login(client: Any, password: str, device: str | None = None) -> Any:
    body = {"username": "kemensos", "password": password}
    if device is not None:
        body["device_token"] = device
    return await client.post("/auth/login", json=body)


async def test_login_is_throttled_per_account_and_spares_known_devices(
        cluster, dev_pki, tmp_path, aiohttp_client):
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster,
                                  login_rate="600/600")
    await add_user(client.app[SERVICES].database, NewUser("kemensos", PASSWORD, Role.KEMENSOS),
                   actor="test")
    device = (await (await _login(client, PASSWORD)).json())["device_token"]
    assert [(await _login(client, WRONG)).status for _ in range(FREE_FAILURES)] == [401] * 5
    assert (await _login(client, PASSWORD)).status == 429
    assert (await _login(client, PASSWORD, device)).status == 200


async def test_requests_with_a_bad_token_spend_the_public_budget(cluster, dev_pki, tmp_path,
                                                                 aiohttp_client):
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster, public_rate="2/2")
    statuses = [(await client.post("/graphql", json={"query": WHO},
                                   headers={"Authorization": "Bearer not.a.token"})).status
                for _ in range(3)]
    assert statuses == [401, 401, 429]
