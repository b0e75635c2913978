"""Reads across several real node apps (mTLS, SQLite): counts, national pagination, routing,
NIK lookups through the directory. Node request counts come from a middleware in each node."""

from __future__ import annotations

import random
from typing import Any

from aiohttp.test_utils import TestClient

from gateway.entrypoints.app import SERVICES, refresh_snapshots
from gateway.federation.deadline import Deadline
from gateway.federation.node_client import CallMeta
from tests.factories import household
from tests.gateway.cluster import NodeCluster, desa_codes
from tests.gateway.conftest import NATIONAL_STAFF
from tests.gateway.helpers import gql
from tests.node.helpers import store

SEED = {"32.73": [3, 2, 2], "32.04": [2, 3], "35.78": [4]}


async def seed(cluster: NodeCluster) -> None:
    for region, sizes in SEED.items():
        await cluster.seed(region, sizes)


async def ask_node(gateway: TestClient, region: str, query: str) -> dict[str, Any]:
    """What a node says itself (called directly, with the same credentials)."""
    services = gateway.app[SERVICES]
    node = services.registry.get(region)
    assert node is not None
    answer = await services.federation.client.graphql(
        region, node.url, query, None, deadline=Deadline.after_ms(5000),
        meta=CallMeta("test", NATIONAL_STAFF))
    return answer.data


COUNTS = "{ householdCounts(groupBy: [PROGRAM, STATUS]) { program status households members } }"


async def test_national_counts_equal_the_sum_of_the_nodes(gateway, cluster):  # type: ignore[no-untyped-def]
    await seed(cluster)
    expected: dict[tuple[str, str], list[int]] = {}
    for region in SEED:
        for row in (await ask_node(gateway, region, COUNTS))["householdCounts"]:
            sums = expected.setdefault((row["program"], row["status"]), [0, 0])
            sums[0] += row["households"]
            sums[1] += row["members"]

    live = await gql(gateway, """{ householdCounts(groupBy: [PROGRAM, STATUS, KECAMATAN]) {
        program status households members } }""")  # kecamatan: not in rollups, pushed down
    assert live["extensions"]["counts"] == [
        {"field": "householdCounts", "source": "live", "refreshed": []}]
    summed: dict[tuple[str, str], list[int]] = {}
    for row in live["data"]["householdCounts"]:
        sums = summed.setdefault((row["program"], row["status"]), [0, 0])
        sums[0] += row["households"]
        sums[1] += row["members"]
    assert summed == expected

    rollup = await gql(gateway, """{ householdCounts(groupBy: [PROGRAM, STATUS]) {
        program status households members asOf } }""")  # no rollups yet: fetched once
    assert rollup["extensions"]["counts"][0]["source"] == "rollup"
    assert {(r["program"], r["status"]): [r["households"], r["members"]]
            for r in rollup["data"]["householdCounts"]} == expected
    assert all(r["asOf"] for r in rollup["data"]["householdCounts"])

    total = await gql(gateway, "{ householdCounts(groupBy: [PROVINCE]) "
                               "{ provinceCode households } }")
    assert {r["provinceCode"]: r["households"] for r in total["data"]["householdCounts"]} == {
        "32": 12, "35": 4}


async def test_rollups_answer_without_fan_out_until_fresher_data_is_demanded(gateway, cluster):  # type: ignore[no-untyped-def]
    await seed(cluster)
    query = """query($age: Int) { householdCounts(groupBy: [KABKOTA], maxAgeSeconds: $age) {
        kabkotaCode households asOf } }"""
    first = await gql(gateway, query)
    assert sorted(first["extensions"]["counts"][0]["refreshed"]) == sorted(SEED)
    cluster.requests.clear()
    await store(cluster.nodes["35.78"].database, [household(desa=desa_codes("35.78", 1)[0])],
                "35.78")

    cached = await gql(gateway, query)
    assert sum(cluster.requests.values()) == 0, "rollups must answer without fan-out"
    assert cached["extensions"]["federation"]["total"] == 0
    assert {r["kabkotaCode"]: r["households"] for r in cached["data"]["householdCounts"]} == {
        "32.04": 5, "32.73": 7, "35.78": 4}

    fresh = await gql(gateway, query, age=0)
    assert dict(cluster.requests) == {"32.04": 1, "32.73": 1, "35.78": 1}
    assert {r["kabkotaCode"]: r["households"] for r in fresh["data"]["householdCounts"]} == {
        "32.04": 5, "32.73": 7, "35.78": 5}
    assert all(new["asOf"] > old["asOf"] for new, old in zip(
        fresh["data"]["householdCounts"], cached["data"]["householdCounts"], strict=True))

    cluster.requests.clear()
    await gql(gateway, query, age=3600)  # all fresh enough: no fan-out
    assert sum(cluster.requests.values()) == 0


async def test_each_counts_field_is_noted_in_the_order_the_query_names_it(gateway, cluster):  # type: ignore[no-untyped-def]
    await seed(cluster)
    query = """{ byDesa: householdCounts(groupBy: [DESA]) { households }
        total: householdCounts(groupBy: [KABKOTA]) { households }
        fresh: householdCounts(groupBy: [STATUS], maxAgeSeconds: 0) { households } }"""
    for _ in range(3):  # the live field answers last or first, the notes keep their order
        notes = (await gql(gateway, query))["extensions"]["counts"]
        assert [(n["field"], n["source"]) for n in notes] == [
            ("byDesa", "live"), ("total", "rollup"), ("fresh", "rollup")]
        assert sorted(notes[2]["refreshed"]) == sorted(SEED)


