"""A partner ministry (MITRA) sees only the memberships of its own programs, and the gateway
enforces that itself (``gateway/service_layer/program_scope.py``, the node's rule
``schema.scope.memberships_in_scope``): with real nodes over mTLS, on the full GraphQL path
and the pass-through path (two gateways over the same nodes, answers compared), also when a
node over-answers (its program scope switched off, or it is told the caller is Kemensos).
Counts by program are limited the same way (``schema.disclosure``;
tests/gateway/test_disclosure.py)."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

import regional_node.entrypoints.graphql.types as node_types
from gateway.entrypoints.app import SERVICES
from gateway.federation.deadline import Deadline
from gateway.federation.fanout import RequestScope
from gateway.federation.node_client import CallMeta
from schema.enums import Program
from schema.policy import ROLE_POLICIES
from schema.roles import Principal, Role
from tests import factories
from tests.gateway.cluster import desa_codes
from tests.gateway.identity_helpers import DINSOS_BANDUNG, KEMENSOS, MITRA, gql_as
from tests.gateway.test_pass_through import ClaimsKemensos, _both, _gateways
from tests.node.helpers import store

DESA = "32.73.01.1001"
PERSON = """query($nik: String!) { person(nik: $nik) { nik household { status
    programs(activeOnly: false) { program period active } current: programs { program }
    ... on Household { again: programs { program } } } } }"""
LIST = """query($program: Program) { households(first: 20, filter: {program: $program}) {
    totalCount edges { node { id region status programs(activeOnly: false) { program }
    current: programs { program } } } } }"""
NODE_LIST = """query($program: Program) { households(first: 20, filter: {program: $program}) {
    edges { node { status programs { program } } } } }"""
ONE = "query($id: ID!) { household(id: $id) { id status programs { program active } } }"
PROGRAM_LISTS = ("programs", "current", "again")
PKH, BPNT = Program.PKH.value, Program.BPNT.value
BOTH = [Program.PKH, Program.BPNT]


@pytest.fixture
async def gateways(cluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    """Two gateways (pass-through on / off) over nodes holding PKH and BPNT households; one
    NIK the directory knows, one it learns only by a scatter (stored after the refresh)."""
    bandung = [factories.household(DESA, members=3, head_name="Siti Aminah", programs=BOTH),
               factories.household(DESA, members=2, head_name="Siti Rahma",
                                   programs=[Program.BPNT])]
    ids = await store(cluster.nodes["32.73"].database, bandung)
    [kab_bandung] = desa_codes("32.04", 1)
    other = await store(cluster.nodes["32.04"].database,
                        [factories.household(kab_bandung, head_name="Siti Cileunyi",
                                             programs=BOTH)], "32.04")
    await store(cluster.nodes["35.78"].database,
                [factories.household("35.78.01.1001", head_name="Siti Surabaya",
                                     programs=[Program.BPNT])], "35.78")
    fast, full = await _gateways(cluster, dev_pki, tmp_path, aiohttp_client)
    late = factories.household("35.78.01.1001", head_name="Siti Baru", programs=BOTH)
    await store(cluster.nodes["35.78"].database, [late], "35.78")  # not in the directory
    return fast, full, {"hit": bandung[0].members[1].nik, "miss": late.members[0].nik,
                        "hid": f"32.73:{ids[0]}", "bpnt_only": f"32.73:{ids[1]}",
                        "other": f"32.04:{other[0]}"}


async def ask_node(client: TestClient, region: str, query: str, principal: Principal,
                   **variables: Any) -> tuple[dict[str, Any] | None, list[str | None]]:
    """What the real node of ``region`` answers ``principal`` (a token the gateway signs)."""
    scope = RequestScope(Deadline.after_ms(5000), CallMeta("test-direct", principal))
    data = await client.app[SERVICES].federation.route(region, query, variables, scope)
    return data, [f.error.node_code for f in scope.report.failures]


def _program_sets(household: dict[str, Any]) -> dict[str, set[str]]:
    return {key: {p["program"] for p in household[key]} for key in PROGRAM_LISTS
            if key in household}


def _node_ignores_program_scope(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our own node, misbehaving: every membership to everyone (a bug, an old version)."""
    monkeypatch.setattr(node_types, "memberships_in_scope",
                        lambda principal, rows, program_of: list(rows))


def _node_told_caller_is_kemensos(clients: tuple[TestClient, ...]) -> None:
    """The node is told the caller is national staff (a compromised node acts the same)."""
    for client in clients:
        node_client = client.app[SERVICES].federation.client
        node_client._user_context = ClaimsKemensos(node_client._user_context)


async def test_a_partner_sees_only_its_programs(gateways) -> None:
    fast, full, ids = gateways
    for lookup in ("hit", "miss"):  # one node through the directory; a scatter
        body = await _both(fast, full, PERSON, MITRA, nik=ids[lookup])
        assert "errors" not in body, body
        assert body["extensions"]["nikDirectory"]["lookup"] == lookup
        household = body["data"]["person"]["household"]
        assert _program_sets(household) == {key: {PKH} for key in PROGRAM_LISTS}
        assert household["programs"] == [{"program": PKH, "period": "2026-S1", "active": True}]


async def test_the_partner_limit_matches_the_node(gateways) -> None:
    """Asked directly as the partner, the node gives the same memberships."""
    fast, _, ids = gateways
    query = "query($nik: String!) { person(nik: $nik) { household { programs { program } } } }"
    direct, codes = await ask_node(fast, "32.73", query, MITRA, nik=ids["hit"])
    assert codes == [] and direct is not None
    through = await gql_as(fast, query, MITRA, nik=ids["hit"])
    assert through["data"] == direct == {"person": {"household": {
        "programs": [{"program": PKH}]}}}


