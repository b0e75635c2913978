"""Each protection of the gateway (docs/security.md, "Hardening"), each test failing without
it; and the public status check (cekbansos) as the only way in without a login."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.service_layer import households as household_service
from schema.enums import Program
from tests import factories
from tests.gateway.identity_helpers import (
    KEMENSOS,
    bearer,
    error_codes,
    gql_as,
    secure_gateway,
    token_for,
)
from tests.node.helpers import store

WHO = "{ householdCounts(groupBy: []) { households } }"


@pytest.fixture
async def gateway_app(cluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    await store(cluster.nodes["32.73"].database, [
        factories.household("32.73.01.1001", head_name="Siti Aminah", programs=(Program.PKH,)),
        factories.household("32.73.01.1002", head_name="Budi Santoso")])
    return await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)


async def test_cost_limit_refuses_big_nested_pages(gateway_app):
    small = "{ households(first: 20) { edges { node { kkNumber members { name nik } } } } }"
    assert "errors" not in await gql_as(gateway_app, small, KEMENSOS)
    big = ("{ households(first: 500) { edges { node { kkNumber members { name nik household {"
           " members { name nik } } } } } } }")
    body = await gql_as(gateway_app, big, KEMENSOS)
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"] and body.get("data") is None
    assert body["errors"][0]["extensions"]["cost"] > body["errors"][0]["extensions"]["limit"]
    via_variable = ("query($n: Int!) { households(first: $n) { edges { node { members {"
                    " household { members { nik } } } } } } }")
    assert error_codes(await gql_as(gateway_app, via_variable, KEMENSOS, n=500)) == [
        "QUERY_TOO_COMPLEX"]
    assert "errors" not in await gql_as(gateway_app, via_variable, KEMENSOS, n=5)


async def test_depth_alias_and_token_limits(gateway_app):
    deep = ('{ person(nik: "3273015705900002") { ' + "household { members { " * 5 + "nik"
            + " } }" * 5 + " } }")
    body = await gql_as(gateway_app, deep, KEMENSOS)
    assert "exceeds maximum operation depth" in str(body["errors"]) and body.get("data") is None
    aliases = "{ " + " ".join(f"a{i}: householdCounts(groupBy: []) {{ households }}"
                              for i in range(31)) + " }"
    body = await gql_as(gateway_app, aliases, KEMENSOS)
    assert "aliases" in str(body["errors"]).lower() and body.get("data") is None
    tokens = "{ " + "householdCounts(groupBy: []) { households } " * 400 + "}"
    body = await gql_as(gateway_app, tokens, KEMENSOS)
    assert "token" in str(body["errors"]).lower() and body.get("data") is None


async def test_batching_is_refused(gateway_app):
    response = await gateway_app.post("/graphql", json=[{"query": WHO}] * 2,
                                      headers=bearer(token_for(gateway_app, KEMENSOS)))
    assert response.status == 400


@pytest.mark.parametrize("content_type,data", [
    ("text/plain", '{"query": "{ householdCounts(groupBy: []) { households } }"}'),
    ("application/x-www-form-urlencoded", "query=%7B+nodes+%7B+region+%7D+%7D"),
    ("multipart/form-data; boundary=x",
     '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n'
     '{"query": "{ nodes { region } }"}\r\n--x--\r\n'),
])
async def test_posts_must_be_json(gateway_app, content_type, data):
    response = await gateway_app.post("/graphql", data=data,
                                      headers={"Content-Type": content_type,
                                               **bearer(token_for(gateway_app, KEMENSOS))})
    assert response.status == 415
    login = await gateway_app.post("/auth/login", data="username=a&password=b",
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert login.status == 415


async def test_large_bodies_are_refused(gateway_app):
    padding = "#" * (2 * 1024 * 1024)  # the limit: 2 MiB, as a node's (a sanggah's photo)
    response = await gateway_app.post("/graphql", json={"query": WHO + padding},
                                      headers=bearer(token_for(gateway_app, KEMENSOS)))
    assert response.status == 413


async def test_get_never_mutates(gateway_app):
    token = token_for(gateway_app, KEMENSOS)
    response = await gateway_app.get("/graphql", params={"query": "mutation { x }"},
                                     headers=bearer(token))
    assert response.status in (400, 405) and "not allowed" in (await response.text()).lower()
    query = await gateway_app.get("/graphql", params={"query": WHO}, headers=bearer(token))
    assert query.status == 200


async def test_internal_errors_are_masked_with_a_request_id(gateway_app, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError('SELECT nik FROM member WHERE secret = "x"')

    monkeypatch.setattr(household_service, "merge_pages", broken)
    response = await gateway_app.post(
        "/graphql", json={"query": "{ households { totalCount } }"},
        headers={**bearer(token_for(gateway_app, KEMENSOS)), "X-Request-Id": "req-42"})
    body = await response.json()
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INTERNAL", "requestId": "req-42"}
    assert "SELECT" not in str(body) and "Traceback" not in str(body)


async def test_login_rate_limit(cluster, dev_pki, tmp_path, aiohttp_client):
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster, login_rate="2/2")
    statuses = [(await client.post("/auth/login", json={"username": "a", "password": "b"})
                 ).status for _ in range(3)]
    assert statuses == [401, 401, 429]


async def test_public_rate_limit_spares_token_holders(cluster, dev_pki, tmp_path,
                                                      aiohttp_client):
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster, public_rate="2/2")
    anonymous = [(await client.post("/graphql", json={"query": WHO})).status for _ in range(3)]
    assert anonymous == [200, 200, 429]
    with_token = await client.post("/graphql", json={"query": WHO},
                                   headers=bearer(token_for(client, KEMENSOS)))
    assert with_token.status == 200


async def test_production_turns_off_introspection_suggestions_and_graphiql(
        cluster, dev_pki, tmp_path, aiohttp_client):
    for production in (False, True):
        (tmp_path / str(production)).mkdir()  # the gateway's SQLite folder must exist
        client = await secure_gateway(aiohttp_client, tmp_path / str(production), dev_pki,
                                      cluster, production=production)
        intro = await gql_as(client, "{ __schema { queryType { name } } }", KEMENSOS)
        typo = await gql_as(client, "{ householdCount(groupBy: []) { households } }", KEMENSOS)
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        if production:
            assert "errors" in intro and intro.get("data") is None
            assert "Did you mean" not in str(typo)
            assert page.status != 200 or "graphiql" not in (await page.text()).lower()
        else:
            assert intro["data"]["__schema"]["queryType"]["name"] == "Query"
            assert "Did you mean" in str(typo)
            assert page.status == 200 and "graphiql" in (await page.text()).lower()


async def test_strict_mode_refuses_the_whole_operation(gateway_app):
    query = ('{ households(filter: {region: "32.73.01.1001", name: "Siti Aminah"}) '
             "{ edges { node { status kkNumber } } } }")
    lenient = await gql_as(gateway_app, query, None)
    assert lenient["data"]["households"]["edges"][0]["node"] == {"status": "ACTIVE",
                                                                 "kkNumber": None}
    strict = await gql_as(gateway_app, query, None, headers={"X-SIKS-Strict": "1"})
    assert strict.get("data") is None and error_codes(strict) == ["FORBIDDEN_FIELD"]
    assert strict["errors"][0]["extensions"]["strict"] is True


async def test_cekbansos_the_public_searches_by_desa_and_full_name(gateway_app, cluster):
    """Anonymous status check as cekbansos: a desa and the full name as on the KTP (case,
    spaces, punctuation ignored), exact matches only; masked names and the aid status only;
    one node asked; no listing of the registry, no search by a part of a name."""
    listing = await gql_as(gateway_app, "{ households { edges { node { status } } } }", None)
    assert error_codes(listing) == ["FORBIDDEN"] and listing["data"]["households"] is None
    for region in ("32.73", "32.73.01"):
        wider = await gql_as(gateway_app, f'{{ households(filter: {{region: "{region}", '
                             'name: "Siti Aminah"}) { edges { node { status } } } }', None)
        assert error_codes(wider) == ["FORBIDDEN"]
    part = await gql_as(gateway_app, '{ households(filter: {region: "32.73.01.1001", '
                        'name: "ami"}) { edges { node { status } } } }', None)
    assert part["data"]["households"]["edges"] == []
    before = dict(cluster.requests)
    search = await gql_as(
        gateway_app, '{ households(filter: {region: "32.73.01.1001", name: "SITI  aminah"}) '
        "{ edges { node { status desaName head { name } programs { program active } } } } }",
        None)
    assert "errors" not in search, search
    assert search["data"]["households"]["edges"] == [{"node": {
        "status": "ACTIVE", "desaName": search["data"]["households"]["edges"][0]["node"][
            "desaName"], "head": {"name": "SIT* AMI***"},
        "programs": [{"program": "PKH", "active": True}]}}]
    assert {r: n - before.get(r, 0) for r, n in cluster.requests.items()
            if n != before.get(r, 0)} == {"32.73": 1}
    personal = await gql_as(gateway_app, '{ households(filter: {region: "32.73.01.1001", '
                            'name: "Siti Aminah"}) { edges { node { kkNumber address '
                            "head { nik } } } } }", None)
    node = personal["data"]["households"]["edges"][0]["node"]
    assert node == {"kkNumber": None, "address": None, "head": {"nik": None}}
    assert sorted(error_codes(personal)) == ["FORBIDDEN_FIELD"] * 3
