"""National deciles benchmark: the exact decile cut points computed federated (the gateway's
rounds of ``scoreHistogram`` counts over every node, docs/deciles.md) against
``percentile_disc`` over the same scores in the single PostgreSQL (target ≤ 1.5×).

    /work/venv/bin/python -m bench.federation_deciles           # 1,000,000 households, 514 nodes
    /work/venv/bin/python -m bench.federation_deciles --households 3000 --regions 3 --repeat 3

The data and nodes are the federation benchmark's (``bench/federation_data.py``; the same
cache; every household is scored by the node's PMT when seeded). The PostgreSQL copy gets the
nodes' ``pmt_score`` rows too (ids offset as for the other tables). The gateway side is what
``siks gateway deciles compute`` runs: its services in this process, over mutual TLS with the
gateway's signed service token, to every node. Before timing, the cut points of both are
checked equal (quantising is monotone, so percentile_disc over the raw scores, quantised,
is percentile_disc over the quantised scores).
"""

from __future__ import annotations

import argparse
import io
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

import asyncpg

from bench.federation import (
    Comparison,
    add_data_options,
    compare,
    comparison_table,
    prepare_and_run,
)
from bench.federation_cluster import Cluster, cpu_seconds
from bench.federation_data import ID_OFFSET, Prepared
from gateway.adapters.database import open_database
from gateway.adapters.migrations import upgrade
from gateway.config import GatewayConfig
from gateway.federation.model import NodeStatus, RegisteredNode
from gateway.federation.node_client import NodeClient
from gateway.service_layer.deciles import DecileResult, compute_deciles
from gateway.service_layer.services import (
    GatewayServices,
    build_services,
    node_ssl_context,
    user_context_forwarder,
)
from schema.deciles import quantise

POSTGRES_SQL = """SELECT percentile_disc(ARRAY[0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9])
  WITHIN GROUP (ORDER BY s.score) AS cuts
  FROM pmt_score s JOIN household h ON h.id = s.household_id WHERE h.status = 'ACTIVE'"""


async def ensure_scores_in_postgres(prepared: Prepared) -> int:
    """Copy every node's pmt_score rows into PostgreSQL once (ids offset per region)."""
    pg = await asyncpg.connect(prepared.postgres_url.replace("postgresql://", "postgres://", 1))
    try:
        have = await pg.fetchval("SELECT count(*) FROM pmt_score")
        if not have:
            for region, position in prepared.scale.region_index().items():
                with sqlite3.connect(prepared.paths.node_db(region)) as source:
                    rows = source.execute("SELECT household_id, score, score_q, "
                                          "model_version, computed_at FROM pmt_score"
                                          ).fetchall()
                text = "".join(f"{h + position * ID_OFFSET}\t{s!r}\t{q}\t{v}\t{t}\n"
                               for h, s, q, v, t in rows).encode()
                await pg.copy_to_table("pmt_score", source=io.BytesIO(text), format="text",
                                       columns=["household_id", "score", "score_q",
                                                "model_version", "computed_at"])
            await pg.execute("VACUUM ANALYZE pmt_score")
        return int(await pg.fetchval("SELECT count(*) FROM pmt_score"))
    finally:
        await pg.close()


async def gateway_services(prepared: Prepared, cluster: Cluster, workdir: Path,
                           max_concurrency: int) -> tuple[GatewayServices, NodeClient]:
    config = GatewayConfig(db_url=f"sqlite:///{workdir / 'gateway-deciles.sqlite'}",
                           directory_secret="-" * 32, pki_dir=prepared.paths.pki_dir,
                           max_concurrency=max_concurrency)
    database = open_database(config.db_url)
    await upgrade(database)
    client = NodeClient(ssl_context=node_ssl_context(config),
                        user_context=user_context_forwarder(config), pool_size=max_concurrency)
    await client.open()
    services = build_services(config, database, client)
    services.registry.replace([RegisteredNode(r, u, status=NodeStatus.ACTIVE)
                               for r, u in sorted(cluster.urls.items())])
    return services, client


async def run(prepared: Prepared, args: argparse.Namespace) -> int:
    scores = await ensure_scores_in_postgres(prepared)
    cluster = Cluster(prepared.paths)
    pg = await asyncpg.connect(prepared.postgres_url.replace("postgresql://", "postgres://", 1))
    try:
        await cluster.start_nodes(prepared.scale.regions, args.node_processes)
        print(f"{len(cluster.urls)} nodes up; {scores:,} scores in PostgreSQL", flush=True)
        with tempfile.TemporaryDirectory() as workdir:
            services, client = await gateway_services(prepared, cluster, Path(workdir),
                                                      args.max_concurrency)
            try:
                result = await compute_deciles(services, "bench", hinted=False)
                theirs = await pg.fetchval(POSTGRES_SQL)
                expected = tuple(quantise(c) for c in theirs)
                if result.cut_set.cuts != expected:
                    raise SystemExit(f"cut points differ: {result.cut_set.cuts} vs {expected}")
                hinted = await compute_deciles(services, "bench")
                if hinted.cut_set.cuts != expected:
                    raise SystemExit(f"hinted cut points differ: {hinted.cut_set.cuts}")
                host_pids = [h.pid for h in cluster.node_hosts]

                def cpu() -> dict[str, float]:
                    return {"nodes": sum(cpu_seconds(pid) for pid in host_pids),
                            "gateway (this process)": cpu_seconds(os.getpid())}

                comparisons = []
                for name, hint in (("cold: no previous cut points", False),
                                   ("hinted by the previous run's cut points", True)):
                    print(f"timing national deciles, {name} ...", flush=True)
                    comparisons.append(await compare(
                        f"national deciles (exact cut points), {name}",
                        lambda _, hint=hint: compute_deciles(services, "bench", hinted=hint),
                        lambda _: pg.fetchval(POSTGRES_SQL), repeat=args.repeat, target=1.5,
                        baseline_name="PostgreSQL percentile_disc, the same scores", cpu=cpu))
            finally:
                await client.close()
                await services.database.dispose()
    finally:
        await pg.close()
        await cluster.stop()
    report(prepared, args, [result, hinted], comparisons)
    return 0 if comparisons[0].met else 1


def report(prepared: Prepared, args: argparse.Namespace, results: list[DecileResult],
           comparisons: list[Comparison]) -> None:
    result = results[0]
    print(f"\nload average {' '.join(f'{v:.1f}' for v in os.getloadavg())} at the end")
    print(f"data: {result.cut_set.households:,} counted households (ACTIVE, scored) of "
          f"{prepared.manifest.households:,} over {len(prepared.scale.regions)} nodes")
    print("cut points: " + ", ".join(f"{s:.6f}" for s in result.cut_scores()))
    for r, c in zip(results, comparisons, strict=True):
        print()
        print(*comparison_table(c), sep="\n")
        rounds = f"{r.rounds} round{'s' if r.rounds != 1 else ''}"
        print(f"({args.repeat} repetitions, alternating; {rounds}, the untimed "
              "check's: " + "; ".join(f"{e['round']}: {e['ranges']} ranges, {e['buckets']} "
                                      f"buckets, {e['ms']} ms" for e in r.round_log) + ")")
        if c.cpu:
            print("CPU seconds per computation (median): " + ", ".join(
                f"{group} {t.median * 1000:,.0f} ms" for group, t in c.cpu.items()))
    print("\nexit status: the cold computation against the target")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_data_options(parser, repeat=7)
    parser.add_argument("--max-concurrency", type=int, default=64)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return prepare_and_run(parse_args(argv), run)


if __name__ == "__main__":
    sys.exit(main())
