"""Data of the federation benchmark, prepared once into a cache directory and reused.

Layout of the cache (``bench/.cache/federation/`` by default, git-ignored)::

    manifest.json          what was built (scale, seed, migration heads) and how long it took
    pki/                   development PKI: CA, gateway, one certificate pair per region
    nodes/<region>.sqlite  one node database per kab/kota, migrated, bound, seeded
    nodes/<region>-data/   the node's data directory (its token-signing key)
    gateway.sqlite         the gateway's database (NIK directory filled from the nodes)

and a PostgreSQL database holding every region's rows in one set of the node's tables (same
migrations, so the same indexes), ids offset per region so that they stay unique.

Households are the real synthetic generator's (``generate_households(region, n, seed)``),
stored through the real seeding path (``seed_households``: registry.store_households with
the audit chain), in two worker processes. The PostgreSQL copy is read back from the node
files and loaded with ``COPY``: exactly the same rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import shutil
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import asyncpg

from certs.dev import DevPki, ensure_dev_pki

NODE_TABLES = ("household", "member", "program_membership")
ID_OFFSET = 10_000_000  # region i's ids become i * ID_OFFSET + local id in PostgreSQL
FOREIGN_IDS = {"household": ("id",), "member": ("id", "household_id"),
               "program_membership": ("id", "household_id", "member_id")}
DIRECTORY_SECRET = "bench-federation-directory-secret-0123456789"
MANIFEST_VERSION = 1


@dataclass(frozen=True, slots=True)
class Scale:
    """How much data: ``households`` spread evenly over ``regions`` (the first ones get one
    more when it does not divide)."""

    households: int
    regions: tuple[str, ...]
    seed: int = 42

    def per_region(self) -> dict[str, int]:
        base, extra = divmod(self.households, len(self.regions))
        return {region: base + (i < extra) for i, region in enumerate(self.regions)}

    def region_index(self) -> dict[str, int]:
        return {region: i for i, region in enumerate(self.regions)}


@dataclass(frozen=True, slots=True)
class CachePaths:
    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def building(self) -> Path:
        """The identity a build (perhaps interrupted) was started for: resumed parts (the
        template, finished node files) are reused only for the same identity."""
        return self.root / "building.json"

    @property
    def pki_dir(self) -> Path:
        return self.root / "pki"

    @property
    def nodes_dir(self) -> Path:
        return self.root / "nodes"

    @property
    def gateway_db(self) -> Path:
        return self.root / "gateway.sqlite"

    @property
    def template(self) -> Path:
        return self.root / "template.sqlite"

    def node_db(self, region: str) -> Path:
        return self.nodes_dir / f"{region}.sqlite"

    def node_data_dir(self, region: str) -> Path:
        return self.nodes_dir / f"{region}-data"


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the cache holds; a different identity means rebuild."""

    identity: dict[str, Any]
    postgres_db: str
    seconds: dict[str, float]
    households: int
    members: int
    programs: int


@dataclass(frozen=True, slots=True)
class Prepared:
    paths: CachePaths
    pki: DevPki
    scale: Scale
    postgres_url: str
    manifest: Manifest
    reused: bool


def identity_of(scale: Scale) -> dict[str, Any]:
    """What the data depends on: scale, seed and the node's schema. (The gateway's database
    is migrated by the gateway itself when it starts, so its schema is not part of it.)"""
    from regional_node.adapters.migrations import head_revision as node_head

    regions = hashlib.sha256(",".join(scale.regions).encode()).hexdigest()[:16]
    return {"version": MANIFEST_VERSION, "households": scale.households, "seed": scale.seed,
            "regions": len(scale.regions), "regions_digest": regions,
            "node_head": node_head()}


def database_name(scale: Scale) -> str:
    digest = hashlib.sha256(json.dumps(identity_of(scale), sort_keys=True).encode())
    return f"siks_bench_federation_{digest.hexdigest()[:10]}"


def read_manifest(paths: CachePaths) -> Manifest | None:
    try:
        return Manifest(**json.loads(paths.manifest.read_text()))
    except (OSError, ValueError, TypeError):
        return None


# -- building --------------------------------------------------------------------------------

Progress = Callable[[str], None]


