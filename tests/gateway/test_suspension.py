"""Suspended aid through the gateway, with three real node apps behind mutual TLS: the
summary per kab/kota, province and nation is the sum of what each node counts; memberships
read through the gateway carry the node's suspension; a Dinas Sosial sees its own region
only; a partner learns nothing; a node down is left out and named."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from regional_node.adapters.orm import Member
from tests.gateway.cluster import NodeCluster
from tests.gateway.helpers import gql
from tests.gateway.identity_helpers import (
    DINSOS_BANDUNG,
    KEMENSOS,
    MITRA,
    error_codes,
    gql_as,
    secure_gateway,
)
from tests.gateway.test_federated_reads import ask_node

SEED = {"32.73": [6, 3], "32.04": [6], "35.78": [9]}
SUMMARY = """query($level: SuspensionLevel!, $filter: SuspensionFilter) {
  suspensionSummary(level: $level, filter: $filter) {
    regionCode regionName program active suspended byReason { reason text memberships } } }"""


async def _seed(cluster: NodeCluster) -> None:
    """Every member padan, then in each node's first desa (the households of _programs(i):
    PKH every 3rd, BPNT every 4th): the head of 0 (PKH, BPNT) MISMATCH, of 3 (PKH) DECEASED,
    of 4 (BPNT) NOT_FOUND."""
    for region, sizes in SEED.items():
        ids = await cluster.seed(region, sizes)
        database = cluster.nodes[region].database
        async with database.writer() as session, session.begin():
            await session.execute(update(Member).values(match_status="MATCH"))
            for index, status in ((0, "MISMATCH"), (3, "DECEASED"), (4, "NOT_FOUND")):
                await session.execute(update(Member).where(
                    Member.household_id == ids[index], Member.relationship == "HEAD")
                    .values(match_status=status))


def _key(rows: list[dict[str, Any]]) -> dict[tuple[str | None, str], tuple[int, int, dict]]:
    return {(r["regionCode"], r["program"]): (
        r["active"], r["suspended"], {c["reason"]: c["memberships"] for c in r["byReason"]})
        for r in rows}


async def test_the_summary_is_the_sum_of_what_each_node_counts(gateway, cluster):  # type: ignore[no-untyped-def]
    await _seed(cluster)
    nodes = {}
    for region in SEED:
        answer = await ask_node(gateway, region, SUMMARY.replace(
            "query($level: SuspensionLevel!, $filter: SuspensionFilter)", "").replace(
            "suspensionSummary(level: $level, filter: $filter)",
            "suspensionSummary(level: KABKOTA)"))
        nodes[region] = _key(answer["suspensionSummary"])
    body = await gql(gateway, SUMMARY, level="KABKOTA")
    assert "errors" not in body, body
    per_kabkota = _key(body["data"]["suspensionSummary"])
    assert per_kabkota == {key: value for counted in nodes.values()
                           for key, value in counted.items()}
    assert any(suspended for _, suspended, _ in per_kabkota.values())
    assert {r["regionName"] for r in body["data"]["suspensionSummary"]} >= {"Kota Bandung"}

    def summed(prefix: str | None, region: str | None) -> dict:
        totals: dict[tuple[str | None, str], tuple[int, int, dict]] = {}
        for (code, program), (active, suspended, reasons) in per_kabkota.items():
            if prefix is not None and not code.startswith(prefix):
                continue
            seen = totals.get((region, program), (0, 0, {}))
            merged = dict(seen[2])
            for reason, count in reasons.items():
                merged[reason] = merged.get(reason, 0) + count
            totals[(region, program)] = (seen[0] + active, seen[1] + suspended, merged)
        return totals

    national = await gql(gateway, SUMMARY, level="NATIONAL")
    assert _key(national["data"]["suspensionSummary"]) == summed(None, None)
    jabar = await gql(gateway, SUMMARY, level="PROVINCE", filter={"region": "32"})
    assert _key(jabar["data"]["suspensionSummary"]) == summed("32", "32")
    assert jabar["extensions"]["federation"]["total"] == 2  # only the two nodes in Jawa Barat
    pkh = await gql(gateway, SUMMARY, level="NATIONAL", filter={"program": "PKH"})
    assert _key(pkh["data"]["suspensionSummary"]) == {
        k: v for k, v in summed(None, None).items() if k[1] == "PKH"}


HOUSEHOLDS = """{ households(first: 50, filter: {region: "32.73"}) { edges { node { id
    programs { program suspended suspension { reason text } } } } } }"""


async def test_memberships_read_through_the_gateway_carry_their_suspension(gateway, cluster):  # type: ignore[no-untyped-def]
    await _seed(cluster)
    through = await gql(gateway, HOUSEHOLDS)
    assert "errors" not in through, through
    direct = await ask_node(gateway, "32.73", HOUSEHOLDS.replace(', filter: {region: "32.73"}',
                                                                 ""))
    assert [e["node"]["programs"] for e in through["data"]["households"]["edges"]] == [
        e["node"]["programs"] for e in direct["households"]["edges"]]
    reasons = {p["suspension"]["reason"] for e in through["data"]["households"]["edges"]
               for p in e["node"]["programs"] if p["suspended"]}
    assert reasons == {"NIK_MISMATCH", "DECEASED", "NIK_NOT_FOUND"}
    person = await gql(gateway, """query($nik: String!) { person(nik: $nik) { household {
        programs { suspended } } } }""", nik=await _a_head_nik(cluster))
    assert person["data"]["person"]["household"]["programs"][0]["suspended"] is True


async def _a_head_nik(cluster: NodeCluster) -> str:
    from sqlalchemy import select

    async with cluster.nodes["32.73"].database.reader() as session:
        return (await session.execute(select(Member.nik).where(
            Member.relationship == "HEAD", Member.match_status == "MISMATCH"))).scalar_one()


async def test_dinas_sosial_counts_its_region_and_a_partner_nothing(cluster, dev_pki, tmp_path,  # type: ignore[no-untyped-def]
                                                                   aiohttp_client):
    await _seed(cluster)
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    own = await gql_as(client, SUMMARY, DINSOS_BANDUNG, level="KABKOTA")
    assert {r["regionCode"] for r in own["data"]["suspensionSummary"]} == {"32.73"}
    assert own["extensions"]["federation"]["total"] == 1
    outside = await gql_as(client, SUMMARY, DINSOS_BANDUNG, level="KABKOTA",
                           filter={"region": "35.78"})
    assert error_codes(outside) == ["OUT_OF_SCOPE"]
    for principal in (MITRA, None):
        refused = await gql_as(client, SUMMARY, principal, level="NATIONAL")
        assert error_codes(refused) == ["FORBIDDEN_FIELD"]
        assert refused["data"] == {"suspensionSummary": None}
        listed = await gql_as(client, """{ person(nik: "%s") { household { programs {
            program suspended suspension { reason } } } } }""" % await _a_head_nik(cluster),
                              principal)
        if principal is MITRA:
            [program] = listed["data"]["person"]["household"]["programs"]
            assert (program["suspended"], program["suspension"]) == (None, None)
            assert set(error_codes(listed)) == {"FORBIDDEN_FIELD"}
    kemensos = await gql_as(client, SUMMARY, KEMENSOS, level="NATIONAL")
    assert "errors" not in kemensos, kemensos


async def test_bad_input_and_a_node_down(gateway, cluster):  # type: ignore[no-untyped-def]
    await _seed(cluster)
    invalid = await gql(gateway, SUMMARY, level="KABKOTA", filter={"region": "99.99"})
    assert [e["extensions"]["code"] for e in invalid["errors"]] == ["INVALID_REGION"]
    unknown = await gql(gateway, SUMMARY, level="REGENCY")
    assert [e["extensions"]["code"] for e in unknown["errors"]] == ["INVALID_INPUT"]
    await cluster.stop("35.78")
    partial = await gql(gateway, SUMMARY, level="KABKOTA")
    assert {r["regionCode"] for r in partial["data"]["suspensionSummary"]} == {"32.73", "32.04"}
    assert [(e["extensions"]["code"], e["extensions"].get("region"))
            for e in partial["errors"]] == [("NODE_UNAVAILABLE", "35.78")]


async def test_the_kemensos_query_of_the_docs_runs_as_printed(gateway, cluster):  # type: ignore[no-untyped-def]
    """docs/suspension.md's gateway query, as printed, through real node apps."""
    from tests.docs.runner import blocks, doc, section

    [(_, query, _)] = [b for b in blocks(section(doc("suspension.md"), "## Kemensos"))
                       if b[0] == "graphql"]
    await _seed(cluster)
    body = await gql(gateway, query)
    assert "errors" not in body, body
    per_kabkota, national = body["data"]["perKabkota"], body["data"]["national"]
    assert {r["regionCode"] for r in per_kabkota} == set(SEED)
    for row in national:
        parts = [r for r in per_kabkota if r["program"] == row["program"]]
        assert row["active"] == sum(r["active"] for r in parts)
        assert row["suspended"] == sum(r["suspended"] for r in parts) > 0
        assert all(" / " in c["text"] for c in row["byReason"])
