"""Aggregates and filters are data too, through the gateway (security review #16, items 1-6;
the node's side: tests/node/test_disclosure.py). Real node apps over mutual TLS, real gateway
tokens, the gateway's own rollups.

Who is where: in Kota Bandung (32.73) Siti Aminah's household (desa 32.73.01.1001, desil 3,
four members, PKH, BPNT, PBI-JK and PIP), eleven active households in desa 32.73.01.1002 in
the same four programs and three inactive ones (PKH); in Kab. Bandung (32.04) four active PKH
households (a small cell of its own); in Surabaya (35.78) ten active PKH + BPNT households.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from gateway.entrypoints.app import OPS, SERVICES, refresh_snapshots
from schema.enums import HouseholdStatus, Program
from schema.identity_numbers import Sex, make_nik
from schema.policy import FIELD_POLICY, OPEN
from schema.roles import Principal, Role
from tests import factories
from tests.gateway.cluster import NodeCluster, desa_codes
from tests.gateway.identity_helpers import (
    DINSOS_BANDUNG,
    KEMENSOS,
    bearer,
    gql_as,
    secure_gateway,
    token_for,
)
from tests.gateway.test_pass_through import ClaimsKemensos
from tests.node.helpers import store

TARGET_DESA = "32.73.01.1001"
CROWD_DESA = "32.73.01.1002"
FOUR = (Program.PKH, Program.BPNT, Program.PBI_JK, Program.PIP)
MITRA = Principal("user:mitra-kementan", Role.MITRA, programs=("PKH", "BPNT"))
OPERATOR_CROWD = Principal("user:operator-crowd", Role.OPERATOR_DESA, CROWD_DESA)
ITEM_1 = """{ householdCounts(groupBy: [DESA, DESIL], filter: {name: "Siti Aminah"}) {
    desaCode desil households members } }"""


@pytest.fixture
async def national(cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    target = factories.household(TARGET_DESA, members=4, head_name="Siti Aminah", desil=3,
                                 programs=FOUR)
    crowd = [factories.household(CROWD_DESA, head_name=f"Warga {i}", programs=FOUR)
             for i in range(11)]
    inactive = [factories.household("32.73.02.1001", head_name=f"Pindah {i}",
                                    status=HouseholdStatus.INACTIVE, programs=(Program.PKH,))
                for i in range(3)]
    await store(cluster.nodes["32.73"].database, [target, *crowd, *inactive])
    [kab_bandung] = desa_codes("32.04", 1)
    await store(cluster.nodes["32.04"].database,
                [factories.household(kab_bandung, head_name=f"Cileunyi {i}",
                                     programs=(Program.PKH,)) for i in range(4)], "32.04")
    surabaya = [factories.household("35.78.01.1001", head_name=f"Suroboyo {i}",
                                    programs=(Program.PKH, Program.BPNT)) for i in range(10)]
    await store(cluster.nodes["35.78"].database, surabaya, "35.78")
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    await refresh_snapshots(client.app[SERVICES])  # rollups + NIK directory
    return client, {"target": target, "crowd": crowd, "surabaya": surabaya}


def _refusal(body: dict[str, Any]) -> dict[str, Any]:
    """The extensions of the one error of a refused root field (and no data)."""
    assert not any((body.get("data") or {}).values()), body
    [error] = body["errors"]
    return dict(error["extensions"])


async def _asking_no_node(cluster: NodeCluster, client: TestClient, query: str,
                          principal: Principal | None, **variables: Any) -> dict[str, Any]:
    before = sum(cluster.requests.values())
    body = await gql_as(client, query, principal, **variables)
    assert sum(cluster.requests.values()) == before, "a node was asked"
    return body


async def _counts(client: TestClient, query: str, principal: Principal | None,
                  **variables: Any) -> list[dict[str, Any]]:
    body = await gql_as(client, query, principal, **variables)
    assert "errors" not in body, body
    return list(body["data"]["householdCounts"])


@pytest.mark.parametrize("principal", [None, MITRA], ids=["public", "partner"])
async def test_item_1_counts_filtered_by_a_name_are_refused_before_any_node(
        national, cluster, principal) -> None:
    client, _ = national
    extensions = _refusal(await _asking_no_node(cluster, client, ITEM_1, principal))
    assert extensions["code"] == "FORBIDDEN" and extensions["reason"] == "filter_policy"
    assert await _counts(client, ITEM_1, KEMENSOS) == [
        {"desaCode": TARGET_DESA, "desil": 3, "households": 1, "members": 4}]


async def test_item_2_a_partner_counts_only_its_programs_and_no_place(national,
                                                                      cluster) -> None:
    client, _ = national
    query = "{ householdCounts(groupBy: [PROGRAM]) { program households } }"
    body = await gql_as(client, query, MITRA)
    assert body["data"]["householdCounts"] == [{"program": "BPNT", "households": 22},
                                               {"program": "PKH", "households": 22}]
    assert body["extensions"]["counts"] == [{"field": "householdCounts", "source": "rollup",
                                             "refreshed": [], "withheldBelow": 10}]
    assert {g["program"] for g in await _counts(client, query, None)} == {
        "PKH", "BPNT", "PBI_JK", "PIP"}  # the public sees every program's statistics
    assert await _counts(client, query, KEMENSOS) == [  # exact: every cell, small ones too
        {"program": "BPNT", "households": 22}, {"program": "PBI_JK", "households": 12},
        {"program": "PIP", "households": 12}, {"program": "PKH", "households": 29}]
    refused = {
        '{ householdCounts(groupBy: [], filter: {program: PIP}) { households } }':
            {"code": "FORBIDDEN", "reason": "program_scope"},
        '{ householdCounts(groupBy: [PROGRAM], filter: {name: "Siti Aminah"}) { program } }':
            "Member.name",
        "{ householdCounts(groupBy: [DESA]) { households } }": "HouseholdCount.desaCode",
        "{ householdCounts(groupBy: [KECAMATAN]) { households } }":
            "HouseholdCount.kecamatanCode",
        "{ householdCounts(groupBy: [DESIL]) { households } }": "HouseholdCount.desil",
        '{ householdCounts(groupBy: [], filter: {region: "32.73.01"}) { households } }':
            "HouseholdCount.kecamatanCode",
    }
    for refused_query, expected in refused.items():
        extensions = _refusal(await _asking_no_node(cluster, client, refused_query, MITRA))
        assert (extensions if isinstance(expected, dict) else extensions["field"]) == expected


@pytest.mark.parametrize("principal", [None, MITRA], ids=["public", "partner"])
async def test_rollups_withhold_small_cells_and_totals_cannot_be_differenced(
        national, cluster, principal) -> None:
    """Kab. Bandung's four households and Kota Bandung's three inactive ones are cells of
    fewer than 10: withheld, and left out of every total, so province 32 minus kab/kota 32.73
    is nothing, not 4."""
    client, _ = national
    by = "query($f: HouseholdFilter) { householdCounts(groupBy: [%s], filter: $f) { %s } }"
    assert await _counts(client, by % ("KABKOTA", "kabkotaCode households"), principal) == [
        {"kabkotaCode": "32.73", "households": 12}, {"kabkotaCode": "35.78", "households": 10}]
    assert await _counts(client, by % ("PROVINCE", "provinceCode households"), principal) == [
        {"provinceCode": "32", "households": 12}, {"provinceCode": "35", "households": 10}]
    assert await _counts(client, by % ("", "households"), principal) == [{"households": 22}]
    assert await _counts(client, by % ("STATUS", "status households"), principal) == [
        {"status": "ACTIVE", "households": 22}]
    for flt in ({"region": "32.04"}, {"status": "INACTIVE"}):
        assert await _counts(client, by % ("", "households"), principal, f=flt) == []
    # a refresh the public or a partner asks for stores the gateway's exact counts
    await _counts(client, "{ householdCounts(groupBy: [KABKOTA], maxAgeSeconds: 0) "
                          "{ households } }", principal)
    assert await _counts(client, by % ("KABKOTA", "kabkotaCode households"), KEMENSOS) == [
        {"kabkotaCode": "32.04", "households": 4}, {"kabkotaCode": "32.73", "households": 15},
        {"kabkotaCode": "35.78", "households": 10}]


async def test_live_counts_withhold_the_same_cells_even_if_a_node_does_not(
        national, cluster, monkeypatch) -> None:
    """Were the table to give the public counts by kecamatan, its grain would be finer than
    the rollups': counted live, each node's cells withheld by the node and again by the
    gateway (a node told the caller is Kemensos counts exactly; nothing more leaks)."""
    client, _ = national
    monkeypatch.setitem(FIELD_POLICY["HouseholdCount"], "kecamatanCode", OPEN)  # type: ignore[index]
    query = "{ householdCounts(groupBy: [KABKOTA]) { kabkotaCode households } }"
    expected = [{"kabkotaCode": "32.73", "households": 12},
                {"kabkotaCode": "35.78", "households": 10}]
    body = await gql_as(client, query, None)
    assert body["extensions"]["counts"][0]["source"] == "live"
    assert body["data"]["householdCounts"] == expected
    node_client = client.app[SERVICES].federation.client
    node_client._user_context = ClaimsKemensos(node_client._user_context)
    assert await _counts(client, query, None) == expected
    by_kecamatan = await _counts(client, "{ householdCounts(groupBy: [KECAMATAN]) "
                                         "{ kecamatanCode households } }", None)
    assert by_kecamatan == [{"kecamatanCode": "32.73.01", "households": 12},
                            {"kecamatanCode": "35.78.01", "households": 10}]


SEARCH = """query($region: String, $name: String, $desil: Int) {
  households(filter: {region: $region, name: $name, desilMax: $desil}) {
    totalCount edges { node { status head { name } programs { program } } } } }"""


async def test_item_3_the_public_cannot_filter_by_desil(national, cluster) -> None:
    client, _ = national
    for desil in (1, 3, 10):
        body = await _asking_no_node(cluster, client, SEARCH, None, region=TARGET_DESA,
                                     name="Siti Aminah", desil=desil)
        assert _refusal(body)["field"] == "Household.desil"


async def test_item_4_the_public_search_wants_a_desa_and_the_full_name(national,
                                                                       cluster) -> None:
    client, _ = national
    kecamatan = await _asking_no_node(cluster, client, SEARCH, None, region="32.73.01",
                                      name="Siti Aminah")
    assert _refusal(kecamatan) == {"code": "FORBIDDEN", "reason": "search_required"}
    for fragment in ("sit", "Siti", "Warga 1"):
        body = await gql_as(client, SEARCH, None, region=TARGET_DESA, name=fragment)
        assert body["data"]["households"] == {"totalCount": 0, "edges": []}, fragment
    before = dict(cluster.requests)
    found = await gql_as(client, SEARCH, None, region=TARGET_DESA, name="  SITI aminah. ")
    assert found["data"]["households"] == {"totalCount": 1, "edges": [{"node": {
        "status": "ACTIVE", "head": {"name": "SIT* AMI***"},
        "programs": [{"program": p.value} for p in FOUR]}}]}
    assert {r: n - before.get(r, 0) for r, n in cluster.requests.items()
            if n != before.get(r, 0)} == {"32.73": 1}  # one node asked


async def test_item_5_outside_the_scope_a_nik_is_answered_as_unknown(national) -> None:
    client, people = national
    query = "query($nik: String!) { person(nik: $nik) { name } }"
    surabaya = people["surabaya"][0].members[0].nik  # the directory places it in 35.78
    other_desa = people["target"].members[0].nik  # in 32.73, outside the operator's desa
    unknown = make_nik("32.73.01", dt.date(1977, 7, 7), Sex.FEMALE, 9876)
    for principal, niks in ((OPERATOR_CROWD, (surabaya, other_desa, unknown)),
                            (DINSOS_BANDUNG, (surabaya, unknown))):
        answers = [await gql_as(client, query, principal, nik=nik) for nik in niks]
        assert all(answer == answers[-1] for answer in answers), answers
        assert answers[-1]["data"] == {"person": None} and "errors" not in answers[-1]
        assert answers[-1]["extensions"]["nikDirectory"] == {"lookup": "miss",
                                                             "fallback": "scatter"}
    own = people["crowd"][0].members[0]
    mine = await gql_as(client, query, OPERATOR_CROWD, nik=own.nik)
    assert mine["data"] == {"person": {"name": own.name}}
    assert mine["extensions"]["nikDirectory"]["lookup"] == "hit"


async def test_item_6_metrics_need_a_kemensos_token_or_the_ops_listener(
        cluster, dev_pki, tmp_path, aiohttp_client) -> None:
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster, metrics_port=0)
    anonymous = await client.get("/metrics")
    assert anonymous.status == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert "siks_gateway" not in await anonymous.text()
    for principal in (MITRA, DINSOS_BANDUNG):
        refused = await client.get("/metrics", headers=bearer(token_for(client, principal)))
        assert refused.status == 403 and "siks_gateway" not in await refused.text()
    allowed = await client.get("/metrics", headers=bearer(token_for(client, KEMENSOS)))
    assert allowed.status == 200
    assert 'siks_gateway_circuit_open{region="32.73"} 0' in await allowed.text()
    host, port = client.app[OPS].addresses[0][:2]
    assert host == "127.0.0.1"
    async with aiohttp.ClientSession() as http, http.get(
            f"http://{host}:{port}/metrics") as scraped:
        assert scraped.status == 200
        assert 'siks_gateway_circuit_open{region="32.73"} 0' in await scraped.text()


async def test_the_demos_public_example_finds_a_household_of_the_demo(
        cluster, dev_pki, tmp_path, aiohttp_client) -> None:
    """What ``siks demo`` prints for the public is a search under the new rule (a desa and a
    full name) that finds a household of the node it names (a head the demo looks up)."""
    from regional_node.service_layer.synthetic import generate_households
    from siks import demo_gateway

    logins = demo_gateway.demo_logins(("32.73", "35.78", "53.71"))
    first_desa = demo_gateway.login_of(logins, "32.73", Role.OPERATOR_DESA).scope
    demo = [r for r in generate_households("32.73", 500, 42) if r.desa_code == first_desa]
    await store(cluster.nodes["32.73"].database, demo)
    node_db = f"sqlite:///{cluster.workdir / '32.73.sqlite'}"
    printed = demo_gateway.login_help(logins, {lg.key: "-" for lg in logins},
                                      "http://127.0.0.1:8100/graphql", {}, tmp_path,
                                      public_example=await demo_gateway.a_public_example(
                                          node_db))
    example = printed[printed.index(next(line for line in printed
                                         if line.startswith("Tanpa token"))) + 1].strip()
    match = re.search(r'region: "([\d.]+)", name: "([^"]+)"', example)
    assert match is not None, example
    desa, name = match.groups()
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    body = await gql_as(client, example, None)
    assert "errors" not in body, body
    [edge] = body["data"]["households"]["edges"]
    assert any(m.name == name for r in demo for m in r.members)
    assert edge["node"]["head"]["name"].endswith("*")  # masked
    # the line before it lists the example's desa by name, as the public may ask
    by_name = next(line.strip() for line in printed if line.strip().startswith("{ desas("))
    listed = await gql_as(client, by_name, None)
    assert desa in {d["code"] for d in listed["data"]["desas"]}, listed