def prepare(paths: CachePaths, scale: Scale, server_url: str, *, workers: int = 2,
            progress: Progress = print, rebuild: bool = False) -> Prepared:
    """The cache for ``scale``. Each part is built only when missing, so an interrupted build
    resumes where it stopped: node databases per region (a ``.done`` file marks a finished
    one), the PostgreSQL copy (a marker table names what it holds), the NIK directory."""
    identity = identity_of(scale)
    db_name = database_name(scale)
    postgres_url = f"{server_url.rpartition('/')[0]}/{db_name}"
    manifest = None if rebuild else read_manifest(paths)
    if manifest is not None and manifest.identity != identity:
        manifest = None
    if manifest is not None and asyncio.run(_postgres_holds(postgres_url, identity)):
        return Prepared(paths, ensure_dev_pki(paths.pki_dir, scale.regions), scale,
                        postgres_url, manifest, reused=True)
    if rebuild or is_stale(paths, identity):
        shutil.rmtree(paths.root, ignore_errors=True)
    paths.nodes_dir.mkdir(parents=True, exist_ok=True)
    paths.building.write_text(json.dumps(identity, sort_keys=True) + "\n")
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    pki = ensure_dev_pki(paths.pki_dir, scale.regions)
    seconds["pki"] = time.perf_counter() - started
    progress(f"  PKI for {len(scale.regions)} regions: {seconds['pki']:.1f} s")

    started = time.perf_counter()
    totals = build_nodes(paths, scale, workers=workers, progress=progress)
    seconds["nodes"] = time.perf_counter() - started
    progress(f"  {len(scale.regions)} node databases, {totals[0]:,} households: "
             f"{seconds['nodes']:.1f} s")

    started = time.perf_counter()
    if rebuild or not asyncio.run(_postgres_holds(postgres_url, identity)):
        asyncio.run(load_postgres(paths, scale, server_url, db_name, workers=workers))
        asyncio.run(_mark_postgres(postgres_url, identity))
    seconds["postgres"] = time.perf_counter() - started
    progress(f"  PostgreSQL {db_name}: {seconds['postgres']:.1f} s")

    started = time.perf_counter()
    entries = asyncio.run(fill_directory(paths, scale.regions))
    seconds["directory"] = time.perf_counter() - started
    progress(f"  gateway NIK directory, {entries:,} entries: {seconds['directory']:.1f} s")

    seconds["total"] = sum(seconds.values())
    manifest = Manifest(identity, db_name, {k: round(v, 1) for k, v in seconds.items()},
                        *totals)
    paths.manifest.write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return Prepared(paths, pki, scale, postgres_url, manifest, reused=False)


def is_stale(paths: CachePaths, identity: dict[str, Any]) -> bool:
    """Whether what ``paths`` holds was built, or started, for another identity (an
    interrupted build leaves no manifest, but its template and finished node files)."""
    stored = read_manifest(paths)
    if stored is not None and stored.identity != identity:
        return True
    try:
        started_for = json.loads(paths.building.read_text())
    except (OSError, ValueError):
        return False  # nothing started, or a cache from before the marker
    return bool(started_for != identity)


def build_nodes(paths: CachePaths, scale: Scale, *, workers: int,
                progress: Progress) -> tuple[int, int, int]:
    """Every region's node database: a migrated template copied, bound, then seeded."""
    if not paths.template.exists():
        asyncio.run(_migrate(f"sqlite:///{paths.template}"))
    counts = scale.per_region()
    chunks = [list(scale.regions[i::workers]) for i in range(workers)]
    jobs = [[(region, counts[region]) for region in chunk] for chunk in chunks if chunk]
    households = members = programs = 0
    with ProcessPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(_build_chunk, str(paths.root), chunk, scale.seed)
                   for chunk in jobs]
        for future in futures:
            h, m, p = future.result()
            households, members, programs = households + h, members + m, programs + p
    progress(f"  stored {households:,} households, {members:,} members, "
             f"{programs:,} program memberships")
    return households, members, programs


def _build_chunk(root: str, regions: Sequence[tuple[str, int]], seed: int
                 ) -> tuple[int, int, int]:
    return asyncio.run(_build_regions(CachePaths(Path(root)), regions, seed))


def _done_marker(paths: CachePaths, region: str) -> Path:
    return paths.nodes_dir / f"{region}.done"


async def _build_regions(paths: CachePaths, regions: Sequence[tuple[str, int]], seed: int
                         ) -> tuple[int, int, int]:
    from regional_node.adapters.database import open_database
    from regional_node.service_layer.node_meta import bind_region
    from regional_node.service_layer.seeding import seed_households
    from regional_node.service_layer.synthetic import generate_households

    totals = [0, 0, 0]
    for region, count in regions:
        done = _done_marker(paths, region)
        if done.exists():
            counted = json.loads(done.read_text())
            totals = [t + c for t, c in zip(totals, counted, strict=True)]
            continue
        target = paths.node_db(region)
        shutil.copy(paths.template, target)
        paths.node_data_dir(region).mkdir(exist_ok=True)
        database = open_database(f"sqlite:///{target}")
        try:
            await bind_region(database, region)
            report = await seed_households(database, generate_households(region, count,
                                                                         seed=seed))
        finally:
            await database.dispose()
        counted = [report.households, report.members, report.programs]
        done.write_text(json.dumps(counted))
        totals = [t + c for t, c in zip(totals, counted, strict=True)]
    return totals[0], totals[1], totals[2]


