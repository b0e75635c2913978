"""Fixtures of the sync tests: a gateway database on SQLite and PostgreSQL (the node's comes
from tests/conftest.py), and a fresh national PKI per test (revocation and rotation change it)."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from gateway.adapters.database import Database, open_database
from gateway.adapters.migrations import upgrade
from gateway.adapters.orm import Base
from gateway.inbox.submissions import Inbox
from schema.audit_chain import GENESIS
from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _pg_execute, _postgres_skips, _server_url
from tests.sync.helpers import Pki, new_pki


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return new_pki(tmp_path / "pki")


@pytest.fixture
def inbox(gateway_db: Database, pki: Pki) -> Inbox:
    """The gateway's inbox over the test's gateway database, trusting the test's PKI."""
    return Inbox(gateway_db, pki.store)


async def _migrated(url: str) -> None:
    database = open_database(url)
    try:
        await upgrade(database)
    finally:
        await database.dispose()


@pytest.fixture(scope="session")
def gateway_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gateway-template") / "gateway.sqlite"
    asyncio.run(_migrated(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def gateway_postgres_template() -> Iterator[str]:
    name = f"siks_sync_gw_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # unreachable server: skipped unless required
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable ({exc.__class__.__name__})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason} and SIKS_TEST_REQUIRE_POSTGRES=1", pytrace=False)
        _postgres_skips.append(reason)
        pytest.skip(reason)
    asyncio.run(_migrated(_server_url(name)))
    yield name
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def gateway_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated gateway database on each backend, cloned from a session template."""
    if request.param == "sqlite":
        path = tmp_path / "gateway.sqlite"
        shutil.copy(request.getfixturevalue("gateway_sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    name = request.getfixturevalue("gateway_postgres_template")
    asyncio.run(_reset_postgres(_server_url(name)))
    yield _server_url(name)


async def _reset_postgres(url: str) -> None:
    """Empty every table of the session's gateway database (TRUNCATE is not a row UPDATE or
    DELETE, so the audit table's append-only triggers let it through) and reset the audit
    head: far quicker than a database per test."""
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables
                       if t.name != "gateway_audit_head")
    connection = await asyncpg.connect(url.replace("postgresql://", "postgres://"), timeout=5)
    try:
        await connection.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        await connection.execute(
            f"UPDATE gateway_audit_head SET seq = 0, entry_hash = '{GENESIS}'")
    finally:
        await connection.close()


@pytest.fixture
async def gateway_db(gateway_url: str) -> AsyncIterator[Database]:
    database = open_database(gateway_url)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
def live_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A development PKI valid now (TLS needs a current CRL), shared: tests must not change it."""
    from certs.dev import ensure_dev_pki

    return ensure_dev_pki(tmp_path_factory.mktemp("live-pki"),
                          regions=("32.73", "32.04", "35.78")).layout.root
