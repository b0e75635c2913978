"""``siks node verivali``: verivali periods and coverage, at the node's own console.

    siks node verivali coverage --period 2026-S2 [--within 32.73.01] [--csv out.csv] --db URL
    siks node verivali periods --db URL

Coverage is active households with a field verification in the period, by desa, for the
whole node (or the kecamatan/desa given with ``--within``). ``--csv`` also writes it as CSV
(``period,desa_code,desa_name,verified,active,percent``, one row per desa).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
from pathlib import Path
from typing import TYPE_CHECKING

from regional_node.entrypoints.cli import add_database_options

if TYPE_CHECKING:
    from regional_node.domain.verivali import Period
    from regional_node.service_layer.verivali import CoverageReport

CSV_COLUMNS = ("period", "desa_code", "desa_name", "verified", "active", "percent")


def register(commands: argparse._SubParsersAction) -> None:
    verivali = commands.add_parser("verivali", help="verivali periods and coverage")
    verivali_commands = verivali.add_subparsers(dest="verivali_command", required=True,
                                                metavar="COMMAND")
    coverage = verivali_commands.add_parser(
        "coverage", help="active households verified in a period, by desa",
        description="Active households with a field verification in the period, by desa.")
    add_database_options(coverage, region=False)
    coverage.add_argument("--period", required=True, metavar="CODE",
                          help="the verivali period, e.g. 2026-S2")
    coverage.add_argument("--within", metavar="CODE",
                          help="only this kecamatan or desa, e.g. 32.73.01")
    coverage.add_argument("--csv", type=Path, metavar="FILE", help="also write it as CSV")
    coverage.set_defaults(handler=_coverage)
    periods = verivali_commands.add_parser("periods", help="list the defined periods")
    add_database_options(periods, region=False)
    periods.set_defaults(handler=_periods)


def _coverage(args: argparse.Namespace) -> int:
    report = asyncio.run(_coverage_report(args))
    period = report.period
    print(f"verivali {period.code} ({period.starts_on} – {period.ends_on}"
          f"{'' if report.stored else ', no verification yet'})")
    rows = [(d.desa_code, _desa_name(d.desa_code), str(d.verified), str(d.active),
             f"{d.percent:.1f}%") for d in report.desas]
    rows.append(("", "total", str(report.verified), str(report.active),
                 f"{report.percent:.1f}%"))
    header = ("desa", "name", "verified", "active", "coverage")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.rjust(w) if i >= 2 else cell.ljust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
    if args.csv is not None:
        _write_csv(args.csv, report)
        print(f"wrote {len(report.desas)} desas to {args.csv}")
    return 0


def _write_csv(path: Path, report: CoverageReport) -> None:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for desa in report.desas:
            writer.writerow((report.period.code, desa.desa_code, _desa_name(desa.desa_code),
                             desa.verified, desa.active, f"{desa.percent:.1f}"))


def _desa_name(code: str) -> str:
    from schema.regions import regions

    region = regions().get(code)
    return region.name if region is not None else ""


async def _coverage_report(args: argparse.Namespace) -> CoverageReport:
    from regional_node.adapters.database import open_database
    from regional_node.config import database_url
    from regional_node.errors import OutOfRegion
    from regional_node.service_layer.node_meta import bound_region
    from regional_node.service_layer.verivali import coverage
    from schema.regions import is_within, regions

    database = open_database(database_url(args.db_url))
    try:
        within = args.within
        if within is not None:
            regions().require(within)
            region = await bound_region(database)
            if region is not None and not is_within(within, region):
                raise OutOfRegion(f"{within} is outside this node's region {region}",
                                  reason="out_of_region", field="within")
        async with database.reader() as session:
            return await coverage(session, args.period, region=within)
    finally:
        await database.dispose()


def _periods(args: argparse.Namespace) -> int:
    for period in asyncio.run(_stored_periods(args)):
        print(f"{period.code}  {period.starts_on} – {period.ends_on}  {period.name or ''}"
              .rstrip())
    return 0


async def _stored_periods(args: argparse.Namespace) -> list[Period]:
    from regional_node.adapters.database import open_database
    from regional_node.adapters.verification_queries import stored_periods
    from regional_node.config import database_url

    database = open_database(database_url(args.db_url))
    try:
        async with database.reader() as session:
            return await stored_periods(session)
    finally:
        await database.dispose()
