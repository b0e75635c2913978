"""Each protection of docs/security.md's hardening table, each test failing without it."""

from __future__ import annotations

from typing import Any

import pytest

from regional_node.config import NodeConfig
from regional_node.entrypoints.app import create_app
from regional_node.entrypoints.graphql import query as node_query
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import DINSOS_BANDUNG, bearer, error_codes, gql, store, token_for

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


async def test_cost_limit_refuses_big_nested_pages(node_client):
    small = "{ households(first: 20) { edges { node { kkNumber members { name nik } } } } }"
    assert "errors" not in await gql(node_client, small)
    big = ("{ households(first: 500) { edges { node { kkNumber members { name nik household {"
           " members { name nik } } } } } } }")
    body = await gql(node_client, big)
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"] and body.get("data") is None
    assert body["errors"][0]["extensions"]["cost"] > body["errors"][0]["extensions"]["limit"]
    via_variable = ("query($n: Int!) { households(first: $n) { edges { node { members {"
                    " household { members { nik } } } } } } }")
    assert error_codes(await gql(node_client, via_variable, n=500)) == ["QUERY_TOO_COMPLEX"]
    assert "errors" not in await gql(node_client, via_variable, n=5)


async def test_depth_and_alias_limits(node_client):
    deep = "{ person(nik: \"3273015705900002\") { " + "household { members { " * 5 + "nik" \
           + " } }" * 5 + " } }"
    assert "errors" in await gql(node_client, deep)
    aliases = "{ " + " ".join(f"a{i}: node {{ region }}" for i in range(31)) + " }"
    assert "errors" in await gql(node_client, aliases)


async def test_batching_is_refused(node_client):
    response = await node_client.post("/graphql", json=[{"query": "{ node { region } }"}] * 2,
                                      headers=bearer(token_for(node_client, DINSOS_BANDUNG)))
    assert response.status == 400


@pytest.mark.parametrize("content_type,data", [
    ("text/plain", '{"query": "{ node { region } }"}'),
    ("application/x-www-form-urlencoded", "query=%7B+node+%7B+region+%7D+%7D"),
    ("multipart/form-data; boundary=x",
     '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
     '{"query": "{ node { region } }"}\r\n--x--\r\n'),
])
async def test_posts_must_be_json(node_client, content_type, data):
    response = await node_client.post("/graphql", data=data,
                                      headers={"Content-Type": content_type})
    assert response.status == 415
    login = await node_client.post("/auth/login", data="username=a&password=b",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert login.status == 415


async def test_large_bodies_are_refused(node_client):
    padding = "#" * (3 * 1024 * 1024)
    response = await node_client.post("/graphql", json={"query": "{ node { region } }" + padding})
    assert response.status == 413


async def test_get_never_mutates(node_client):
    token = token_for(node_client, Principal("user:op", Role.OPERATOR_DESA, "32.73.01.1001"))
    response = await node_client.get(
        "/graphql", params={"query": 'mutation { markNotificationRead(id: "1") { id } }'},
        headers=bearer(token))
    assert response.status in (400, 405)  # strawberry: mutations are not allowed over GET
    assert "not allowed" in (await response.text()).lower()
    query = await node_client.get("/graphql", params={"query": "{ node { region } }"},
                                  headers=bearer(token))
    assert query.status == 200


async def test_internal_errors_are_masked(node_client, monkeypatch):
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError('SELECT nik FROM member WHERE secret = "x"')

    monkeypatch.setattr(node_query.q, "count_households", broken)
    body = await gql(node_client, "{ households { totalCount } }")
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL" and error["extensions"]["requestId"]
    assert "SELECT" not in str(body) and "Traceback" not in str(body)


async def test_login_rate_limit(database_url, aiohttp_client, tmp_path):
    client = await aiohttp_client(create_app(NodeConfig(
        region="32.73", db_url=database_url, data_dir=str(tmp_path), login_rate="2/2")))
    statuses = [(await client.post("/auth/login", json={"username": "a", "password": "b"})
                 ).status for _ in range(3)]
    assert statuses == [401, 401, 429]


async def test_public_rate_limit_spares_token_holders(database_url, aiohttp_client, tmp_path):
    client = await aiohttp_client(create_app(NodeConfig(
        region="32.73", db_url=database_url, data_dir=str(tmp_path), public_rate="2/2")))
    anonymous = [(await client.post("/graphql", json={"query": "{ node { region } }"})).status
                 for _ in range(3)]
    assert anonymous == [200, 200, 429]
    with_token = await client.post("/graphql", json={"query": "{ node { region } }"},
                                   headers=bearer(token_for(client, DINSOS_BANDUNG)))
    assert with_token.status == 200


async def test_production_turns_off_introspection_suggestions_and_graphiql(
        database_url, aiohttp_client, tmp_path):
    for production in (False, True):
        client = await aiohttp_client(create_app(NodeConfig(
            region="32.73", db_url=database_url, data_dir=str(tmp_path), production=production)))
        token = token_for(client, DINSOS_BANDUNG)
        intro = await gql(client, "{ __schema { queryType { name } } }", principal=None)
        typo = await gql(client, "{ nod { region } }", principal=None)
        page = await client.get("/graphql", headers={"Accept": "text/html", **bearer(token)})
        if production:
            assert "errors" in intro and intro.get("data") is None
            assert "Did you mean" not in str(typo)
            assert page.status != 200 or "graphiql" not in (await page.text()).lower()
        else:
            assert intro["data"]["__schema"]["queryType"]["name"] == "Query"
            assert "Did you mean" in str(typo)
            assert page.status == 200 and "graphiql" in (await page.text()).lower()


async def test_strict_mode_refuses_the_whole_operation(node_client, node_database):
    await store(node_database, [factories.household(head_name="Siti Aminah")])
    query = ('{ households(filter: {region: "32.73.01.1001", name: "Siti Aminah"}) '
             "{ edges { node { status kkNumber } } } }")
    lenient = await gql(node_client, query, principal=None)
    assert lenient["data"]["households"]["edges"][0]["node"] == {"status": "ACTIVE",
                                                                 "kkNumber": None}
    strict = await gql(node_client, query, principal=None, headers={"X-SIKS-Strict": "1"})
    assert strict.get("data") is None and error_codes(strict) == ["FORBIDDEN_FIELD"]
    assert strict["errors"][0]["extensions"]["strict"] is True


async def test_the_public_can_only_search(node_client, node_database):
    await store(node_database, [factories.household(head_name="Siti Aminah")])
    listing = await gql(node_client, "{ households { edges { node { status } } } }",
                        principal=None)
    assert error_codes(listing) == ["FORBIDDEN"]
    search = await gql(node_client, '{ households(filter: {region: "32.73.01.1001", '
                       'name: "siti aminah"}) { edges { node { status head { name } } } } }',
                       principal=None)
    assert search["data"]["households"]["edges"] == [
        {"node": {"status": "ACTIVE", "head": {"name": "SIT* AMI***"}}}]
    for region, name in (("32.73.01", "Siti Aminah"), ("32.73.01.1001", "am")):
        refused = await gql(node_client, f'{{ households(filter: {{region: "{region}", '
                            f'name: "{name}"}}) {{ edges {{ node {{ status }} }} }} }}',
                            principal=None)
        assert error_codes(refused) == ["FORBIDDEN"]  # a kecamatan; two letters
