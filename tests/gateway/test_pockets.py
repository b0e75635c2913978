"""National poverty pockets (docs/pockets.md) at the gateway: the counts come from real node
apps behind mutual TLS into the rollups, `siks gateway pockets compute` runs Gi* and stores
a period's pockets, `povertyPockets` shows them to Kemensos only, and a pocket absent from
the previous period is new.

Three nodes are too few for a hot spot, so the planted block is written into the rollups of
all 514 kab/kota (the gateway's own store, as a refresh would have written it)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import subprocess
import sys
from pathlib import Path

from gateway.adapters.database import open_database
from gateway.adapters.rollup_store import RollupRow, RollupStore
from gateway.service_layer.pockets_weights import contiguity
from tests.gateway.cluster import NodeCluster
from tests.gateway.identity_helpers import (
    DINSOS_BANDUNG,
    KEMENSOS,
    MITRA,
    error_codes,
    gql_as,
    secure_gateway,
)

POCKETS = """query($period: String!) {
  povertyPockets(period: $period) { period previousPeriod alpha permutations regionsAnalysed
    pockets { kabkotaCode kabkotaName households poorHouseholds share new reason reasonEn } }
}"""


def siks(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "siks", *args], capture_output=True,
                          text=True, timeout=300)


async def siks_async(*args: str) -> tuple[int, str]:
    """The command, with this test's event loop free to serve the node apps meanwhile."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "siks", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), 300)
    return process.returncode or 0, out.decode()


def block_around(code: str) -> set[str]:
    queen = contiguity()
    block = {code, *queen.neighbours[code]}
    for member in list(block):
        block |= set(queen.neighbours[member])
    return block


async def write_rollups(db_url: str, centre: str | None, seed: int) -> set[str]:
    """Every kab/kota's snapshot: 1,000 active households, about 20% in desil 1–2; around
    ``centre`` (a second-order block) about 45%. The block."""
    rng = random.Random(seed)
    block = block_around(centre) if centre else set()
    snapshots = {}
    for code in contiguity().neighbours:
        poor = round(1000 * rng.betavariate(45, 55) if code in block
                     else 1000 * rng.betavariate(20, 80))
        snapshots[code] = [RollupRow(None, "ACTIVE", 1, poor, 3 * poor),
                           RollupRow(None, "ACTIVE", 5, 1000 - poor, 3 * (1000 - poor))]
    database = open_database(db_url)
    try:
        await RollupStore(database).replace_many(snapshots, dt.datetime.now(dt.UTC))
    finally:
        await database.dispose()
    return block


async def test_the_counts_come_from_the_nodes_and_three_regions_flag_nothing(  # type: ignore[no-untyped-def]
        cluster: NodeCluster, dev_pki, tmp_path: Path, aiohttp_client):
    for region in cluster.nodes:
        await cluster.seed(region, [10, 10])  # desil 1 + i % 10: 4 of 20 in desil 1–2
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)  # registers
    db = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    code, out = await siks_async("gateway", "pockets", "compute", "--period", "2026-S1",
                                 "--db", db, "--pki-dir", str(dev_pki.layout.root),
                                 "--permutations", "999")
    assert code == 0, out
    assert "3 kab/kota dianalisis / analysed, 0 kantong / pockets" in out
    body = await gql_as(client, POCKETS, KEMENSOS, period="2026-S1")
    assert body["data"]["povertyPockets"] == {
        "period": "2026-S1", "previousPeriod": None, "alpha": 0.05, "permutations": 999,
        "regionsAnalysed": 3, "pockets": []}


