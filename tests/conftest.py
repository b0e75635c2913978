"""Fixtures shared by the whole suite.

Every storage test runs twice: on a real SQLite file and on a real PostgreSQL database
(127.0.0.1:5432, user ``postgres``). Each test gets a fresh database cloned from a migrated
template made once per session; the PostgreSQL databases are dropped at the end.

Without a PostgreSQL server the PostgreSQL half is skipped and the summary says so, unless
``SIKS_TEST_REQUIRE_POSTGRES=1`` (set by ``.ci/run``), which turns the skip into a failure.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import asyncpg
import pytest

from regional_node.adapters.database import Database, open_database
from regional_node.adapters.migrations import upgrade
from regional_node.service_layer.node_meta import bind_region
from service_kit.settings import env_bool

NODE_REGION = "32.73"
POSTGRES_URL = os.environ.get("SIKS_TEST_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_POSTGRES = env_bool("SIKS_TEST_REQUIRE_POSTGRES")
_postgres_skips: list[str] = []
# Dropping a database waits for the server to remove its files; tests need not wait for that.
_dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-db")
_pending_drops: list[Future[None]] = []


def _server_url(database: str) -> str:
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{database}"


async def _pg_execute(*statements: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL.replace("postgresql://", "postgres://"),
                                       timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


def drop_database_later(name: str) -> None:
    """Drop a test database in the background; the session waits for every drop at its end."""
    _pending_drops.append(_dropper.submit(
        asyncio.run, _pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))


PRINTED_PORTS = ("tests/docs/", "tests/test_readme.py", "tests/test_demo.py",
                 "tests/test_demo_walkthrough.py")
BENCH_DATA = ("tests/bench/",)
ONE_AT_A_TIME = {
    # tests that serve on the ports the README and docs print (two suites at once on one
    # machine wait for each other too)
    "/tmp/siks-tests-printed-ports.lock": PRINTED_PORTS,
    # benchmark smoke tests share the benchmark's PostgreSQL databases (named by data size)
    "/tmp/siks-bench-smoke.lock": BENCH_DATA,
}
"""With ``pytest -n`` (xdist) these run one after another whatever worker has them: an
exclusive lock on a file around each test (xdist's own ``loadgroup`` groups nothing under
pytest 9, whose node ids it can no longer suffix)."""


@pytest.fixture(autouse=True)
def _one_at_a_time(request: pytest.FixtureRequest) -> Iterator[None]:
    lock = next((path for path, prefixes in ONE_AT_A_TIME.items()
                 if request.node.nodeid.startswith(prefixes)), None)
    if lock is None:
        yield
        return
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pytest_configure(config: pytest.Config) -> None:
    """Test files live in memory where the machine has a tmpfs: the suite's SQLite files
    commit with ``synchronous=FULL`` thousands of times, and an fsync to disk is what those
    commits would wait for (durability is the production setting, not what a test checks).
    ``--basetemp`` or ``PYTEST_DEBUG_TEMPROOT`` choose another place."""
    shm = Path("/dev/shm")
    if config.option.basetemp is None and shm.is_dir() and os.access(shm, os.W_OK):
        os.environ.setdefault("PYTEST_DEBUG_TEMPROOT", str(shm))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for drop in _pending_drops:
        drop.result()
    _dropper.shutdown(wait=True)
    worker_output = getattr(session.config, "workeroutput", None)  # an xdist worker
    if worker_output is not None:
        worker_output["siks_postgres_skips"] = list(_postgres_skips)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """xdist: a worker's skipped PostgreSQL half reaches the summary's NOTE line."""
    _postgres_skips.extend(getattr(node, "workeroutput", {}).get("siks_postgres_skips", []))


async def _migrated(url: str) -> None:
    database = open_database(url)
    try:
        await upgrade(database)
        await bind_region(database, NODE_REGION)
    finally:
        await database.dispose()


@pytest.fixture(scope="session", autouse=True)
def node_signing_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Approval signs the approved records with the region's key (docs/sync.md): every node
    in the suite finds a development PKI through ``SIKS_NODE_PKI_DIR`` unless a test sets
    its own."""
    from certs.dev import ensure_dev_pki

    root = ensure_dev_pki(tmp_path_factory.mktemp("node-pki"),
                          regions=("32.73", "32.04", "35.78", "53.71")).layout.root
    previous = os.environ.get("SIKS_NODE_PKI_DIR")
    os.environ.setdefault("SIKS_NODE_PKI_DIR", str(root))
    yield Path(os.environ["SIKS_NODE_PKI_DIR"])
    if previous is None:
        os.environ.pop("SIKS_NODE_PKI_DIR", None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "node.sqlite"
    asyncio.run(_migrated(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    name = f"siks_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable ({exc.__class__.__name__})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason} and SIKS_TEST_REQUIRE_POSTGRES=1", pytrace=False)
        _postgres_skips.append(reason)
        pytest.skip(f"{reason}: the PostgreSQL half of the suite is skipped")
    asyncio.run(_migrated(_server_url(name)))
    yield name
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated node database bound to region 32.73, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "node.sqlite"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"{template}_{uuid.uuid4().hex[:8]}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _server_url(name)
    drop_database_later(name)


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = open_database(database_url)
    yield db
    await db.dispose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_skips:
        terminalreporter.write_line(
            f"NOTE: {_postgres_skips[0]}; every PostgreSQL storage test was SKIPPED. "
            "Start PostgreSQL on 127.0.0.1:5432 (user postgres, trust) to run them.",
            yellow=True, bold=True)