async def test_lists_and_one_household_are_refused_to_a_partner_as_at_the_node(gateways
                                                                              ) -> None:
    """A partner filtering households by a program (its own or not), or asking for one
    household: FORBIDDEN_FIELD, as the node answers; no node is asked by the gateway."""
    fast, full, ids = gateways
    for program in (BPNT, PKH, None):
        body = await _both(fast, full, LIST, MITRA, program=program)
        assert body["data"] == {"households": None}
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "FORBIDDEN_FIELD", "field": "Query.households", "role": "MITRA"}]
        _, codes = await ask_node(fast, "32.73", NODE_LIST, MITRA, program=program)
        assert codes == ["FORBIDDEN_FIELD"]
    body = await _both(fast, full, ONE, MITRA, id=ids["bpnt_only"])
    assert body["data"] == {"household": None}
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN_FIELD"
    _, codes = await ask_node(fast, "32.73", ONE, MITRA, id=ids["bpnt_only"].split(":")[1])
    assert codes == ["FORBIDDEN_FIELD"]


async def test_counts_of_another_program_are_refused_as_at_the_node(gateways) -> None:
    """A partner counting by a program outside its own: refused, by the gateway before any
    node (and by the node asked directly); by program, only its programs' cells."""
    fast, full, _ = gateways
    query = """query($program: Program) { householdCounts(groupBy: [PROGRAM],
        filter: {program: $program}) { program households } }"""
    for program in (Program.PIP.value, Program.PBI_JK.value):
        body = await _both(fast, full, query, MITRA, program=program)
        assert body["data"] is None
        assert [e["extensions"] for e in body["errors"]] == [
            {"code": "FORBIDDEN", "reason": "program_scope"}]
        _, codes = await ask_node(fast, "32.73", query, MITRA, program=program)
        assert codes == ["FORBIDDEN"]
    direct, codes = await ask_node(fast, "32.73", query, MITRA)
    assert codes == [] and direct is not None
    assert {g["program"] for g in direct["householdCounts"]} <= {PKH}  # small cells: none


@pytest.mark.parametrize("misbehaviour", ["ignores_program_scope", "told_caller_is_kemensos"])
async def test_a_node_that_over_answers_leaks_no_other_program(
        gateways, monkeypatch, caplog, misbehaviour: str) -> None:
    fast, full, ids = gateways
    if misbehaviour == "ignores_program_scope":
        _node_ignores_program_scope(monkeypatch)
    else:
        _node_told_caller_is_kemensos((fast, full))
    query = "query($nik: String!) { person(nik: $nik) { household { programs { program } } } }"
    direct, _ = await ask_node(fast, "32.73", query, MITRA, nik=ids["hit"])
    assert direct is not None
    assert {p["program"] for p in direct["person"]["household"]["programs"]} == {PKH, BPNT}
    caplog.set_level(logging.WARNING, logger="siks.gateway.policy")
    for lookup in ("hit", "miss"):
        body = await _both(fast, full, PERSON, MITRA, nik=ids[lookup])
        assert "errors" not in body, body
        household = body["data"]["person"]["household"]
        assert _program_sets(household) == {key: {PKH} for key in PROGRAM_LISTS}
    dropped = [r for r in caplog.records if r.name == "siks.gateway.policy"]
    assert {getattr(r, "region", None) for r in dropped} == {"32.73", "35.78"}


async def test_lists_and_one_household_are_limited_too(gateways, monkeypatch) -> None:
    """Should the table ever give a program-limited role lists (here Dinas Sosial of the
    province, for this test only), a node that over-answers still leaks nothing: the list
    across nodes, one household, both paths."""
    fast, full, ids = gateways
    monkeypatch.setitem(ROLE_POLICIES, Role.DINSOS,
                        dataclasses.replace(ROLE_POLICIES[Role.DINSOS], programs_limited=True))
    _node_ignores_program_scope(monkeypatch)
    limited = Principal("user:dinsos-32-pkh", Role.DINSOS, "32", programs=("PKH",))
    for program in (None, BPNT):
        body = await _both(fast, full, LIST, limited, program=program)
        assert "errors" not in body, body
        edges = body["data"]["households"]["edges"]
        assert {e["node"]["region"] for e in edges} == {"32.73", "32.04"}  # across nodes
        for edge in edges:
            assert set().union(*_program_sets(edge["node"]).values()) <= {PKH}
        bpnt_only = [e for e in edges if e["node"]["id"] == ids["bpnt_only"]]
        assert [e["node"]["programs"] for e in bpnt_only] == [[]]  # listed, no membership
    for hid in (ids["hid"], ids["other"], ids["bpnt_only"]):
        body = await _both(fast, full, ONE, limited, id=hid)
        assert "errors" not in body, body
        assert {p["program"] for p in body["data"]["household"]["programs"]} <= {PKH}


async def test_other_roles_see_every_program(gateways, monkeypatch) -> None:
    fast, full, ids = gateways
    _node_ignores_program_scope(monkeypatch)  # changes nothing for them
    person = await _both(fast, full, PERSON, KEMENSOS, nik=ids["hit"])
    assert _program_sets(person["data"]["person"]["household"]) == {
        key: {PKH, BPNT} for key in PROGRAM_LISTS}
    regional = await _both(fast, full, LIST, DINSOS_BANDUNG, program=BPNT)
    assert {p["program"] for e in regional["data"]["households"]["edges"]
            for p in e["node"]["programs"]} == {PKH, BPNT}
    search = """{ households(first: 5, filter: {region: "32.73.01.1001", name: "Siti Aminah"}) {
        edges { node { programs { program } } } } }"""
    public = await _both(fast, full, search, None)
    assert {p["program"] for e in public["data"]["households"]["edges"]
            for p in e["node"]["programs"]} == {PKH, BPNT}