async def _migrate(url: str) -> None:
    from regional_node.adapters.database import open_database
    from regional_node.adapters.migrations import upgrade

    database = open_database(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


# -- PostgreSQL: the same rows in one database -------------------------------------------------

def _pg(url: str) -> str:
    return url.replace("postgresql://", "postgres://", 1)


async def _admin(server_url: str, statement: str) -> None:
    connection = await asyncpg.connect(_pg(server_url))
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def load_postgres(paths: CachePaths, scale: Scale, server_url: str, db_name: str, *,
                        workers: int) -> None:
    """A fresh database with the node's tables (its migrations), every region's rows copied
    in with offset ids, then VACUUM ANALYZE."""
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    await _admin(server_url, f'CREATE DATABASE "{db_name}"')
    url = f"{server_url.rpartition('/')[0]}/{db_name}"
    await _migrate(url)
    index = scale.region_index()
    chunks = [[(r, index[r]) for r in scale.regions[i::workers]] for i in range(workers)]
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        await asyncio.gather(*(loop.run_in_executor(pool, _copy_chunk, str(paths.root), url,
                                                    chunk) for chunk in chunks if chunk))
    connection = await asyncpg.connect(_pg(url))
    try:
        for table in NODE_TABLES:
            await connection.execute(f"VACUUM ANALYZE {table}")
    finally:
        await connection.close()


def _copy_chunk(root: str, url: str, regions: Sequence[tuple[str, int]]) -> None:
    asyncio.run(_copy_regions(CachePaths(Path(root)), url, regions))


async def _copy_regions(paths: CachePaths, url: str, regions: Sequence[tuple[str, int]]) -> None:
    connection = await asyncpg.connect(_pg(url))
    try:
        for region, position in regions:
            with sqlite3.connect(paths.node_db(region)) as source:
                for table in NODE_TABLES:
                    columns, text = copy_text(source, table, position * ID_OFFSET)
                    await connection.copy_to_table(table, source=io.BytesIO(text),
                                                   columns=columns, format="text")
    finally:
        await connection.close()


def copy_text(source: sqlite3.Connection, table: str, offset: int) -> tuple[list[str], bytes]:
    """A SQLite table's rows in PostgreSQL's COPY text format, ids shifted by ``offset``."""
    cursor = source.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 (fixed names)
    columns = [d[0] for d in cursor.description]
    shifted = {i for i, name in enumerate(columns) if name in FOREIGN_IDS[table]}
    lines = []
    for row in cursor:
        lines.append("\t".join(_copy_value(value, offset if i in shifted else 0)
                               for i, value in enumerate(row)))
    return columns, ("\n".join(lines) + "\n").encode() if lines else b""


def _copy_value(value: object, offset: int) -> str:
    if value is None:
        return "\\N"
    if offset and isinstance(value, int):
        return str(value + offset)
    text = str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return text


async def _mark_postgres(url: str, identity: dict[str, Any]) -> None:
    connection = await asyncpg.connect(_pg(url))
    try:
        await connection.execute("CREATE TABLE IF NOT EXISTS bench_federation_marker "
                                 "(identity text NOT NULL)")
        await connection.execute("DELETE FROM bench_federation_marker")
        await connection.execute("INSERT INTO bench_federation_marker VALUES ($1)",
                                 json.dumps(identity, sort_keys=True))
    finally:
        await connection.close()


async def _postgres_holds(url: str, identity: dict[str, Any]) -> bool:
    try:
        connection = await asyncpg.connect(_pg(url))
    except (OSError, asyncpg.PostgresError):
        return False
    try:
        stored = await connection.fetchval("SELECT identity FROM bench_federation_marker")
    except asyncpg.PostgresError:
        return False
    finally:
        await connection.close()
    return stored == json.dumps(identity, sort_keys=True)


async def drop_postgres(server_url: str, db_name: str) -> None:
    await _admin(server_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


# -- the gateway's NIK directory ----------------------------------------------------------------

def _count(database: Path, table: str) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def fill_directory(paths: CachePaths, regions: Sequence[str]) -> int:
    """Every member's keyed NIK hash → region, with the gateway's own key, in its migrated
    database: what ``siks gateway refresh`` stores after paging through every node over HTTP
    (``directory_sync``), written here straight from the node files in one transaction (the
    store's ORM path takes ~1.5 s per 7,500 entries: 13 minutes for the nation)."""
    from gateway.adapters.database import open_database
    from gateway.adapters.directory_store import DirectoryStore
    from gateway.adapters.migrations import upgrade
    from gateway.federation.directory import NikDirectoryKey

    key = NikDirectoryKey.from_secret(DIRECTORY_SECRET)
    database = open_database(f"sqlite:///{paths.gateway_db}")
    try:
        await upgrade(database)
        await DirectoryStore(database).adopt_key(key.fingerprint)
    finally:
        await database.dispose()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    entries = 0
    members = sum(_count(paths.node_db(region), "member") for region in regions)
    with sqlite3.connect(paths.gateway_db) as gateway:
        if _count(paths.gateway_db, "nik_directory") == members:
            return members
        gateway.execute("DELETE FROM nik_directory")
        for region in regions:
            with sqlite3.connect(paths.node_db(region)) as source:
                rows = [(key.key_of(nik), region, now)
                        for (nik,) in source.execute("SELECT nik FROM member")]
            gateway.executemany("INSERT OR REPLACE INTO nik_directory (nik_key, region, "
                                "updated_at) VALUES (?, ?, ?)", rows)
            entries += len(rows)
    return entries
