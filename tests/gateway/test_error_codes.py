"""Security review (issue 16) item 15 through the gateway: parse and validation refusals carry
a code; a query whose node form would break the nodes' cost limit (the gateway adds ids,
cursors and sort keys) is QUERY_TOO_COMPLEX at the gateway, not NODE_ERROR; a row outside
the scope is OUT_OF_SCOPE; errors follow their paths; and
``application/graphql-response+json`` is answered."""

from __future__ import annotations

import json

import pytest
from graphql import parse

from gateway.entrypoints.graphql.schema import IMPLIED_FIELDS, LIST_SIZES, MAX_COST, build_schema
from gateway.errors import NodeQueryTooComplex
from gateway.federation.node_client import _parse_answer
from gateway.federation.node_queries import HouseholdSelection, households_document
from regional_node.entrypoints.graphql.schema import LIST_SIZES as NODE_LIST_SIZES
from regional_node.entrypoints.graphql.schema import build_schema as node_schema
from schema.roles import Principal, Role
from service_kit.graphql_cost import query_cost
from tests import factories
from tests.gateway.identity_helpers import KEMENSOS, error_codes, gql_as, secure_gateway
from tests.node.helpers import store

GRAPHQL_RESPONSE = "application/graphql-response+json"
OPERATOR = Principal("user:op-1001", Role.OPERATOR_DESA, "32.73.01.1001")
MEMBERS = "nik name birthDate sex relationship"
# 21,501 by the client's selection alone, 29,501 as the nodes are asked (limit 25,000)
HEAVY = f"{{ households(first: 500) {{ edges {{ node {{ members {{ {MEMBERS} }} }} }} }} }}"


@pytest.fixture
async def gateway(cluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    return await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)


async def test_parse_and_validation_refusals_carry_a_code(gateway):
    refusals = {"{ households { ": ("GRAPHQL_PARSE_FAILED", None),
                "{ householdz { totalCount } }": ("GRAPHQL_VALIDATION_FAILED", None),
                "{ " + "nodes { region } " * 700 + "}": ("QUERY_TOO_COMPLEX", "tokens")}
    for query, (code, reason) in refusals.items():
        body = await gql_as(gateway, query, KEMENSOS)
        assert body.get("data") is None, body
        assert [(e["extensions"]["code"], e["extensions"].get("reason"))
                for e in body["errors"]] == [(code, reason)], body


async def test_what_nodes_would_refuse_by_cost_is_refused_at_the_gateway(gateway):
    body = await gql_as(gateway, HEAVY, KEMENSOS)
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"], body
    assert body["errors"][0]["extensions"]["cost"] > MAX_COST
    assert body.get("data") is None


def _gateway_cost(query: str) -> int:
    return query_cost(build_schema()._schema, parse(query), {}, sizes=LIST_SIZES,
                      default_list_size=10, implied=IMPLIED_FIELDS)


def _node_cost(selection: HouseholdSelection, sort_key: str) -> int:
    document = households_document(selection, total=True, sort_key=sort_key)
    return query_cost(node_schema()._schema, parse(document), {"first": 500},
                      sizes=NODE_LIST_SIZES, default_list_size=10)


@pytest.mark.parametrize(("query", "selection"), [
    (HEAVY, HouseholdSelection(members=True, role=Role.KEMENSOS, household_fields=frozenset(),
                               member_fields=frozenset(MEMBERS.split()))),
    ("{ households(first: 500) { edges { node { kkNumber head { nik } programs { program } } } } }",
     HouseholdSelection(members=True, programs=True, role=Role.KEMENSOS,
                        household_fields=frozenset({"kkNumber"}),
                        member_fields=frozenset({"nik"}), program_fields=frozenset({"program"}))),
    ("{ households(first: 500) { totalCount edges { cursor node { id desil } } } }",
     HouseholdSelection(role=Role.KEMENSOS, household_fields=frozenset({"id", "desil"}))),
])
def test_the_gateway_estimate_bounds_what_the_nodes_are_asked(query, selection):
    assert _gateway_cost(query) >= _node_cost(selection, sort_key="kkNumber")


def test_a_node_refusing_by_cost_is_query_too_complex_not_node_error():
    answer = json.dumps({"data": None, "errors": [{"message": "too expensive", "extensions": {
        "code": "QUERY_TOO_COMPLEX", "cost": 30000, "limit": 25000}}]})
    with pytest.raises(NodeQueryTooComplex) as refused:
        _parse_answer("32.73", 200, answer)
    assert (refused.value.code, refused.value.region) == ("QUERY_TOO_COMPLEX", "32.73")


async def test_out_of_scope_and_errors_in_path_order(gateway, cluster):
    [elsewhere] = await store(cluster.nodes["32.73"].database,
                              [factories.household("32.73.02.1001")])
    # `a` is refused by the node (after a call), `b` at once: completed second, reported first
    body = await gql_as(gateway, """query($id: ID!) { a: household(id: $id) { kkNumber }
        b: household(id: "32.73:³") { kkNumber } }""", OPERATOR, id=f"32.73:{elsewhere}")
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["a"], "OUT_OF_SCOPE"), (["b"], "INVALID_INPUT")], body
    outside = await gql_as(gateway, '{ households(filter: {region: "35.78"}) { totalCount } }',
                           OPERATOR)
    assert error_codes(outside) == ["OUT_OF_SCOPE"]


async def test_graphql_response_json_when_accepted(gateway):
    headers = {"Accept": GRAPHQL_RESPONSE}
    ok = await gateway.post("/graphql", json={"query": "{ nodes { region } }"}, headers=headers)
    assert (ok.status, ok.content_type) == (200, GRAPHQL_RESPONSE)
    assert "data" in await ok.json(content_type=None)
    for query in ("{ nodes { ", "{ nodez { region } }"):
        refused = await gateway.post("/graphql", json={"query": query}, headers=headers)
        body = await refused.json(content_type=None)
        assert (refused.status, refused.content_type) == (400, GRAPHQL_RESPONSE)
        assert "data" not in body and body["errors"][0]["extensions"]["code"].startswith(
            "GRAPHQL_")
    legacy = await gateway.post("/graphql", json={"query": "{ nodez { region } }"})
    assert (legacy.status, legacy.content_type) == (200, "application/json")
    assert (await legacy.json())["data"] is None
