"""Ingest benchmark: households/s into SQLite and PostgreSQL, the project against a baseline.

    /work/venv/bin/python bench/ingest.py                      # 20,000 households of 32.73
    /work/venv/bin/python bench/ingest.py --households 5000 --skip-postgres

1. ``siks seed``'s generator writes N households (about 3.8 members each) of a kab/kota into
   an import CSV (timed separately: that is the generator's speed, not part of ingest).
2. For each backend, in a fresh, migrated database:
   * project: the file goes through the real importer (read, parse, validate every row,
     refuse duplicates, store, audit chain), in one all-or-nothing transaction;
   * baseline: the same file read with the ``csv`` module and its rows inserted with plain
     ``executemany`` of raw INSERTs through the same driver (aiosqlite / asyncpg), no
     validation and no audit, in one transaction, with the same SQLite pragmas.
3. Prints households/s and members/s for each, and the project / baseline ratio.

``--xlsx``: instead, the same households as an XLSX workbook (what operators fill in Excel)
against the same CSV, both through the real importer into fresh SQLite files, alternating
(``--repeat`` pairs); prints the XLSX / CSV rate (target ≥ 0.8, issue 15).

PostgreSQL: ``--postgres`` (default postgresql://postgres@127.0.0.1:5432/postgres); a database
is created for each run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import json
import os
import platform
import resource
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import asyncpg

from regional_node.adapters.database import open_database
from regional_node.config import NodeConfig
from regional_node.domain.audit import Actor
from regional_node.service_layer.import_file_writer import write_import_csv
from regional_node.service_layer.lifecycle import prepare_database
from regional_node.service_layer.seeding import seed_households
from regional_node.service_layer.synthetic import generate_households
from regional_node.service_layer.synthetic_layout import region_layout

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET = 5_000  # households/s
XLSX_TARGET = 0.8  # XLSX rate / CSV rate
ARGS = argparse.Namespace()
BENCH_ACTOR = Actor("cli:bench", "DINSOS")
READING = {"auto": None, "process": True, "here": False}  # --reading → reading_process


def _cpu_with_children() -> float:
    """CPU seconds of this process (all threads) and of its ended children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@dataclass(frozen=True, slots=True)
class Run:
    households: int
    members: int
    seconds: float
    cpu_seconds: float  # of this process and its children (the import's reading process)

    @property
    def households_per_s(self) -> float:
        return self.households / self.seconds

    @property
    def members_per_s(self) -> float:
        return self.members / self.seconds


# -- project -----------------------------------------------------------------------------------

async def project_import(url: str, region: str, path: Path) -> Run:
    """The file through the real importer, all-or-nothing, as ``siks node import`` runs it."""
    from regional_node.service_layer.importer import ImportMode, import_households

    database = open_database(url)
    try:
        started, cpu = time.perf_counter(), _cpu_with_children()
        report = await import_households(database, path, node_region=region, actor=BENCH_ACTOR,
                                         mode=ImportMode.ALL_OR_NOTHING,
                                         reading_process=READING[ARGS.reading])
        seconds, cpu = time.perf_counter() - started, _cpu_with_children() - cpu
    finally:
        await database.dispose()
    if report.errors:
        first = report.errors[0]
        raise SystemExit(f"the import reported {len(report.errors)} errors, first: row "
                         f"{first.row} {first.column}: {first.message}")
    return Run(report.households_stored, report.members_stored, seconds, cpu)


async def project_store(url: str, region: str, path: Path) -> Run:
    """Only the storing half (``--stage store``): the generated records, re-created from the
    seed outside the clock, through UnitOfWork + registry.store_households + audit chain."""
    records = list(generate_households(region, ARGS.households, seed=ARGS.seed))
    database = open_database(url)
    try:
        started, cpu = time.perf_counter(), _cpu_with_children()
        report = await seed_households(database, records)
        seconds, cpu = time.perf_counter() - started, _cpu_with_children() - cpu
    finally:
        await database.dispose()
    return Run(report.households, report.members, seconds, cpu)


