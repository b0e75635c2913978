"""``siks gateway deciles compute`` (the exact national decile cut points from every node's
counts, signed down to every node with ``--issue``) and ``siks gateway deciles show`` (the
latest computation). docs/deciles.md."""

from __future__ import annotations

import argparse
import asyncio


def register(commands: argparse._SubParsersAction) -> None:
    from gateway.entrypoints.cli import _db_option, _pki_option

    deciles = commands.add_parser("deciles", help="national welfare deciles (desil) from "
                                                  "every node's counts, never a score")
    sub = deciles.add_subparsers(dest="deciles_action", required=True, metavar="ACTION")
    compute = sub.add_parser("compute", help="compute the exact cut points over every "
                                             "registered node (and --issue them)")
    compute.add_argument("--issue", action="store_true",
                         help="sign the cut points down to every node (a DESIL_CUTS decision)")
    compute.add_argument("--actor", default="cli:kemensos",
                         help="who computes, for the audit log (default cli:kemensos)")
    show = sub.add_parser("show", help="print the latest computation")
    for parser in (compute, show):
        _db_option(parser)
        _pki_option(parser)
    compute.set_defaults(handler=_compute)
    show.set_defaults(handler=_show)


def _compute(args: argparse.Namespace) -> int:
    from gateway.entrypoints.cli import _pki_dir, _services
    from gateway.inbox.http import GatewaySigner
    from gateway.service_layer.deciles import compute_deciles, issue_cut_sets
    from gateway.service_layer.services import GatewayServices

    signer = GatewaySigner(_pki_dir(args)) if args.issue else None
    if signer is not None:
        signer()  # no gateway key: one line naming the missing file, before any node is asked

    async def run() -> int:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            result = await compute_deciles(services, args.actor)
            print(f"desil {result.cut_set.cut_set_id}: {result.cut_set.households:,} rumah "
                  f"tangga / households, {result.rounds} putaran / rounds")
            for k, score in enumerate(result.cut_scores(), start=1):
                print(f"  c{k} = {score:.6f}")
            if signer is not None:
                sent = await issue_cut_sets(services.database, signer, result.cut_set,
                                            sorted(result.regions), args.actor)
                print(f"dikirim ke / sent to {len(sent)} node")
        return 0

    return asyncio.run(run())


def _show(args: argparse.Namespace) -> int:
    from gateway.entrypoints.cli import _services
    from gateway.service_layer.deciles import latest_run
    from gateway.service_layer.services import GatewayServices
    from schema.deciles import score_of

    async def run() -> int:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            run = await latest_run(services.database)
        if run is None:
            print("belum ada perhitungan desil / no decile computation yet")
            return 1
        print(f"desil {run.cut_set_id} ({run.computed_at:%Y-%m-%d %H:%M} UTC, {run.actor}): "
              f"{run.households:,} rumah tangga / households, {run.rounds} putaran / rounds")
        print("  " + " ".join(f"c{k}={score_of(c):.6f}" for k, c in enumerate(run.cuts, 1)))
        for region, counts in sorted(run.regions.items()):
            print(f"  {region}: " + " ".join(str(n) for n in counts))
        return 0

    return asyncio.run(run())
