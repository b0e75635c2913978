"""Targeting indicators at the node (docs/targeting.md) on the constructed data set of
tests/targeting_households.py, whose errors are known: per desa, kecamatan and the kab/kota;
the other period; a suspended membership left out; who may ask."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from regional_node.adapters.orm import Member
from schema.roles import Principal, Role
from tests.node.helpers import error_codes, gql, store
from tests.targeting_households import CIPAGANTI, S1, S2, SUKARASA, constructed

INDICATORS = """query T($period: String!, $level: TargetingLevel, $region: String) {
  targetingIndicators(period: $period, level: $level, region: $region) {
    regionCode households householdsNoDesil poorestHouseholds exclusionErrors exclusionRate
    desilDistribution { desil households }
    programs { program eligibleUpTo recipients inclusionErrors inclusionRate
               recipientsNoDesil eligibleHouseholds eligibleRecipients coverage }
  }
}"""


def by_region(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    assert "errors" not in body, body
    return {row["regionCode"]: row for row in body["data"]["targetingIndicators"]}


def program(row: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in row["programs"] if p["program"] == name)


async def test_known_errors_per_desa_and_kabkota(node_client, node_database) -> None:  # type: ignore[no-untyped-def]
    await store(node_database, constructed("32.73"))
    desas = by_region(await gql(node_client, INDICATORS, period=S1))
    sukarasa = desas[SUKARASA]
    assert (sukarasa["households"], sukarasa["householdsNoDesil"],
            sukarasa["poorestHouseholds"], sukarasa["exclusionErrors"],
            sukarasa["exclusionRate"]) == (20, 2, 15, 5, 0.3333)
    assert program(sukarasa, "PKH") == {
        "program": "PKH", "eligibleUpTo": 4, "recipients": 13, "inclusionErrors": 3,
        "inclusionRate": 0.2308, "recipientsNoDesil": 0, "eligibleHouseholds": 15,
        "eligibleRecipients": 10, "coverage": 0.6667}
    bpnt = program(sukarasa, "BPNT")
    assert (bpnt["recipients"], bpnt["recipientsNoDesil"], bpnt["inclusionErrors"],
            bpnt["inclusionRate"], bpnt["coverage"]) == (12, 2, 0, 0.0, 0.6667)
    assert {d["desil"]: d["households"] for d in sukarasa["desilDistribution"]
            if d["households"]} == {1: 10, 2: 5, 7: 3, None: 2}
    cipaganti = desas[CIPAGANTI]
    assert (cipaganti["exclusionErrors"], cipaganti["exclusionRate"]) == (2, 1.0)
    pbi = program(cipaganti, "PBI_JK")
    assert (pbi["eligibleUpTo"], pbi["recipients"], pbi["eligibleHouseholds"],
            pbi["coverage"]) == (5, 10, 12, 0.8333)
    kabkota = by_region(await gql(node_client, INDICATORS, period=S1, level="KABKOTA"))["32.73"]
    assert (kabkota["households"], kabkota["poorestHouseholds"], kabkota["exclusionErrors"],
            kabkota["exclusionRate"]) == (33, 17, 7, 0.4118)
    assert (program(kabkota, "PKH")["eligibleHouseholds"],
            program(kabkota, "PKH")["coverage"]) == (21, 0.4762)
    assert program(kabkota, "PBI_JK")["coverage"] == 0.3704
    kecamatan = by_region(await gql(node_client, INDICATORS, period=S1, level="KECAMATAN"))
    assert sorted(kecamatan) == ["32.73.01", "32.73.02"]


async def test_the_next_period_and_a_suspension(node_client, node_database) -> None:  # type: ignore[no-untyped-def]
    await store(node_database, constructed("32.73"))
    later = by_region(await gql(node_client, INDICATORS, period=S2, level="KABKOTA"))["32.73"]
    assert (later["exclusionErrors"], later["exclusionRate"]) == (2, 0.1176)
    async with node_database.writer() as session, session.begin():  # one head found dead
        await session.execute(update(Member).where(Member.name == "Warga Sasaran 101")
                              .values(alive=False))
    now = by_region(await gql(node_client, INDICATORS, period=S1, region=SUKARASA))[SUKARASA]
    assert program(now, "PKH")["recipients"] == 12  # suspended: no longer a recipient
    # desil 1 and nothing paid any more: excluded, though its memberships still stand
    assert (now["exclusionErrors"], now["exclusionRate"]) == (6, 0.4)


async def test_who_may_ask(node_client, node_database) -> None:  # type: ignore[no-untyped-def]
    await store(node_database, constructed("32.73"))
    for principal, code in ((Principal("u:op", Role.OPERATOR_DESA, SUKARASA), "FORBIDDEN_FIELD"),
                            (Principal("u:mitra", Role.MITRA, programs=("PKH",)),
                             "FORBIDDEN_FIELD"),
                            (None, "FORBIDDEN")):  # the public: only through the gateway
        body = await gql(node_client, INDICATORS, principal=principal, period=S1)
        assert body["data"]["targetingIndicators"] is None
        assert error_codes(body) == [code], body
    other = await gql(node_client, INDICATORS, principal=Principal("u:d", Role.DINSOS, "32.04"),
                      period=S1)
    assert other["data"]["targetingIndicators"] == [], other  # none of its rows here
    bad = await gql(node_client, INDICATORS, period="2026-S3")
    assert error_codes(bad) == ["INVALID_INPUT"]
