"""DIPA benchmark: the ``dipa`` query through the gateway over the federation benchmark's nodes
against the same aggregate as one statement in the single PostgreSQL (target ≤ 1.5×).

    /work/venv/bin/python -m bench.federation_dipa             # 1,000,000 households, 514 nodes
    /work/venv/bin/python -m bench.federation_dipa --households 3000 --regions 3 --repeat 3

The data, nodes and gateway are the federation benchmark's (``bench/federation_data.py``,
``bench/federation_cluster.py``; the same cache). The gateway asks every node for
``benefitCounts`` (determined, unsuspended, active memberships per program and PKH component,
one SQL aggregate on each node's SQLite), prices them with the catalogue and adds them up;
PostgreSQL runs the node's own statement (``regional_node.adapters.benefit_queries``) over
every region's rows, grouped by kab/kota as well. Before timing, the counts of both are
checked equal.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import aiohttp
import asyncpg
from sqlalchemy.dialects import postgresql

from bench.federation import (
    Comparison,
    GatewayClient,
    add_data_options,
    compare,
    comparison_table,
    prepare_and_run,
)
from bench.federation_cluster import Cluster, GatewaySettings, cpu_seconds
from bench.federation_data import Prepared
from regional_node.adapters.benefit_queries import benefit_counts_statement
from schema.benefits import parse_period

PERIOD = "2026-S1"  # the synthetic generator's period
DIPA = """query($period: String!) { dipa(period: $period) {
  rows { program component kabkotaCode kpm persons amount }
  totals { program kpm persons amount } missingRegions { region code } } }"""

Counts = dict[tuple[str, str, str | None], tuple[int, int]]


def postgres_sql() -> str:
    period = parse_period(PERIOD)
    statement = benefit_counts_statement(period.code, None, period.starts_on, by_kabkota=True)
    return str(statement.compile(dialect=postgresql.dialect(),
                                 compile_kwargs={"literal_binds": True}))


def gateway_counts(body: dict[str, Any]) -> Counts:
    return {(r["kabkotaCode"], r["program"], r["component"]): (r["kpm"], r["persons"])
            for r in body["data"]["dipa"]["rows"]}


def check_equal(ours: Counts, rows: list[Any]) -> int:
    """Every count the gateway shows equals PostgreSQL's, and every program of every kab/kota
    PostgreSQL counts is shown; the number of rows compared."""
    theirs: Counts = {(r["kabkota"], r["program"], r["component"]): (r["households"],
                                                                     r["persons"])
                      for r in rows}
    wrong = {k: (v, theirs.get(k)) for k, v in ours.items() if theirs.get(k) != v}
    absent = [k for k in theirs if k[2] is None and k not in ours]
    if wrong or absent:
        raise SystemExit(f"the DIPA differs from PostgreSQL: {list(wrong.items())[:5]} "
                         f"missing {absent[:5]}")
    return len(ours)


async def measure(prepared: Prepared, cluster: Cluster, repeat: int) -> tuple[Comparison, str]:
    sql = postgres_sql()
    pg = await asyncpg.connect(prepared.postgres_url.replace("postgresql://", "postgres://", 1))
    async with aiohttp.ClientSession() as plain:
        gateway = GatewayClient(plain, cluster.gateway_url)
        body = await gateway.query(DIPA, period=PERIOD)
        if body["data"]["dipa"]["missingRegions"]:
            raise SystemExit(f"nodes missing: {body['data']['dipa']['missingRegions']}")
        compared = check_equal(gateway_counts(body), await pg.fetch(sql))
        totals = {t["program"]: t for t in body["data"]["dipa"]["totals"]}
        summary = (f"equal: {compared} rows; e.g. PKH {totals['PKH']['kpm']:,} KPM, "
                   f"Rp{totals['PKH']['amount']:,}" if "PKH" in totals else
                   f"equal: {compared} rows")
        print(f"  {summary}", flush=True)
        assert cluster.gateway is not None
        gateway_pid, host_pids = cluster.gateway.pid, [h.pid for h in cluster.node_hosts]

        def cpu() -> dict[str, float]:
            return {"gateway": cpu_seconds(gateway_pid),
                    "nodes": sum(cpu_seconds(pid) for pid in host_pids)}

        print("timing (5) DIPA ...", flush=True)
        comparison = await compare(
            "(5) DIPA 2026-S1, live fan-out", lambda _: gateway.query(DIPA, period=PERIOD),
            lambda _: pg.fetch(sql), repeat=repeat, target=1.5,
            baseline_name="PostgreSQL, the same aggregate", cpu=cpu)
    await pg.close()
    return comparison, summary


async def run(prepared: Prepared, args: argparse.Namespace) -> int:
    cluster = Cluster(prepared.paths)
    try:
        await cluster.start_nodes(prepared.scale.regions, args.node_processes)
        await cluster.start_gateway(GatewaySettings(deadline_ms=args.deadline_ms,
                                                    max_concurrency=args.max_concurrency))
        print(f"{len(cluster.urls)} nodes and the gateway up", flush=True)
        comparison, summary = await measure(prepared, cluster, args.repeat)
    finally:
        await cluster.stop()
    manifest = prepared.manifest
    c = comparison
    print(f"\ndata: {manifest.households:,} households, {manifest.members:,} members, "
          f"{manifest.programs:,} program memberships over {len(prepared.scale.regions)} nodes")
    print(*comparison_table(c), sep="\n")
    print(f"\n({args.repeat} repetitions, alternating; {summary})")
    if c.cpu:
        print("CPU seconds per gateway request (median): " + ", ".join(
            f"{group} {t.median * 1000:,.0f} ms" for group, t in c.cpu.items()))
    return 0 if c.met else 1


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_data_options(parser, repeat=7)
    parser.add_argument("--deadline-ms", type=int, default=60_000)
    parser.add_argument("--max-concurrency", type=int, default=64)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return prepare_and_run(parse_args(argv), run)


if __name__ == "__main__":
    sys.exit(main())