# -- baseline: plain executemany ---------------------------------------------------------------

HOUSEHOLD_COLUMNS = ("id", "kk_number", "desa_code", "address", "latitude", "longitude",
                     "floor_material", "wall_material", "roof_material", "floor_area_m2",
                     "tenure", "drinking_water", "lighting", "cooking_fuel", "toilet", "assets",
                     "desil", "status", "version", "created_at", "updated_at")
MEMBER_COLUMNS = ("id", "household_id", "nik", "name", "birth_date", "sex", "relationship",
                  "education", "occupation", "disability", "match_status", "alive",
                  "created_at", "updated_at")
PROGRAM_COLUMNS = ("household_id", "member_id", "program", "period", "start_date", "active")
PERSON_PROGRAMS = ("PBI_JK", "PIP")


@dataclass
class Rows:
    households: list[tuple[object, ...]]
    members: list[tuple[object, ...]]
    programs: list[tuple[object, ...]]


def read_rows(path: Path, *, typed: bool) -> Rows:
    """The file's rows as INSERT parameters, with no validation. ``typed`` converts numbers,
    dates and booleans to Python objects (asyncpg needs them; SQLite takes text)."""
    now: object = dt.datetime.now(dt.UTC) if typed else dt.datetime.now(dt.UTC).isoformat(" ")
    rows = Rows([], [], [])
    household_id = member_id = 0
    current_kk = None

    def number(text: str) -> float | None:
        return float(text) if text else None

    def day(text: str) -> object:
        return dt.date.fromisoformat(text) if typed else text

    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        col = {name: i for i, name in enumerate(header)}
        for row in reader:
            if row[col["kk_number"]] != current_kk:
                current_kk = row[col["kk_number"]]
                household_id += 1
                assets = json.dumps([a for a in row[col["assets"]].split(";") if a])
                rows.households.append((
                    household_id, current_kk, row[col["desa_code"]], row[col["address"]],
                    number(row[col["latitude"]]), number(row[col["longitude"]]),
                    row[col["floor_material"]] or None, row[col["wall_material"]] or None,
                    row[col["roof_material"]] or None, number(row[col["floor_area_m2"]]),
                    row[col["tenure"]] or None, row[col["drinking_water"]] or None,
                    row[col["lighting"]] or None, row[col["cooking_fuel"]] or None,
                    row[col["toilet"]] or None, assets,
                    int(row[col["desil"]]) if row[col["desil"]] else None,
                    row[col["status"]] or "ACTIVE", 1, now, now))
            member_id += 1
            rows.members.append((
                member_id, household_id, row[col["nik"]], row[col["name"]],
                day(row[col["birth_date"]]), row[col["sex"]], row[col["relationship"]],
                row[col["education"]] or None, row[col["occupation"]] or None,
                row[col["disability"]] or "NONE", row[col["match_status"]] or "UNCHECKED",
                row[col["alive"]] != "NO", now, now))
            for item in filter(None, row[col["programs"]].split(";")):
                program, period, start = item.split("@")
                person = member_id if program in PERSON_PROGRAMS else None
                rows.programs.append((household_id, person, program, period, day(start), True))
    return rows


def _insert(table: str, columns: tuple[str, ...], marker: Callable[[int], str]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"VALUES ({', '.join(marker(i) for i in range(1, len(columns) + 1))})")


async def baseline_sqlite(url: str, region: str, path: Path) -> Run:
    started, cpu = time.perf_counter(), _cpu_with_children()
    rows = read_rows(path, typed=False)
    async with aiosqlite.connect(url.removeprefix("sqlite:///"), isolation_level=None) as db:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            await db.execute(f"PRAGMA {pragma}")
        await db.execute("BEGIN IMMEDIATE")
        for table, columns, data in (("household", HOUSEHOLD_COLUMNS, rows.households),
                                     ("member", MEMBER_COLUMNS, rows.members),
                                     ("program_membership", PROGRAM_COLUMNS, rows.programs)):
            await db.executemany(_insert(table, columns, lambda _: "?"), data)
        await db.execute("COMMIT")
    return Run(len(rows.households), len(rows.members), time.perf_counter() - started,
               _cpu_with_children() - cpu)


