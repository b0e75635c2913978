"""Cross-check job benchmark: a partner's file of NIKs (default 1,000,000: half of them
members of DTKS households, half unknown NIKs issued in the same kab/kota) sent as a job
through the gateway over the federation benchmark's nodes, against the same join in the single
PostgreSQL holding every row (target ≤ 2×).

    /work/venv/bin/python -m bench.federation_cross_check     # 1,000,000 households, 514 nodes
    /work/venv/bin/python -m bench.federation_cross_check --households 3000 --regions 3 \\
        --niks 2000 --repeat 2

The data, nodes and gateway are the federation benchmark's (``bench/federation_data.py``,
``bench/federation_cluster.py``; the same cache). The gateway's time: ``POST
/partners/cross-check-jobs`` with the file, its status asked every 0.2 s until ``DONE``, the
result CSV downloaded (placement through the NIK directory, every node asked in rounds of
1,000 NIKs, each node auditing every NIK it is asked, the rules applied). PostgreSQL's: the
list copied into a temporary table and joined to member, household and program_membership
(registered or not, desil, the programs of the person and the household), every row fetched.
Before timing, the registered NIKs and the programs of both are checked equal.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import random
import sys
import time

import aiohttp
import asyncpg

from bench.federation import (
    Comparison,
    add_data_options,
    compare,
    comparison_table,
    prepare_and_run,
)
from bench.federation_cluster import Cluster, GatewaySettings, cpu_seconds
from bench.federation_data import Prepared

JOBS = "/partners/cross-check-jobs"
JOIN = """SELECT a.nik, h.desil,
       (m.alive AND h.status = 'ACTIVE') AS registered,
       array_remove(array_agg(pm.program ORDER BY pm.program), NULL) AS programs
  FROM asked a
  LEFT JOIN member m ON m.nik = a.nik
  LEFT JOIN household h ON h.id = m.household_id
  LEFT JOIN program_membership pm ON pm.household_id = h.id AND pm.active
       AND (pm.member_id IS NULL OR pm.member_id = m.id)
 GROUP BY a.nik, h.desil, m.alive, h.status"""

Found = dict[str, tuple[str, ...]]  # registered NIK -> its programs, sorted


async def the_list(pg: asyncpg.Connection, count: int, seed: int) -> list[str]:
    """Half members' NIKs (a random sample), half NIKs no one holds (a member's with another
    serial: issued in the same kecamatan, so asked of the same node), shuffled."""
    known = [r["nik"] for r in await pg.fetch(
        "SELECT nik FROM member ORDER BY md5(nik || $1::text) LIMIT $2", str(seed), count // 2)]
    taken = {r["nik"] for r in await pg.fetch("SELECT nik FROM member")}
    rng = random.Random(seed)
    unknown: list[str] = []
    while len(unknown) < count - len(known):
        nik = rng.choice(known)[:12] + f"{rng.randrange(1, 10_000):04d}"
        if nik not in taken:
            taken.add(nik)
            unknown.append(nik)
    niks = known + unknown
    rng.shuffle(niks)
    return niks


async def postgres_join(pg: asyncpg.Connection, niks: list[str]) -> Found:
    async with pg.transaction():
        await pg.execute("CREATE TEMP TABLE asked (nik text) ON COMMIT DROP")
        await pg.copy_records_to_table("asked", records=[(n,) for n in niks])
        rows = await pg.fetch(JOIN)
    return {r["nik"]: tuple(sorted(r["programs"])) for r in rows if r["registered"]}


async def gateway_job(session: aiohttp.ClientSession, url: str, body: bytes) -> Found:
    async with session.post(url + JOBS, data=body,
                            headers={"Content-Type": "text/plain"}) as response:
        job = await response.json()
        if response.status != 202:
            raise SystemExit(f"the job was refused: {response.status} {job}")
    while True:
        async with session.get(f"{url}{JOBS}/{job['id']}") as response:
            status = await response.json()
        if status["state"] not in ("QUEUED", "RUNNING"):
            break
        await asyncio.sleep(0.2)
    if status["state"] != "DONE" or status["missingRegions"]:
        raise SystemExit(f"the job did not finish whole: {status}")
    async with session.get(f"{url}{JOBS}/{job['id']}/result") as response:
        text = await response.text()
    return {r["nik"]: tuple(sorted(p.split("/")[0] for p in r["programs"].split(";") if p))
            for r in csv.DictReader(io.StringIO(text)) if r["registered"] == "true"}


def check_equal(ours: Found, theirs: Found) -> str:
    if ours != theirs:
        wrong = [n for n in set(ours) | set(theirs) if ours.get(n) != theirs.get(n)]
        raise SystemExit(f"the job differs from PostgreSQL for {len(wrong):,} NIKs, e.g. "
                         f"{[(n, ours.get(n), theirs.get(n)) for n in wrong[:3]]}")
    return (f"equal: {len(ours):,} registered, "
            f"{sum(len(p) for p in ours.values()):,} programs")


async def measure(prepared: Prepared, cluster: Cluster, args: argparse.Namespace
                  ) -> tuple[Comparison, str]:
    pg = await asyncpg.connect(prepared.postgres_url.replace("postgresql://", "postgres://", 1))
    niks = await the_list(pg, args.niks, args.seed)
    body = ("nik\n" + "\n".join(niks) + "\n").encode("ascii")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        started = time.perf_counter()
        ours = await gateway_job(session, cluster.gateway_url, body)
        print(f"  first job: {time.perf_counter() - started:.1f} s", flush=True)
        summary = check_equal(ours, await postgres_join(pg, niks))
        print(f"  {summary}", flush=True)
        assert cluster.gateway is not None
        gateway_pid, host_pids = cluster.gateway.pid, [h.pid for h in cluster.node_hosts]

        def cpu() -> dict[str, float]:
            return {"gateway": cpu_seconds(gateway_pid),
                    "nodes": sum(cpu_seconds(pid) for pid in host_pids)}

        print("timing (6) cross-check job ...", flush=True)
        comparison = await compare(
            f"(6) cross-check job, {len(niks):,} NIKs",
            lambda _: gateway_job(session, cluster.gateway_url, body),
            lambda _: postgres_join(pg, niks), repeat=args.repeat, target=2.0,
            baseline_name="PostgreSQL, the list joined", cpu=cpu)
    await pg.close()
    return comparison, summary


async def run(prepared: Prepared, args: argparse.Namespace) -> int:
    cluster = Cluster(prepared.paths)
    try:
        await cluster.start_nodes(prepared.scale.regions, args.node_processes)
        await cluster.start_gateway(GatewaySettings(deadline_ms=args.deadline_ms,
                                                    max_concurrency=args.max_concurrency))
        print(f"{len(cluster.urls)} nodes and the gateway up", flush=True)
        comparison, summary = await measure(prepared, cluster, args)
    finally:
        await cluster.stop()
    manifest, c = prepared.manifest, comparison
    print(f"\ndata: {manifest.households:,} households, {manifest.members:,} members, "
          f"{manifest.programs:,} program memberships over {len(prepared.scale.regions)} nodes")
    print(*comparison_table(c), sep="\n")
    print(f"\n({args.repeat} repetitions, alternating; {summary})")
    if c.cpu:
        print("CPU seconds per job (median): " + ", ".join(
            f"{group} {t.median * 1000:,.0f} ms" for group, t in c.cpu.items()))
    return 0 if c.met else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_data_options(parser, repeat=3)
    parser.add_argument("--niks", type=int, default=1_000_000, help="NIKs in the file")
    parser.add_argument("--deadline-ms", type=int, default=60_000)
    parser.add_argument("--max-concurrency", type=int, default=64)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return prepare_and_run(parse_args(argv), run)


if __name__ == "__main__":
    sys.exit(main())