async def test_a_planted_block_is_found_and_new_only_where_it_was_not_before(  # type: ignore[no-untyped-def]
        dev_pki, tmp_path: Path, aiohttp_client):
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki)
    db = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    first_block = await write_rollups(db, "33.01", seed=1)
    done = siks("gateway", "pockets", "compute", "--period", "2026-S1", "--db", db)
    assert done.returncode == 0, done.stderr
    first = (await gql_as(client, POCKETS, KEMENSOS, period="2026-S1"))["data"]["povertyPockets"]
    flagged = {p["kabkotaCode"] for p in first["pockets"]}
    assert "33.01" in flagged and len(flagged & first_block) >= len(first_block) // 2
    assert all(p["new"] for p in first["pockets"])  # no earlier period
    cilacap = next(p for p in first["pockets"] if p["kabkotaCode"] == "33.01")
    assert cilacap["kabkotaName"] == "Kabupaten Cilacap"
    assert cilacap["reason"].startswith(f"{100 * cilacap['share']:.1f}% rumah tangga berada "
                                        "di desil 1–2")
    assert "a hot spot (Getis-Ord Gi*" in cilacap["reasonEn"]

    await write_rollups(db, None, seed=3)  # every kab/kota about 20% poor again, then
    await _both_blocks(db, first_block, block_around("53.01"))  # the old block and a new one
    done = siks("gateway", "pockets", "compute", "--period", "2026-S2", "--db", db)
    assert done.returncode == 0, done.stderr
    second = (await gql_as(client, POCKETS, KEMENSOS, period="2026-S2"))["data"][
        "povertyPockets"]
    assert second["previousPeriod"] == "2026-S1"
    new = {p["kabkotaCode"] for p in second["pockets"] if p["new"]}
    kept = {p["kabkotaCode"] for p in second["pockets"] if not p["new"]}
    assert "53.01" in new and not new & flagged
    assert kept <= flagged and "33.01" in kept

    shown = siks("gateway", "pockets", "show", "--period", "2026-S2", "--db", db)
    assert shown.returncode == 0, shown.stderr
    assert "53.01 Kabupaten Kupang BARU/NEW" in shown.stdout


async def _both_blocks(db_url: str, *blocks: set[str]) -> None:
    rng = random.Random(4)
    poor_of = {code: round(1000 * rng.betavariate(45, 55)) for block in blocks for code in block}
    database = open_database(db_url)
    try:
        await RollupStore(database).replace_many(
            {code: [RollupRow(None, "ACTIVE", 2, poor, poor),
                    RollupRow(None, "ACTIVE", 7, 1000 - poor, 1000 - poor),
                    RollupRow("PKH", "ACTIVE", 2, poor, poor)]  # enrolments: not counted twice
             for code, poor in poor_of.items()}, dt.datetime.now(dt.UTC))
    finally:
        await database.dispose()


async def test_only_kemensos_reads_pockets_and_bad_periods_are_refused(  # type: ignore[no-untyped-def]
        dev_pki, tmp_path: Path, aiohttp_client):
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki)
    for principal in (DINSOS_BANDUNG, MITRA, None):
        refused = await gql_as(client, POCKETS, principal, period="2026-S1")
        assert error_codes(refused) == ["FORBIDDEN_FIELD"], refused
        assert refused["data"] == {"povertyPockets": None}
    missing = await gql_as(client, POCKETS, KEMENSOS, period="2027-S1")
    assert error_codes(missing) == ["INVALID_INPUT"]
    assert "have not been computed" in missing["errors"][0]["message"]
    malformed = await gql_as(client, POCKETS, KEMENSOS, period="2026-S3")
    assert error_codes(malformed) == ["INVALID_INPUT"]
    db = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    for args, says in ((("--period", "2026-13"), "is not YYYY-S1 or YYYY-S2"),
                       (("--period", "2026-S1", "--alpha", "2"), "--alpha must be between"),
                       (("--period", "2026-S1", "--permutations", "9"), "at least 99")):
        done = siks("gateway", "pockets", "compute", *args, "--db", db)
        assert done.returncode == 2 and says in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert siks("gateway", "pockets", "show", "--period", "2026-S1", "--db", db).returncode == 1


async def test_the_query_docs_pockets_md_prints_runs_as_printed(  # type: ignore[no-untyped-def]
        dev_pki, tmp_path: Path, aiohttp_client):
    from tests.docs.runner import blocks, doc, section

    [_, printed] = [code for language, code, *_ in blocks(section(
        doc("pockets.md"), "## Contoh")) if language == "graphql"]
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki)
    db = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    await write_rollups(db, "33.01", seed=1)
    assert siks("gateway", "pockets", "compute", "--period", "2026-S1", "--db", db,
                "--permutations", "999").returncode == 0
    body = await gql_as(client, printed, KEMENSOS)
    assert "errors" not in body, body
    assert "33.01" in {p["kabkotaCode"] for p in body["data"]["povertyPockets"]["pockets"]}
