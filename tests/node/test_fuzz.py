"""Fuzz the node with generated queries (hypothesis-graphql) as several roles, with real
tokens: no 5xx, no unmasked or internal error, and no field outside the policy in any answer.
Bounded: a fixed number of examples per role (about 15 s each on SQLite)."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis_graphql import queries

from regional_node.entrypoints.graphql.schema import build_schema
from schema.enums import Program
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import bearer, store, token_for
from tests.node.policy_walk import check_response

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

EXAMPLES = 120
ROLES = {
    "DINSOS": Principal("user:fuzz-dinsos", Role.DINSOS, "32.73"),
    "OPERATOR_DESA": Principal("user:fuzz-op", Role.OPERATOR_DESA, "32.73.01.1001"),
    "MITRA": Principal("gw#fuzz-mitra", Role.MITRA, programs=("PKH",)),
    "KEMENSOS": Principal("gw#fuzz-kemensos", Role.KEMENSOS),
    "PUBLIC": None,
}
# Codes a well-behaved answer may carry; INTERNAL (a bug) is not among them.
EXPECTED_CODES = {"INVALID_INPUT", "INVALID_REGION", "INVALID_NIK", "INVALID_KK",
                  "INVALID_CURSOR", "OUT_OF_REGION", "OUT_OF_SCOPE", "FORBIDDEN",
                  "FORBIDDEN_FIELD", "QUERY_TOO_COMPLEX", "NOT_FOUND",
                  "GRAPHQL_VALIDATION_FAILED", "GRAPHQL_PARSE_FAILED"}  # every error has one
SCHEMA = build_schema()._schema


@pytest.fixture
async def seeded(node_client, node_database):  # type: ignore[no-untyped-def]
    await store(node_database, [
        factories.household("32.73.01.1001", head_name="Siti Aminah", programs=(Program.PKH,)),
        factories.household("32.73.02.1001", head_name="Budi Santoso", members=4)])
    return node_client


@pytest.mark.parametrize("role", list(ROLES))
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(query=queries(SCHEMA, allow_x00=False, codec="utf-8"))
async def test_fuzzed_queries_stay_inside_the_policy(seeded, role: str, query: str) -> None:
    principal = ROLES[role]
    started = time.monotonic()
    token = token_for(seeded, principal) if principal else None
    response = await seeded.post("/graphql", json={"query": query}, headers=bearer(token))
    text = await response.text()
    assert response.status < 500, (query, text)
    assert "Traceback" not in text and "sqlalchemy" not in text.lower(), (query, text)
    if response.status == 429:
        return
    body = json.loads(text)
    if isinstance(body, dict):
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        assert codes <= EXPECTED_CODES, (query, body)
        assert check_response(SCHEMA, principal.role if principal else Role.PUBLIC, query,
                              body) == [], (query, body)
    assert time.monotonic() - started < 10
