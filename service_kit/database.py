"""Engines and sessions for SQLite (embedded default) and PostgreSQL (production).

SQLite runs in WAL mode with ``synchronous=FULL``. It gets two engines: readers begin deferred
transactions (many at once), writers begin ``IMMEDIATE`` so that a write transaction holds the
write lock from its first statement and never fails half-way on a stale snapshot. PostgreSQL
needs only one engine; writers serialise on the audit head row instead.

:meth:`Database.run_sync` runs a short synchronous unit of work (SQLAlchemy Core on a sync
``Connection``) in one transaction. On SQLite it runs whole in a worker thread over the stdlib
driver (same file, same pragmas and ``BEGIN``/``BEGIN IMMEDIATE``): one hand-off to a thread
for the transaction, where aiosqlite hands every cursor, execute, fetch, close, commit and
pool reset to its thread one by one (about 18 hand-offs for a small write, ~3 ms; 0.5 ms
this way). On PostgreSQL it runs over asyncpg through ``AsyncConnection.run_sync``.
:meth:`Database.probe` reads one value through a unique index; on SQLite right on the
calling thread (``sqlite_probe.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from schema.errors import ConfigError
from service_kit.sqlite_probe import ProbeBusy, SqliteProbe

T = TypeVar("T")

_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg",
            "postgres": "postgresql+asyncpg"}


def async_url(url: str) -> str:
    """``sqlite:///x.db`` → ``sqlite+aiosqlite:///x.db``; ``postgresql://`` → ``+asyncpg``."""
    try:
        parsed = make_url(url)
    except Exception:
        raise ConfigError(f"not a database URL: {url!r} (try sqlite:///node.db)") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=_DRIVERS[parsed.drivername])
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError("SQLite needs a file (sqlite:///path/node.db), not an in-memory db")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(immediate: bool) -> tuple[Callable[..., None], Callable[..., None]]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")  # first: the next one may wait for a lock
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return on_connect, on_begin


def _sqlite_engine(url: str, *, immediate: bool) -> AsyncEngine:
    engine = create_async_engine(url)
    on_connect, on_begin = _sqlite_pragmas(immediate)
    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)
    return engine


def _sqlite_sync_engine(url: str, *, immediate: bool) -> Engine:
    """A stdlib-driver engine on the same file as ``url`` (an aiosqlite URL), for
    :meth:`Database.run_sync`; its connections move between worker threads."""
    engine = create_engine(make_url(url).set(drivername="sqlite+pysqlite"),
                           connect_args={"check_same_thread": False})
    on_connect, on_begin = _sqlite_pragmas(immediate)
    event.listen(engine, "connect", on_connect)
    event.listen(engine, "begin", on_begin)
    return engine


def _in_transaction(engine: Engine, work: Callable[[Connection], T]) -> T:
    with engine.begin() as connection:
        return work(connection)


@dataclass
class Database:
    """The node's storage: one reader and one writer session factory."""

    url: str
    read_engine: AsyncEngine
    write_engine: AsyncEngine
    _sync_engines: dict[bool, Engine] = field(default_factory=dict, repr=False)
    _probe: SqliteProbe | None = field(default=None, repr=False)

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    def reader(self) -> AsyncSession:
        return async_sessionmaker(self.read_engine, expire_on_commit=False)()

    def writer(self) -> AsyncSession:
        return async_sessionmaker(self.write_engine, expire_on_commit=False)()

    async def run_sync(self, work: Callable[[Connection], T], *, write: bool) -> T:
        """``work(connection)`` in one transaction, committed when it returns (rolled back
        when it raises); ``write``: the writer's transaction (``BEGIN IMMEDIATE`` on SQLite).
        Keep ``work`` short: on SQLite it holds a worker thread (and, writing, the lock)."""
        if self.dialect != "sqlite":
            async with (self.write_engine if write else self.read_engine).begin() as connection:
                return await connection.run_sync(work)
        engine = self._sync_engines.get(write)
        if engine is None:
            engine = self._sync_engines[write] = _sqlite_sync_engine(self.url, immediate=write)
        return await asyncio.to_thread(_in_transaction, engine, work)

    async def probe(self, statement: Select[Any], parameters: Mapping[str, Any]) -> Any:
        """The first column of the first row ``statement`` finds (None: no row), values from
        its ``bindparam``s. For a look-up through a unique index only: on SQLite it runs on
        the calling thread (microseconds, no hand-off to a worker thread; see
        ``sqlite_probe.py``), or on a worker thread when the database is busy."""
        if self.dialect == "sqlite":
            if self._probe is None:
                self._probe = SqliteProbe(self.url)
            try:
                return self._probe.first_value(statement, parameters)
            except ProbeBusy:
                pass
        return await self.run_sync(
            lambda connection: connection.execute(statement, dict(parameters)).scalar(),
            write=False)

    async def dispose(self) -> None:
        await self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            await self.write_engine.dispose()
        for engine in self._sync_engines.values():
            engine.dispose()
        if self._probe is not None:
            self._probe.close()


def open_database(url: str, *, pool_size: int = 10) -> Database:
    resolved = async_url(url)
    if resolved.startswith("sqlite"):
        return Database(resolved, _sqlite_engine(resolved, immediate=False),
                        _sqlite_engine(resolved, immediate=True))
    engine = create_async_engine(resolved, pool_size=pool_size, pool_pre_ping=True)
    return Database(resolved, engine, engine)


async def ensure_reachable(database: Database) -> None:
    """One ``SELECT 1``; a database that cannot be reached is disposed of and is one
    ConfigError line that says where and why (a missing database, an unreachable server, a
    refused login, a SQLite file whose folder does not exist), never a driver's traceback."""
    try:
        await _select_one(database)
    except BaseException:
        await database.dispose()
        raise


async def _select_one(database: Database) -> None:
    from sqlalchemy import text

    try:
        async with database.reader() as session:
            await session.execute(text("SELECT 1"))
    except (TimeoutError, OSError) as exc:
        raise ConfigError(f"cannot reach the database at {_where(database)}: "
                          f"{exc.strerror or exc.__class__.__name__}") from None
    except Exception as exc:  # the drivers' own errors, wrapped by SQLAlchemy
        cause = getattr(getattr(exc, "orig", None), "__cause__", None) or getattr(exc, "orig", exc)
        detail = str(cause).strip().splitlines()[0] if str(cause).strip() else repr(cause)
        hint = ""
        if cause.__class__.__name__ == "InvalidCatalogNameError":
            hint = " (create it first: createdb, or CREATE DATABASE)"
        elif database.dialect == "sqlite":
            hint = " (does its folder exist, and may this user write there?)"
        raise ConfigError(f"cannot open the database at {_where(database)}: {detail}{hint}"
                          ) from None


def _where(database: Database) -> str:
    url = make_url(database.url)
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"


def require_sqlite_folder(url: str) -> None:
    """A SQLite file can be created only in a folder that exists: say so before a service
    writes anything beside it (its keys, its data)."""
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return
    from pathlib import Path

    folder = Path(parsed.database).resolve().parent
    if not folder.is_dir():
        raise ConfigError(f"cannot open the database at {parsed.database}: the folder "
                          f"{folder} does not exist")
