"""The national double-benefit overlap report through the gateway, with real node apps: the
rule table's Kemensos rules pushed down to every node as one count query, summed per
kab/kota, province and nationally; households for a HOUSEHOLD rule, persons for a PERSON
one (a person-level program against a household-level one); Kemensos only; a node down is
named, not silently left out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from gateway.adapters.rule_store import RuleStore
from gateway.entrypoints.app import SERVICES
from regional_node.domain.records import ProgramRecord
from schema.benefit_rules import ExclusionRule, RuleScope
from schema.enums import HouseholdStatus, Program
from tests import factories
from tests.gateway.cluster import NodeCluster
from tests.gateway.identity_helpers import KEMENSOS, MITRA, gql_as, secure_gateway
from tests.node.helpers import store

REPORT = """query($level: DataQualityLevel, $region: String) {
  benefitOverlaps(level: $level, region: $region) { regionCode program excludes scope count } }"""
RULES = [ExclusionRule("BLT", "PKH", RuleScope.HOUSEHOLD, "Permendes PDTT 7/2023"),
         ExclusionRule("PKH", "PIP", RuleScope.PERSON, "contoh / example"),
         ExclusionRule("KEMENAG_PIP", "PIP", RuleScope.PERSON, "a partner's: not counted")]


@pytest.fixture
async def client(cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client) -> Any:  # type: ignore[no-untyped-def]
    pupils = factories.household("32.73.01.1001", members=4, programs=(Program.PKH,))
    for pupil in pupils.members[2:]:  # two pupils of a PKH family with their own PIP
        pupils.programs.append(ProgramRecord(Program.PIP, "2026-S1", dt.date(2026, 1, 1),
                                             member_nik=pupil.nik))
    double = factories.household("32.73.01.1002", programs=(Program.PKH, Program.BLT))
    gone = factories.household("32.73.01.1003", programs=(Program.PKH, Program.BLT),
                               status=HouseholdStatus.INACTIVE)  # not counted
    kab_bandung = factories.household("32.04.05.2001", programs=(Program.BLT, Program.PKH))
    pip_only = factories.household("35.78.01.1001", members=2, programs=(Program.BLT,))
    pip_only.programs.append(ProgramRecord(Program.PIP, "2026-S1", dt.date(2026, 1, 1),
                                           member_nik=pip_only.members[1].nik))
    await store(cluster.nodes["32.73"].database, [pupils, double, gone])
    await store(cluster.nodes["32.04"].database, [kab_bandung], "32.04")
    await store(cluster.nodes["35.78"].database, [pip_only], "35.78")
    gateway = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    await RuleStore(gateway.app[SERVICES].database).replace(RULES, actor="test", role="KEMENSOS",
                                                            file_text="test")
    return gateway


def rows(body: dict[str, Any]) -> list[tuple[str | None, str, int]]:
    assert "errors" not in body, body
    return [(r["regionCode"], f"{r['program']} x {r['excludes']} {r['scope']}", r["count"])
            for r in body["data"]["benefitOverlaps"]]


async def test_overlaps_per_kabkota_province_and_nation(client, cluster) -> None:  # type: ignore[no-untyped-def]
    before = dict(cluster.requests)
    assert rows(await gql_as(client, REPORT, KEMENSOS)) == [
        ("32.04", "BLT x PKH HOUSEHOLD", 1), ("32.04", "PKH x PIP PERSON", 0),
        ("32.73", "BLT x PKH HOUSEHOLD", 1),  # the inactive household is not counted
        ("32.73", "PKH x PIP PERSON", 2),  # the two pupils, not their parents
        ("35.78", "BLT x PKH HOUSEHOLD", 0), ("35.78", "PKH x PIP PERSON", 0)]
    assert {r: n - before.get(r, 0) for r, n in cluster.requests.items()} == {
        "32.73": 1, "32.04": 1, "35.78": 1}  # one count query per node
    assert rows(await gql_as(client, REPORT, KEMENSOS, level="PROVINCE")) == [
        ("32", "BLT x PKH HOUSEHOLD", 2), ("32", "PKH x PIP PERSON", 2),
        ("35", "BLT x PKH HOUSEHOLD", 0), ("35", "PKH x PIP PERSON", 0)]
    assert rows(await gql_as(client, REPORT, KEMENSOS, level="NATIONAL")) == [
        (None, "BLT x PKH HOUSEHOLD", 2), (None, "PKH x PIP PERSON", 2)]
    assert rows(await gql_as(client, REPORT, KEMENSOS, level="NATIONAL", region="35")) == [
        (None, "BLT x PKH HOUSEHOLD", 0), (None, "PKH x PIP PERSON", 0)]


async def test_a_node_down_is_named(client, cluster: NodeCluster) -> None:  # type: ignore[no-untyped-def]
    await cluster.stop("32.04")
    body = await gql_as(client, REPORT, KEMENSOS, level="PROVINCE")
    assert [(r["regionCode"], r["count"]) for r in body["data"]["benefitOverlaps"]][:2] == [
        ("32", 1), ("32", 2)]
    assert [(e["extensions"]["code"], e["extensions"]["region"]) for e in body["errors"]] == [
        ("NODE_UNAVAILABLE", "32.04")]


@pytest.mark.parametrize("principal", [None, MITRA], ids=["public", "mitra"])
async def test_kemensos_only(client, cluster: NodeCluster, principal) -> None:  # type: ignore[no-untyped-def]
    before = sum(cluster.requests.values())
    body = await gql_as(client, REPORT, principal)
    assert body["data"] == {"benefitOverlaps": None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN_FIELD"]
    assert sum(cluster.requests.values()) == before


async def test_a_bad_region_is_refused(client, cluster: NodeCluster) -> None:  # type: ignore[no-untyped-def]
    before = sum(cluster.requests.values())
    body = await gql_as(client, REPORT, KEMENSOS, region="99")
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_REGION"]
    assert sum(cluster.requests.values()) == before
