"""``siks gateway pockets compute|show``: the national poverty pockets of a period, computed
from every registered node's counts and stored; or printed as stored (docs/pockets.md)."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.service_layer.pockets_stats import DEFAULT_ALPHA, DEFAULT_PERMUTATIONS, DEFAULT_SEED

if TYPE_CHECKING:
    from gateway.adapters.pocket_store import PocketRecord

DEFAULT_DEADLINE_MS = 60_000


def register(commands: argparse._SubParsersAction) -> None:
    from gateway.entrypoints.cli import _db_option, _pki_option

    pockets = commands.add_parser("pockets", help="national poverty pockets (kab/kota hot "
                                                  "spots of deprivation)")
    sub = pockets.add_subparsers(dest="pockets_action", required=True, metavar="ACTION")
    compute = sub.add_parser("compute", help="ask every node, compute and store a period's "
                                             "pockets")
    compute.add_argument("--period", required=True, metavar="YYYY-S1")
    compute.add_argument("--alpha", type=float, default=DEFAULT_ALPHA,
                         help=f"false discovery rate (default {DEFAULT_ALPHA})")
    compute.add_argument("--permutations", type=int, default=DEFAULT_PERMUTATIONS,
                         help=f"Gi* permutations (default {DEFAULT_PERMUTATIONS})")
    compute.add_argument("--seed", type=int, default=DEFAULT_SEED,
                         help=f"permutation seed (default {DEFAULT_SEED})")
    compute.add_argument("--cache-dir", type=Path, metavar="DIR",
                         help="keep the contiguity weights derived from the boundaries here")
    compute.add_argument("--deadline-ms", type=int, default=DEFAULT_DEADLINE_MS)
    _pki_option(compute)
    compute.set_defaults(handler=_compute)
    show = sub.add_parser("show", help="print a period's stored pockets")
    show.add_argument("--period", required=True, metavar="YYYY-S1")
    show.set_defaults(handler=_show)
    for parser in (compute, show):
        _db_option(parser)


def _check(args: argparse.Namespace) -> str:
    from schema.benefits import parse_period
    from schema.errors import InvalidInput

    code = parse_period(args.period, "--period").code
    if not 0 < getattr(args, "alpha", 0.5) < 1:
        raise InvalidInput("--alpha harus di antara 0 dan 1 / --alpha must be between 0 and 1",
                           reason="out_of_range", field="--alpha")
    if getattr(args, "permutations", 99) < 99:
        raise InvalidInput("--permutations minimal 99 / --permutations must be at least 99",
                           reason="out_of_range", field="--permutations")
    return code


def _compute(args: argparse.Namespace) -> int:
    from gateway.entrypoints.cli import _services
    from gateway.federation.deadline import Deadline
    from gateway.federation.fanout import RequestScope
    from gateway.federation.node_client import CallMeta
    from gateway.service_layer.pockets import PocketSettings, compute_pockets
    from gateway.service_layer.services import GatewayServices
    from schema.roles import Principal, Role

    period = _check(args)
    settings = PocketSettings(args.alpha, args.permutations, args.seed, args.cache_dir)
    principal = Principal(user_id="cli:kemensos", role=Role.KEMENSOS)

    async def run() -> int:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            scope = RequestScope(Deadline.after_ms(args.deadline_ms),
                                 CallMeta(f"pockets-{uuid.uuid4().hex[:8]}", principal))
            run_record, pockets = await compute_pockets(services, scope, period, settings)
            failures = [f"{f.region}: {f.error.code}" for f in scope.report.failures]
        print(f"periode / period {run_record.period}: {run_record.regions_analysed} kab/kota "
              f"dianalisis / analysed, {len(pockets)} kantong / pockets")
        for failed in failures:
            print(f"TIDAK MENJAWAB / DID NOT ANSWER: {failed}")
        _print(pockets)
        return 0

    return asyncio.run(run())


def _show(args: argparse.Namespace) -> int:
    from gateway.adapters.pocket_store import PocketStore
    from gateway.entrypoints.cli import _services
    from gateway.service_layer.services import GatewayServices

    period = _check(args)

    async def run() -> int:
        async with _services(args) as services:
            assert isinstance(services, GatewayServices)
            run_record, pockets = await PocketStore(services.database).of_period(period)
        if run_record is None:
            print(f"periode {period} belum dihitung / period {period} not computed")
            return 1
        print(f"periode / period {period} (sebelumnya / previous: "
              f"{run_record.previous_period or '-'}): {len(pockets)} kantong / pockets")
        _print(pockets)
        return 0

    return asyncio.run(run())


def _print(pockets: Sequence[PocketRecord]) -> None:
    from gateway.entrypoints.graphql.types import region_name

    for p in pockets:
        mark = "BARU/NEW" if p.is_new else "-"
        print(f"{p.kabkota_code} {region_name(p.kabkota_code)} {mark} "
              f"{100 * p.share:.1f}% z={p.z_score:.2f} p={p.p_value:.4f}")
        print(f"  {p.reason_id}")
        print(f"  {p.reason_en}")