async def baseline_postgres(url: str, region: str, path: Path) -> Run:
    started, cpu = time.perf_counter(), _cpu_with_children()
    rows = read_rows(path, typed=True)
    connection = await asyncpg.connect(url.replace("postgresql://", "postgres://", 1))
    try:
        async with connection.transaction():
            for table, columns, data in (("household", HOUSEHOLD_COLUMNS, rows.households),
                                         ("member", MEMBER_COLUMNS, rows.members),
                                         ("program_membership", PROGRAM_COLUMNS, rows.programs)):
                await connection.executemany(_insert(table, columns, lambda i: f"${i}"), data)
    finally:
        await connection.close()
    return Run(len(rows.households), len(rows.members), time.perf_counter() - started,
               _cpu_with_children() - cpu)


# -- databases ---------------------------------------------------------------------------------

class Backend:
    def __init__(self, name: str, workdir: Path, server: str) -> None:
        self.name, self.workdir, self.server = name, workdir, server
        self.created: list[str] = []

    async def fresh(self, region: str) -> str:
        """A new, migrated database bound to ``region``; its URL."""
        label = f"siks_bench_{uuid.uuid4().hex[:10]}"
        if self.name == "sqlite":
            url = f"sqlite:///{self.workdir / (label + '.sqlite')}"
        else:
            await self._admin(f'CREATE DATABASE "{label}"')
            self.created.append(label)
            url = f"{self.server.rpartition('/')[0]}/{label}"
        await prepare_database(NodeConfig(region=region, db_url=url))
        if self.name != "sqlite":
            # CREATE DATABASE and the migrations leave dirty pages and a pending checkpoint:
            # write them out now, not while the clock runs (both sides start equal)
            await self._admin("CHECKPOINT")
        os.sync()  # nor should the previous run's files still be on their way to the disk
        return url

    async def drop_all(self) -> None:
        for label in self.created:
            await self._admin(f'DROP DATABASE IF EXISTS "{label}" WITH (FORCE)')
        self.created.clear()

    async def _admin(self, statement: str) -> None:
        connection = await asyncpg.connect(self.server.replace("postgresql://", "postgres://", 1))
        try:
            await connection.execute(statement)
        finally:
            await connection.close()


Loader = Callable[[str, str, Path], Awaitable[Run]]


async def measure(backend: Backend, region: str, path: Path) -> tuple[Run, Run]:
    baseline: Loader = baseline_sqlite if backend.name == "sqlite" else baseline_postgres
    project: Loader = project_store if ARGS.stage == "store" else project_import
    try:
        project_run = await project(await backend.fresh(region), region, path)
        baseline_run = await baseline(await backend.fresh(region), region, path)
    finally:
        await backend.drop_all()
    return project_run, baseline_run


