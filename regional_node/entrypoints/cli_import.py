"""``siks node import FILE`` and ``siks node import-template``: bulk import of the DTKS
spreadsheets operators keep, with a progress bar and a row-level error report.

Exit codes: 0 imported without errors; 1 errors were reported (in all-or-nothing mode nothing
was stored); 2 usage or configuration error (one line on stderr, printed by ``siks``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from regional_node.entrypoints.cli import add_database_options, config_from

if TYPE_CHECKING:
    from regional_node.domain.audit import Actor
    from regional_node.service_layer.importer import ImportReport

MODES = ("all-or-nothing", "skip-bad-rows")
ERROR_COLUMNS = ("row", "column", "severity", "reason", "message")
ERRORS_SHOWN = 10
TEXT_COLUMNS = ("kk_number", "nik", "desa_code")


def register(node_commands: argparse._SubParsersAction) -> None:
    _add_import(node_commands)
    _add_template(node_commands)


def _add_import(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import", help="import households from a DTKS spreadsheet (CSV or XLSX)",
        description="Import households from a CSV or XLSX file with one row per person "
                    "(format: docs/import.md; get a template with `siks node import-template`).")
    parser.add_argument("file", type=Path, metavar="FILE", help="the .csv or .xlsx file")
    add_database_options(parser)
    parser.add_argument("--mode", choices=MODES, default=MODES[0],
                        help="all-or-nothing (default): any error and nothing is stored; "
                             "skip-bad-rows: store the good households, skip the bad ones whole")
    parser.add_argument("--errors", type=Path, metavar="REPORT.csv",
                        help="write every error and warning (row, column, severity, reason, "
                             "message) to this file")
    parser.add_argument("--lang", metavar="id|en",
                        help="the language of the error and warning messages: id (Bahasa "
                             "Indonesia) or en (English); default: env SIKS_NODE_LANGUAGE, "
                             "else id")
    parser.add_argument("--sheet", help="XLSX sheet to read (default: the first)")
    parser.add_argument("--actor", help="who imports, for the audit log (default: OS user)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=_import)


def _add_template(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import-template", help="write an empty import template with one example row")
    parser.add_argument("--output", type=Path, required=True, metavar="template.xlsx|.csv",
                        help="file to write; .xlsx adds a sheet describing every column")
    parser.add_argument("--region", metavar="KABKOTA",
                        help="kab/kota of the example row (default: env SIKS_NODE_REGION, "
                             "else 32.73)")
    parser.set_defaults(handler=_template)


def _import(args: argparse.Namespace) -> int:
    from regional_node.config import node_language
    from regional_node.domain.audit import Actor
    from regional_node.errors import TableFileError

    if args.lang is not None:
        args.lang = node_language(args.lang, "--lang")
    if not args.file.is_file():
        raise TableFileError(f"{args.file} does not exist or is not a file")
    if args.errors is not None and not args.errors.parent.is_dir():
        raise TableFileError(f"cannot write the error report to {args.errors}: "
                             f"{args.errors.parent} is not a folder")
    config = config_from(args)
    actor = Actor(id=f"cli:{args.actor or _os_user()}", role="DINSOS")
    report = asyncio.run(_run_import(args, config.db_url, config.region, actor))
    language = config.language
    if args.errors is not None:
        _write_errors(args.errors, report, language)
    print(summary(report, errors_file=args.errors))
    if report.errors and args.errors is None:
        for error in report.errors[:ERRORS_SHOWN]:
            print(f"  row {error.row}, {error.column or 'header'}: "
                  f"{error.message.text(language)} [{error.reason}]", file=sys.stderr)
        if len(report.errors) > ERRORS_SHOWN:
            print(f"  … and {len(report.errors) - ERRORS_SHOWN} more: use --errors REPORT.csv "
                  "for the full list", file=sys.stderr)
    return 0 if report.ok else 1


async def _run_import(args: argparse.Namespace, db_url: str, region: str,
                      actor: Actor) -> ImportReport:
    from regional_node.adapters.database import open_database
    from regional_node.config import NodeConfig
    from regional_node.service_layer.importer import ImportMode, import_households
    from regional_node.service_layer.lifecycle import prepare_database

    await prepare_database(NodeConfig(region=region, db_url=db_url))
    database = open_database(db_url)
    try:
        with _progress_bar(quiet=args.quiet) as progress:
            return await import_households(
                database, args.file, node_region=region, actor=actor,
                mode=ImportMode(args.mode), progress=progress, sheet=args.sheet)
    finally:
        await database.dispose()


@contextmanager
def _progress_bar(*, quiet: bool) -> Iterator[Callable[[int, int | None], None]]:
    from tqdm import tqdm

    bar = tqdm(unit=" rows", desc="importing", file=sys.stderr, dynamic_ncols=True,
               disable=quiet or not sys.stderr.isatty())

    def advance(done: int, expected: int | None) -> None:
        if expected is not None and bar.total != max(expected, done):
            bar.total = max(expected, done)
        bar.update(done - bar.n)

    try:
        yield advance
    finally:
        bar.close()


def summary(report: ImportReport, *, errors_file: Path | None = None) -> str:
    """One paragraph on what the import did."""
    name = Path(report.source).name
    rate = (f" ({report.households_stored / report.seconds:,.0f} households/s)"
            if report.households_stored and report.seconds >= 0.5 else "")
    errors = _count(len(report.errors), "error")
    listed = f"; listed in {errors_file}" if errors_file is not None else ""
    if report.rows_read == 0 and report.errors:
        return (f"Nothing was imported: {name} has {errors} in its header row"
                f"{f' (listed in {errors_file})' if errors_file is not None else ''}.")
    read = (f"{_count(report.rows_read, 'row')} and "
            f"{_count(report.households_read, 'household')} read")
    if report.mode == "all-or-nothing" and report.errors:
        return (f"Nothing was stored: {name} has {errors} in "
                f"{_count(report.households_with_errors, 'household')} (all-or-nothing mode"
                f"{listed}). Fix them, or import with --mode skip-bad-rows. {read}.")
    stored = (f"Imported {_count(report.households_stored, 'household')} "
              f"({_count(report.members_stored, 'member')}) from {name} in "
              f"{report.seconds:.1f} s{rate}")
    if not report.errors:
        return f"{stored}; no errors ({report.mode} mode). {read}.{_warned(report, listed)}"
    return (f"{stored}; skipped {_count(report.households_skipped, 'household')} with "
            f"{errors} ({report.mode} mode{listed}). {read}.{_warned(report, listed)}")


def _warned(report: ImportReport, listed: str) -> str:
    """The warnings kept with the stored households, if any."""
    if not report.warnings_stored:
        return ""
    return (f" {_count(report.warnings_stored, 'warning')} kept with the households for "
            f"Dinas Sosial to check (implausible but possible data{listed}).")


def _write_errors(path: Path, report: ImportReport, language: str) -> None:
    from regional_node.adapters.tabular_files import write_table

    rows = [(str(e.row), e.column, "error", e.reason, e.message.text(language))
            for e in report.errors]
    rows += [(str(w.row), w.column, "warning", w.kind, w.message.text(language))
             for w in report.warnings]
    rows.sort(key=lambda row: int(row[0]))
    write_table(path, ERROR_COLUMNS, rows)


def _template(args: argparse.Namespace) -> int:
    from regional_node.adapters.tabular_files import write_table
    from regional_node.config import node_env
    from regional_node.domain.import_format import COLUMNS, example_row
    from schema.regions import RegionLevel, regions

    region = node_env(overrides={"region": args.region}).text("region") or "32.73"
    regions().require(region, level=RegionLevel.KABKOTA)
    example = example_row(region)
    header = [c.name for c in COLUMNS]
    notes = [("column", "required", "scope", "also accepted", "values")] + [
        (c.name, "yes" if c.required else "", str(c.scope), ", ".join(c.aliases), c.description)
        for c in COLUMNS]
    write_table(args.output, header, [[example[name] for name in header]],
                text_columns=TEXT_COLUMNS, notes=notes)
    print(f"template written to {args.output}: {len(header)} columns and one example row "
          "(format: docs/import.md)")
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
