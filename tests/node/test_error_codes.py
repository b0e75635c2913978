"""Security review (issue 16) item 15 at the node: every refusal carries an
``extensions.code`` (parse and validation refusals too), one code per situation
(OUT_OF_SCOPE for a row outside the user's scope, in queries as in mutations), errors in the
order of their paths, and GraphQL over HTTP's ``application/graphql-response+json``."""

from __future__ import annotations

from typing import Any

import pytest

from regional_node.config import NodeConfig
from regional_node.entrypoints.app import create_app
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import bearer, error_codes, gql, store

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

GRAPHQL_RESPONSE = "application/graphql-response+json"
OPERATOR = Principal("user:op-1001", Role.OPERATOR_DESA, "32.73.01.1001")
DEEP = ('{ person(nik: "3273015705900002") { ' + "household { members { " * 5 + "nik"
        + " } }" * 5 + " } }")
REFUSALS = {
    "{ node { ": {"code": "GRAPHQL_PARSE_FAILED"},
    "{ nodx { region } }": {"code": "GRAPHQL_VALIDATION_FAILED"},
    "{ node { region } household }": {"code": "GRAPHQL_VALIDATION_FAILED"},
    DEEP: {"code": "QUERY_TOO_COMPLEX", "reason": "depth"},
    "{ " + " ".join(f"a{i}: node {{ region }}" for i in range(31)) + " }":
        {"code": "QUERY_TOO_COMPLEX", "reason": "aliases"},
    "{ " + "node { region } " * 700 + "}": {"code": "QUERY_TOO_COMPLEX", "reason": "tokens"},
}


async def test_parse_and_validation_refusals_carry_a_code(node_client):
    for query, extensions in REFUSALS.items():
        body = await gql(node_client, query)
        assert body["errors"] and body.get("data") is None, body
        assert {k: body["errors"][0]["extensions"].get(k) for k in extensions} == extensions, (
            query[:40], body)
        assert all(e.get("extensions", {}).get("code") for e in body["errors"]), body


async def test_introspection_refused_in_production_carries_a_code(database_url, aiohttp_client,
                                                                  tmp_path):
    client = await aiohttp_client(create_app(NodeConfig(
        region="32.73", db_url=database_url, data_dir=str(tmp_path), production=True)))
    body = await gql(client, "{ __schema { queryType { name } } }", principal=None)
    assert {(e["extensions"]["code"], e["extensions"]["reason"]) for e in body["errors"]} == {
        ("GRAPHQL_VALIDATION_FAILED", "introspection")}


async def test_a_row_outside_the_scope_is_out_of_scope_and_errors_follow_their_paths(
        node_client, node_database):
    [elsewhere] = await store(node_database, [factories.household("32.73.02.1001")])
    # `a` fails after reading the row, `b` at once: completed first, reported second
    body = await gql(node_client, """query($id: ID!) { a: household(id: $id) { kkNumber }
        b: household(id: "³") { kkNumber } }""", principal=OPERATOR, id=str(elsewhere))
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["a"], "OUT_OF_SCOPE"), (["b"], "INVALID_INPUT")]
    outside = await gql(node_client, '{ households(filter: {region: "32.73.02"}) { totalCount } }',
                        principal=OPERATOR)
    assert error_codes(outside) == ["OUT_OF_SCOPE"]
    not_here = await gql(node_client, '{ households(filter: {region: "35.78"}) { totalCount } }',
                         principal=OPERATOR)
    assert error_codes(not_here) == ["OUT_OF_REGION"]  # this node does not serve it


async def _post(client: Any, body: Any, accept: str | None) -> Any:
    headers = {"Accept": accept} if accept else {}
    if isinstance(body, str):
        return await client.post("/graphql", data=body, headers={
            **headers, "Content-Type": "application/json"})
    return await client.post("/graphql", json=body, headers=headers)


async def test_graphql_response_json_when_accepted(node_client):
    ok = await _post(node_client, {"query": "{ node { region } }"}, GRAPHQL_RESPONSE)
    assert ok.status == 200 and ok.content_type == GRAPHQL_RESPONSE
    assert (await ok.json(content_type=None)) == {"data": {"node": {"region": "32.73"}}}
    for query in ("{ node { ", "{ nodx { region } }"):  # parse, validation: 400, no data
        refused = await _post(node_client, {"query": query}, GRAPHQL_RESPONSE)
        body = await refused.json(content_type=None)
        assert (refused.status, refused.content_type) == (400, GRAPHQL_RESPONSE)
        assert "data" not in body and body["errors"][0]["extensions"]["code"].startswith(
            "GRAPHQL_")
    malformed = await _post(node_client, "{not json", GRAPHQL_RESPONSE)
    body = await malformed.json(content_type=None)
    assert (malformed.status, malformed.content_type) == (400, GRAPHQL_RESPONSE)
    assert "data" not in body and body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    preferred = await _post(node_client, {"query": "{ node { region } }"},
                            f"application/json;q=0.9, {GRAPHQL_RESPONSE}")
    assert preferred.content_type == GRAPHQL_RESPONSE
    get = await node_client.get("/graphql", params={"query": "{ node { region } }"},
                                headers={"Accept": GRAPHQL_RESPONSE})
    assert (get.status, get.content_type) == (200, GRAPHQL_RESPONSE)
    bad_token = await node_client.post("/graphql", json={"query": "{ node { region } }"},
                                       headers={"Accept": GRAPHQL_RESPONSE,
                                                **bearer("not.a.token")})
    assert (bad_token.status, bad_token.content_type) == (401, GRAPHQL_RESPONSE)


async def test_application_json_stays_as_it_was(node_client):
    for accept in (None, "application/json", "*/*",
                   f"{GRAPHQL_RESPONSE};q=0.5, application/json"):
        refused = await _post(node_client, {"query": "{ nodx { region } }"}, accept)
        body = await refused.json()
        assert (refused.status, refused.content_type) == (200, "application/json"), accept
        assert body["data"] is None and error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    malformed = await _post(node_client, "{not json", None)
    assert (malformed.status, malformed.content_type) == (400, "application/json")
    assert error_codes(await malformed.json()) == ["BAD_REQUEST"]