def write_xlsx_copy(csv_path: Path, xlsx_path: Path) -> None:
    """The import CSV as a workbook, cell for cell as text, laid out as Excel saves one (text
    in the shared-strings table; openpyxl writes every string inline, a sheet twice as long
    that no operator's file looks like)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(xlsx_path))
    sheet = workbook.add_worksheet("data")
    with csv_path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle)):
            sheet.write_row(number, 0, row)
    workbook.close()


def measure_xlsx(workdir: Path, region: str, csv_path: Path) -> int:
    """The importer's rate from XLSX against the same rows from CSV, in alternating pairs."""
    xlsx_path = csv_path.with_suffix(".xlsx")
    write_xlsx_copy(csv_path, xlsx_path)
    backend = Backend("sqlite", workdir, ARGS.postgres)

    async def one(path: Path) -> Run:
        return await project_import(await backend.fresh(region), region, path)

    print(f"the same rows as {xlsx_path.name} ({xlsx_path.stat().st_size / 1e6:.1f} MB)")
    print()
    print("| pair | CSV households/s | XLSX households/s | XLSX / CSV |")
    print("|---:|---:|---:|---:|")
    ratios = []
    for pair in range(1, ARGS.repeat + 1):
        first, second = (csv_path, xlsx_path) if pair % 2 else (xlsx_path, csv_path)
        runs = {first: asyncio.run(one(first)), second: asyncio.run(one(second))}
        csv_rate, xlsx_rate = (runs[csv_path].households_per_s,
                               runs[xlsx_path].households_per_s)
        ratios.append(xlsx_rate / csv_rate)
        print(f"| {pair} | {csv_rate:,.0f} | {xlsx_rate:,.0f} | {ratios[-1]:.2f} |", flush=True)
    ratio = sorted(ratios)[len(ratios) // 2]
    met = ratio >= XLSX_TARGET
    print()
    print(f"median XLSX / CSV {ratio:.2f}: target ≥ {XLSX_TARGET} "
          + ("met" if met else "MISSED"))
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="32.73")
    parser.add_argument("--households", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--stage", choices=("import", "store"), default="import",
                        help="import: the whole importer (default); store: only "
                             "registry.store_households + audit, records from memory")
    parser.add_argument("--reading", choices=tuple(READING), default="auto",
                        help="where the importer reads the file: auto (default: a second "
                             "process for large files on 2+ cores), process, here")
    parser.add_argument("--xlsx", action="store_true",
                        help="time the importer on XLSX against the same rows as CSV")
    parser.add_argument("--repeat", type=int, default=3, help="pairs of --xlsx runs (3)")
    args = parser.parse_args(argv)
    global ARGS
    ARGS = args

    with tempfile.TemporaryDirectory(prefix="siks-bench-") as tmp:
        workdir = Path(tmp)
        path = workdir / "households.csv"
        region_layout(args.region)  # reference data and the desa layout, loaded once
        started = time.perf_counter()
        written = write_import_csv(path, generate_households(args.region, args.households,
                                                            seed=args.seed))
        seconds = time.perf_counter() - started
        print(f"generated {written.households:,} households ({written.members:,} members) of "
              f"{args.region} into {path.name} ({path.stat().st_size / 1e6:.1f} MB) in "
              f"{seconds:.2f} s: {written.households / seconds:,.0f} households/s "
              "(generation + CSV writing)")
        print(f"machine: {platform.machine()}, python {platform.python_version()}, "
              f"{_cores()} cores, load average {_load()} at start")
        if args.xlsx:
            return measure_xlsx(workdir, args.region, path)
        print()
        print("| backend | households | seconds | households/s | members/s | baseline "
              "households/s | ratio |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        missed, cpu_notes = [], []
        backends = ["sqlite"] + ([] if args.skip_postgres else ["postgresql"])
        for name in backends:
            project_run, baseline_run = asyncio.run(
                measure(Backend(name, workdir, args.postgres), args.region, path))
            cpu_notes.append(f"{name}: project {project_run.cpu_seconds:.2f} s, baseline "
                             f"{baseline_run.cpu_seconds:.2f} s")
            ratio = project_run.households_per_s / baseline_run.households_per_s
            print(f"| {name} | {project_run.households:,} | {project_run.seconds:.2f} | "
                  f"{project_run.households_per_s:,.0f} | {project_run.members_per_s:,.0f} | "
                  f"{baseline_run.households_per_s:,.0f} | {ratio:.2f} |", flush=True)
            if project_run.households_per_s < TARGET:
                missed.append(name)
        print()
        print(f"importer reading the file: {args.reading}")
        print("CPU time of this process and its children (all threads; the database "
              "server's not included): "
              + "; ".join(cpu_notes))
        print(f"load average {_load()} at the end (other processes share these cores)")
        print(f"target {TARGET:,} households/s: "
              + (f"MISSED on {', '.join(missed)}" if missed else "met on every backend"))
    return 0


def _load() -> str:
    import os

    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
