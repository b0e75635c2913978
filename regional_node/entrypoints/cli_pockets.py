"""``siks node pockets compute``: the clusters of poor households of a period in this
kab/kota, found and stored (docs/pockets.md)."""

from __future__ import annotations

import argparse
import asyncio

from regional_node.entrypoints.cli import add_database_options
from regional_node.service_layer.cluster_stats import (
    DEFAULT_ALPHA,
    DEFAULT_MIN_CLUSTER_SIZE,
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
)


def register(commands: argparse._SubParsersAction) -> None:
    pockets = commands.add_parser("pockets", help="clusters of poor households in this kab/kota")
    sub = pockets.add_subparsers(dest="pockets_command", required=True, metavar="COMMAND")
    compute = sub.add_parser("compute", help="find and store a period's clusters")
    compute.add_argument("--period", required=True, metavar="YYYY-S1")
    compute.add_argument("--min-cluster-size", type=int, default=DEFAULT_MIN_CLUSTER_SIZE,
                         help=f"HDBSCAN's smallest cluster (default {DEFAULT_MIN_CLUSTER_SIZE})")
    compute.add_argument("--alpha", type=float, default=DEFAULT_ALPHA)
    compute.add_argument("--permutations", type=int, default=DEFAULT_PERMUTATIONS)
    compute.add_argument("--seed", type=int, default=DEFAULT_SEED)
    add_database_options(compute, region=False)
    compute.set_defaults(handler=_compute)


def _compute(args: argparse.Namespace) -> int:
    from regional_node.entrypoints.cli_pmt import _with_database
    from regional_node.service_layer.household_clusters import (
        ClusterSettings,
        compute_clusters,
    )
    from schema.benefits import parse_period
    from schema.errors import InvalidInput

    period = parse_period(args.period, "--period").code
    if args.min_cluster_size < 5:
        raise InvalidInput("--min-cluster-size minimal 5 / --min-cluster-size must be at "
                           "least 5", reason="out_of_range", field="--min-cluster-size")
    if not 0 < args.alpha < 1:
        raise InvalidInput("--alpha harus di antara 0 dan 1 / --alpha must be between 0 and 1",
                           reason="out_of_range", field="--alpha")
    if args.permutations < 19:
        raise InvalidInput("--permutations minimal 19 / --permutations must be at least 19",
                           reason="out_of_range", field="--permutations")
    settings = ClusterSettings(args.min_cluster_size, args.alpha, args.permutations, args.seed)
    run, rows = asyncio.run(_with_database(
        args, lambda database: compute_clusters(database, period, settings)))
    print(f"periode / period {run.period}: {run.households} rumah tangga / households, "
          f"{run.poor_households} miskin / poor, {run.candidates} kandidat / candidates, "
          f"{len(rows)} klaster / clusters")
    for row in rows:
        mark = "BARU/NEW" if row.is_new else "-"
        print(f"{row.latitude:.2f},{row.longitude:.2f} {mark} {row.size} "
              f"{' '.join(row.desa_codes)}")
        print(f"  {row.reason_id}")
        print(f"  {row.reason_en}")
    return 0