PAGE = """query($after: String, $order: HouseholdOrder!) {
  households(first: 3, after: $after, orderBy: $order) {
    edges { node { id kkNumber desaCode } } pageInfo { hasNextPage endCursor } } }"""


async def test_paginating_a_national_list_visits_every_record_once_while_inserts_happen(
        gateway, cluster):  # type: ignore[no-untyped-def]
    await seed(cluster)
    rng = random.Random(5)
    for order in ("ID", "KK_NUMBER", "DESA"):
        existing = {f"{r}:{i}" for r in SEED
                    for i in await _ids(cluster, r)}
        seen: list[str] = []
        after = None
        while True:
            cluster.requests.clear()
            body = await gql(gateway, PAGE, after=after, order=order)
            assert "errors" not in body, body
            assert sum(cluster.requests.values()) == len(SEED), "one request per node per page"
            page = body["data"]["households"]
            seen += [edge["node"]["id"] for edge in page["edges"]]
            region = rng.choice(sorted(SEED))  # someone registers a household meanwhile
            await store(cluster.nodes[region].database,
                        [household(desa=rng.choice(desa_codes(region, 3)))], region)
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert len(seen) == len(set(seen)), f"{order}: a record came twice"
        assert existing <= set(seen), f"{order}: records were skipped"


async def _ids(cluster: NodeCluster, region: str) -> list[int]:
    from sqlalchemy import text

    async with cluster.nodes[region].database.reader() as session:
        return list((await session.execute(text("SELECT id FROM household"))).scalars())


async def test_a_region_filter_reaches_only_the_nodes_it_names(gateway, cluster):  # type: ignore[no-untyped-def]
    await seed(cluster)
    query = """query($region: String) { households(first: 50, filter: {region: $region}) {
        totalCount edges { node { region desaName } } } }"""
    for region, expected_nodes, total in (("32.73", {"32.73"}, 7),
                                          ("32.73.01", {"32.73"}, None),
                                          ("32", {"32.73", "32.04"}, 12),
                                          (None, set(SEED), 16)):
        cluster.requests.clear()
        body = await gql(gateway, query, region=region)
        assert set(cluster.requests) == expected_nodes and set(cluster.requests.values()) == {1}
        assert body["extensions"]["federation"]["total"] == len(expected_nodes)
        if total is not None:
            assert body["data"]["households"]["totalCount"] == total
    unserved = await gql(gateway, query, region="53.71")
    assert unserved["errors"][0]["extensions"] == {"code": "NODE_NOT_REGISTERED",
                                                   "region": "53.71"}
    assert unserved["data"]["households"]["edges"] == []


async def test_a_nik_lookup_makes_exactly_one_node_request(gateway, cluster):  # type: ignore[no-untyped-def]
    await seed(cluster)
    await refresh_snapshots(gateway.app[SERVICES])  # node snapshots feed the directory
    target = (await ask_node(gateway, "32.04", "{ households(first: 1) { edges { node { "
                                               "members { nik name } } } } }"))
    member = target["households"]["edges"][0]["node"]["members"][0]
    query = """query($nik: String!) { person(nik: $nik) { id name region
        household { id kkNumber members { name } } } }"""

    cluster.requests.clear()
    body = await gql(gateway, query, nik=member["nik"])
    assert dict(cluster.requests) == {"32.04": 1}
    assert body["data"]["person"]["name"] == member["name"]
    assert body["data"]["person"]["id"].startswith("32.04:")
    assert body["extensions"]["nikDirectory"] == {"lookup": "hit", "fallback": None,
                                                  "region": "32.04"}

    newcomer = household(desa=desa_codes("35.78", 1)[0], head_name="Dewi Lestari")
    await store(cluster.nodes["35.78"].database, [newcomer], "35.78")
    cluster.requests.clear()
    miss = await gql(gateway, query, nik=newcomer.members[0].nik)
    assert miss["data"]["person"]["name"] == "Dewi Lestari"
    assert miss["extensions"]["nikDirectory"]["lookup"] == "miss"
    assert miss["extensions"]["nikDirectory"]["fallback"] == "scatter"
    assert sum(cluster.requests.values()) == len(SEED)

    cluster.requests.clear()
    learned = await gql(gateway, query, nik=newcomer.members[0].nik)
    assert dict(cluster.requests) == {"35.78": 1}
    assert learned["extensions"]["nikDirectory"]["lookup"] == "hit"

    invalid = await gql(gateway, query, nik="123")
    assert invalid["errors"][0]["extensions"]["code"] == "INVALID_NIK"


async def test_a_household_by_global_id_asks_one_node(gateway, cluster):  # type: ignore[no-untyped-def]
    await seed(cluster)
    cluster.requests.clear()
    body = await gql(gateway, """{ household(id: "35.78:2") { id region kkNumber
        head { id household { id } } programs(activeOnly: false) { program } } }""")
    assert dict(cluster.requests) == {"35.78": 1}
    found = body["data"]["household"]
    assert found["id"] == "35.78:2" and found["head"]["household"]["id"] == "35.78:2"
    bad = await gql(gateway, '{ household(id: "2") { id } }')
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
