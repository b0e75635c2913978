"""Fixtures of the deployment tests: the compose file's services as local processes, each
PostgreSQL service replaced by a fresh database on the local server (dropped after)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import POSTGRES_URL, REQUIRE_POSTGRES, _pg_execute, _postgres_skips
from tests.deploy.compose import LocalFederation, is_database, load_compose


def _create_databases(names: list[str]) -> None:
    try:
        asyncio.run(_pg_execute(*(f'CREATE DATABASE "{n}"' for n in names)))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable ({exc.__class__.__name__})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason} and SIKS_TEST_REQUIRE_POSTGRES=1", pytrace=False)
        _postgres_skips.append(reason)
        pytest.skip(f"{reason}: the deployment test is skipped")


@pytest.fixture
def federation(tmp_path: Path) -> Iterator[LocalFederation]:
    compose = load_compose(environ=os.environ)
    tag = f"siks_deploy_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    databases = {name: f"{tag}_{name.replace('-', '_')}"
                 for name, spec in compose["services"].items() if is_database(spec)}
    _create_databases(list(databases.values()))
    base, _, _ = POSTGRES_URL.rpartition("/")
    local = LocalFederation(tmp_path, base, databases, compose)
    try:
        yield local
    finally:
        local.down()
        asyncio.run(_pg_execute(*(f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)'
                                  for n in databases.values())))
