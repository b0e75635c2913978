"""Security review (issue 16) item 14 at the node: logins are throttled per account (with
backoff) as well as per address; the right password gets through a throttled address from a
known device, or after the window; requests with a token that does not verify spend the
public's per-address budget."""

from __future__ import annotations

from typing import Any

import pytest

from regional_node.config import NodeConfig
from regional_node.domain.audit import Actor
from regional_node.entrypoints.app import DATABASE, create_app
from regional_node.service_layer.unit_of_work import UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.roles import Role
from service_kit.http_login import LOGIN_GUARD
from service_kit.login_guard import FIRST_BACKOFF_S, FREE_FAILURES

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PASSWORD = "correct horse battery staple"
WRONG = "wrong horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _node(aiohttp_client: Any, database_url: str, tmp_path: Any, **rates: str) -> Any:
    client = await aiohttp_client(create_app(NodeConfig(
        region="32.73", db_url=database_url, data_dir=str(tmp_path), **rates)))
    async with UnitOfWork(client.app[DATABASE], Actor("test:admin", "SYSTEM")) as uow:
        await add_user(uow, NewUser("dinsos.admin", PASSWORD, Role.DINSOS, "32.73"))
        await uow.commit()
    clock = Clock()
    client.app[LOGIN_GUARD].clock = clock
    return client, clock


async def _login(client: Any, password: str, username: str = "dinsos.admin",
                 device: str | None = None) -> Any:
    body = {"username": username, "password": password}
    if device is not None:
        body["device_token"] = device
    return await client.post("/auth/login", json=body)


async def test_failures_lock_the_account_with_a_doubling_backoff(database_url, aiohttp_client,
                                                                 tmp_path):
    client, clock = await _node(aiohttp_client, database_url, tmp_path, login_rate="600/600")
    for name in ("dinsos.admin", "nobody.here"):  # a known and an unknown account alike
        statuses = [(await _login(client, WRONG, name)).status for _ in range(FREE_FAILURES)]
        assert statuses == [401] * FREE_FAILURES
        locked = await _login(client, PASSWORD, name)
        assert locked.status == 429, await locked.text()
        assert (await locked.json())["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert int(locked.headers["Retry-After"]) == FIRST_BACKOFF_S
    clock.now += FIRST_BACKOFF_S + 1
    assert (await _login(client, WRONG)).status == 401  # one more failure: twice as long
    again = await _login(client, PASSWORD)
    assert again.status == 429 and int(again.headers["Retry-After"]) == 2 * FIRST_BACKOFF_S
    clock.now += 2 * FIRST_BACKOFF_S + 1
    assert (await _login(client, PASSWORD)).status == 200  # after the window
    assert (await _login(client, WRONG)).status == 401  # a success reset the count
    assert (await _login(client, PASSWORD)).status == 200


async def test_a_known_device_gets_through_a_throttled_address_and_a_locked_account(
        database_url, aiohttp_client, tmp_path):
    client, clock = await _node(aiohttp_client, database_url, tmp_path, login_rate="1/3")
    first = await _login(client, PASSWORD)
    assert first.status == 200
    device = (await first.json())["device_token"]
    assert [(await _login(client, WRONG)).status for _ in range(3)] == [401, 401, 429]
    assert (await _login(client, PASSWORD)).status == 429  # the address is throttled
    assert (await _login(client, PASSWORD, device=device)).status == 200
    assert (await _login(client, PASSWORD, device=device + "x")).status == 429  # forged
    assert (await _login(client, PASSWORD, "nobody.here", device=device)).status == 429
    clock.now += 3600  # the address bucket refills; now lock the account
    for _ in range(FREE_FAILURES):
        await _login(client, WRONG)
        clock.now += 60
    assert (await _login(client, PASSWORD)).status == 429
    assert (await _login(client, PASSWORD, device=device)).status == 200


async def test_a_device_token_is_no_longer_trusted_after_failures(database_url, aiohttp_client,
                                                                  tmp_path):
    client, _ = await _node(aiohttp_client, database_url, tmp_path, login_rate="1/1")
    device = (await (await _login(client, PASSWORD)).json())["device_token"]
    assert (await _login(client, PASSWORD)).status == 429  # the address bucket is spent
    statuses = [(await _login(client, WRONG, device=device)).status for _ in range(5)]
    assert statuses == [401] * 5  # guesses with the device count against the device
    assert (await _login(client, PASSWORD, device=device)).status == 429


async def test_requests_with_a_bad_token_spend_the_public_budget(database_url, aiohttp_client,
                                                                 tmp_path):
    client, _ = await _node(aiohttp_client, database_url, tmp_path, public_rate="2/2")
    statuses = [(await client.post("/graphql", json={"query": "{ node { region } }"},
                                   headers={"Authorization": "Bearer not.a.token"})).status
                for _ in range(3)]
    assert statuses == [401, 401, 429]
