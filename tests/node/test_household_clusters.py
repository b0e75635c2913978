"""Clusters of poor households at a real node (docs/pockets.md): `siks node pockets compute`
finds none where poverty is spread at random, finds a planted one, marks it new only in the
first period it appears, and `householdClusters` shows it to the region's Dinas Sosial only,
without a household id."""

from __future__ import annotations

import asyncio
import random
import sys
from typing import Any

from sqlalchemy import update

from regional_node.adapters.orm import Household
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import error_codes, gql, store

CLUSTERS = """query($period: String!) {
  householdClusters(period: $period) { period previousPeriod minClusterSize households
    poorHouseholds candidates clusters { size latitude longitude desaCodes householdsInArea
    poorInArea share kabkotaShare pValue new reason reasonEn } }
}"""
DESA = ["32.73.01.1001", "32.73.01.1002", "32.73.02.1001"]
PLANTED_DESA = "32.73.02.1001"


async def siks(*args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "siks", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 300)
    return process.returncode or 0, out.decode()


async def spread_at_random(database: Any, seed: int, n: int = 600) -> None:
    """``n`` households over Bandung, one in five in desil 1–2 wherever it lives."""
    rng = random.Random(seed)
    ids = await store(database, [factories.household(rng.choice(DESA), members=1)
                                 for _ in range(n)])
    async with database.writer() as session, session.begin():
        for household_id in ids:
            await session.execute(update(Household).where(Household.id == household_id).values(
                latitude=-6.95 + rng.uniform(0, 0.06), longitude=107.58 + rng.uniform(0, 0.08),
                desil=rng.choice([1, 2]) if rng.random() < 0.2 else rng.randint(3, 10)))


async def plant(database: Any, seed: int, n: int = 25) -> set[int]:
    rng = random.Random(seed)
    ids = await store(database, [factories.household(PLANTED_DESA, members=1, desil=1)
                                 for _ in range(n)])
    async with database.writer() as session, session.begin():
        for household_id in ids:
            await session.execute(update(Household).where(Household.id == household_id).values(
                latitude=-6.91 + rng.gauss(0, 0.0008), longitude=107.63 + rng.gauss(0, 0.0008)))
    return set(ids)


async def test_a_planted_cluster_is_found_once_new_and_random_poverty_gives_none(  # type: ignore[no-untyped-def]
        node_client, node_database, database_url):
    await spread_at_random(node_database, seed=1)
    code, out = await siks("node", "pockets", "compute", "--period", "2026-S1",
                           "--db", database_url)
    assert code == 0, out
    assert "600 rumah tangga / households" in out and "0 klaster / clusters" in out
    first = (await gql(node_client, CLUSTERS, period="2026-S1"))["data"]["householdClusters"]
    assert first["clusters"] == [] and first["households"] == 600

    await plant(node_database, seed=2)
    code, out = await siks("node", "pockets", "compute", "--period", "2026-S2",
                           "--db", database_url)
    assert code == 0, out
    body = await gql(node_client, CLUSTERS, period="2026-S2")
    assert "errors" not in body, body
    second = body["data"]["householdClusters"]
    assert second["previousPeriod"] == "2026-S1" and second["minClusterSize"] == 10
    (cluster,) = second["clusters"]
    assert cluster["new"] is True
    assert cluster["size"] >= 20 and PLANTED_DESA in cluster["desaCodes"]
    assert (cluster["latitude"], cluster["longitude"]) == (-6.91, 107.63)  # rounded
    assert cluster["share"] > 2 * cluster["kabkotaShare"] and cluster["pValue"] <= 0.05
    assert cluster["reason"].startswith(f"{cluster['size']} rumah tangga miskin (desil 1–2)")
    assert "lie close together (HDBSCAN)" in cluster["reasonEn"]

    code, out = await siks("node", "pockets", "compute", "--period", "2027-S1",
                           "--db", database_url)
    assert code == 0, out
    third = (await gql(node_client, CLUSTERS, period="2027-S1"))["data"]["householdClusters"]
    assert [c["new"] for c in third["clusters"]] == [False]  # the same households as before


async def test_only_the_regions_dinas_sosial_reads_clusters(node_client, node_database):  # type: ignore[no-untyped-def]
    for principal in (Principal("user:kemensos", Role.KEMENSOS),
                      Principal("user:op", Role.OPERATOR_DESA, "32.73.01.1001"),
                      Principal("user:pendamping", Role.PENDAMPING, "32.73.01"),
                      Principal("user:mitra", Role.MITRA, programs=("PKH",)), None):
        refused = await gql(node_client, CLUSTERS, principal=principal, period="2026-S1")
        assert error_codes(refused) == ["FORBIDDEN_FIELD"], (principal, refused)
    elsewhere = Principal("user:dinsos-kab-bandung", Role.DINSOS, "32.04")
    assert error_codes(await gql(node_client, CLUSTERS, principal=elsewhere,
                                 period="2026-S1")) == ["OUT_OF_SCOPE"]
    missing = await gql(node_client, CLUSTERS, period="2026-S1")
    assert error_codes(missing) == ["INVALID_INPUT"]
    assert "have not been computed" in missing["errors"][0]["message"]
    assert error_codes(await gql(node_client, CLUSTERS, period="26-S1")) == ["INVALID_INPUT"]


async def test_bad_settings_are_one_line(database_url):  # type: ignore[no-untyped-def]
    for args, says in ((("--period", "2026-S9"), "is not YYYY-S1 or YYYY-S2"),
                       (("--period", "2026-S1", "--min-cluster-size", "2"), "at least 5"),
                       (("--period", "2026-S1", "--alpha", "0"), "--alpha must be between"),
                       (("--period", "2026-S1", "--permutations", "5"), "at least 19")):
        code, out = await siks("node", "pockets", "compute", *args, "--db", database_url)
        assert code == 2 and says in out, out
        assert len(out.strip().splitlines()) == 1


async def test_the_query_docs_pockets_md_prints_runs_as_printed(  # type: ignore[no-untyped-def]
        node_client, node_database, database_url):
    from tests.docs.runner import blocks, doc, section

    [printed, _] = [code for language, code, *_ in blocks(section(
        doc("pockets.md"), "## Contoh")) if language == "graphql"]
    await spread_at_random(node_database, seed=5, n=200)
    code, out = await siks("node", "pockets", "compute", "--period", "2026-S1",
                           "--db", database_url)
    assert code == 0, out
    body = await gql(node_client, printed)
    assert "errors" not in body, body
    assert body["data"]["householdClusters"]["households"] == 200
