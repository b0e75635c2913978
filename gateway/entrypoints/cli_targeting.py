"""``siks gateway targeting record`` (keep a period's targeting indicators), ``siks gateway
map render`` (a choropleth PNG of one indicator per kab/kota) and ``siks gateway plot
deciles`` (a region's desil distribution as a PNG). They ask as Kemensos through the same
service as the ``targetingIndicators`` query: a recorded period from the store, another live
from the nodes. docs/targeting.md."""

from __future__ import annotations

import argparse
import asyncio
import uuid
from pathlib import Path
from typing import Any

DEFAULT_DEADLINE_MS = 60_000


def register(commands: argparse._SubParsersAction) -> None:
    from gateway.entrypoints.cli import _db_option, _pki_option

    targeting = commands.add_parser("targeting", help="targeting error indicators per period")
    sub = targeting.add_subparsers(dest="targeting_action", required=True, metavar="ACTION")
    record = sub.add_parser("record", help="count a period at every node and keep it (to "
                                           "compare periods)")
    record.set_defaults(handler=_record)

    maps = commands.add_parser("map", help="maps of the targeting indicators")
    map_sub = maps.add_subparsers(dest="map_action", required=True, metavar="ACTION")
    render = map_sub.add_parser("render", help="a choropleth PNG of one indicator per kab/kota")
    render.add_argument("--indicator", required=True,
                        help="exclusion_error, inclusion_error.<PROGRAM> or coverage.<PROGRAM>")
    render.add_argument("--region", metavar="CODE",
                        help="a province or kab/kota (default: every kab/kota with data)")
    render.set_defaults(handler=_render)

    plot = commands.add_parser("plot", help="plots of the targeting indicators")
    plot_sub = plot.add_subparsers(dest="plot_action", required=True, metavar="ACTION")
    deciles = plot_sub.add_parser("deciles", help="a region's households by desil (PNG)")
    deciles.add_argument("--region", required=True, metavar="CODE",
                         help="a province, kab/kota, kecamatan or desa")
    deciles.set_defaults(handler=_deciles)

    for parser in (record, render, deciles):
        parser.add_argument("--period", required=True, metavar="YYYY-S1")
        parser.add_argument("--deadline-ms", type=int, default=DEFAULT_DEADLINE_MS)
        _db_option(parser)
        _pki_option(parser)
    for parser in (render, deciles):
        parser.add_argument("--output", type=Path, required=True, metavar="FILE.png")
        parser.add_argument("--lang", choices=("id", "en"), default="id",
                            help="label language (default id)")


def _scope(args: argparse.Namespace, name: str) -> Any:
    from gateway.federation.deadline import Deadline
    from gateway.federation.fanout import RequestScope
    from gateway.federation.node_client import CallMeta
    from schema.roles import Principal, Role

    principal = Principal(user_id="cli:kemensos", role=Role.KEMENSOS)
    return RequestScope(Deadline.after_ms(args.deadline_ms),
                        CallMeta(f"{name}-{uuid.uuid4().hex[:8]}", principal))


def _missing(scope: Any) -> int:
    regions = sorted({failure.region for failure in scope.report.failures})
    for region in regions:
        print(f"TIDAK TERHITUNG / LEFT OUT: {region}")
    return 1 if regions else 0


def _record(args: argparse.Namespace) -> int:
    from gateway.entrypoints.cli import _services
    from gateway.service_layer.targeting import record_period
    from schema.benefits import parse_period

    period = parse_period(args.period, "--period").code
    scope = _scope(args, "targeting")

    async def run() -> list[str]:
        async with _services(args) as services:
            return await record_period(services, scope, period)  # type: ignore[arg-type]

    recorded = asyncio.run(run())
    print(f"periode {period} dicatat untuk {len(recorded)} kab/kota / period {period} "
          f"recorded for {len(recorded)} kab/kota: {', '.join(recorded) or '-'}")
    return _missing(scope)


async def _rows(args: argparse.Namespace, level: str, region: str | None) -> Any:
    from gateway.entrypoints.cli import _services
    from gateway.service_layer.targeting import targeting_indicators

    scope = _scope(args, "targeting")
    async with _services(args) as services:
        answer = await targeting_indicators(services, scope, level,  # type: ignore[arg-type]
                                            args.period, region=region)
    return answer, scope


def _render(args: argparse.Namespace) -> int:
    from gateway.service_layer.map_render import render_choropleth
    from gateway.service_layer.maps import check_indicator
    from schema.benefits import parse_period

    check_indicator(args.indicator)
    parse_period(args.period, "--period")
    answer, scope = asyncio.run(_rows(args, "KABKOTA", args.region))
    values = {row.region: row.indicator(args.indicator) for row in answer.rows}
    if not values:
        print(f"tidak ada data untuk periode {answer.period} / no data for period "
              f"{answer.period}")
        return 1
    args.output.write_bytes(render_choropleth(values, args.indicator, answer.period,
                                              language=args.lang))
    print(f"{args.output}: {args.indicator}, {len(values)} kab/kota, periode / period "
          f"{answer.period}")
    return _missing(scope)


def _deciles(args: argparse.Namespace) -> int:
    from gateway.service_layer.map_render import render_deciles
    from schema.benefits import parse_period
    from schema.i18n import Translator
    from schema.regions import regions
    from schema.targeting import CODE_LENGTHS

    parse_period(args.period, "--period")
    region = regions().require(args.region)
    level = next(name for name, length in CODE_LENGTHS.items() if length == len(region.code))
    answer, scope = asyncio.run(_rows(args, level, region.code))
    counts: dict[int | None, int] = {}
    for row in answer.rows:
        counts.update(row.by_desil)
        counts[None] = row.no_desil
    title = Translator("maps", args.lang)("Households by desil — {name} ({code}), period "
                                          "{period}", name=region.name, code=region.code,
                                          period=answer.period)
    args.output.write_bytes(render_deciles(counts, title, language=args.lang))
    total = sum(counts.values())
    print(f"{args.output}: {region.code} {region.name}, {total} rumah tangga / households, "
          f"periode / period {answer.period}")
    return _missing(scope)
