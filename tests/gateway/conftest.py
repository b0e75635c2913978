"""Fixtures for gateway tests: a dev PKI, migrated node database templates per region, a
cluster of real node apps over mTLS, the gateway's own database on SQLite and PostgreSQL,
and a running gateway app."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from certs.dev import DevPki, ensure_dev_pki
from gateway.adapters.database import Database, open_database
from gateway.adapters.migrations import upgrade
from gateway.config import GatewayConfig
from gateway.entrypoints.app import create_app
from regional_node.config import NodeConfig
from regional_node.service_layer.lifecycle import prepare_database
from schema.roles import Principal, Role
from tests.conftest import (
    POSTGRES_URL,
    REQUIRE_POSTGRES,
    _pg_execute,
    _postgres_skips,
    _server_url,
)
from tests.gateway.cluster import NodeCluster

REGIONS = ("32.73", "32.04", "35.78")  # Kota Bandung, Kab. Bandung (both Jawa Barat), Surabaya
SECRET = "test-directory-secret-0123456789abcdef"


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> DevPki:
    return ensure_dev_pki(tmp_path_factory.mktemp("pki"), regions=REGIONS)


@pytest.fixture(scope="session")
def node_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("node-templates")
    paths = {region: directory / f"{region}.sqlite" for region in REGIONS}

    async def migrate_all() -> None:
        for region, path in paths.items():
            await prepare_database(NodeConfig(region=region, db_url=f"sqlite:///{path}"))

    asyncio.run(migrate_all())
    return paths


@pytest.fixture
async def cluster(dev_pki: DevPki, node_templates: dict[str, Path],
                  tmp_path: Path) -> AsyncIterator[NodeCluster]:
    nodes = NodeCluster(dev_pki, tmp_path, node_templates)
    for region in REGIONS:
        await nodes.start(region)
    yield nodes
    await nodes.stop_all()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def gateway_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty gateway database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'gateway.sqlite'}"
        return
    name = f"siks_gw_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        asyncio.run(_pg_execute(f'CREATE DATABASE "{name}"'))
    except (OSError, TimeoutError, Exception) as exc:
        reason = f"PostgreSQL at {POSTGRES_URL} is unreachable ({exc.__class__.__name__})"
        if REQUIRE_POSTGRES:
            pytest.fail(f"{reason} and SIKS_TEST_REQUIRE_POSTGRES=1", pytrace=False)
        _postgres_skips.append(reason)
        pytest.skip(reason)
    yield _server_url(name)
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
async def gateway_database(gateway_db_url: str) -> AsyncIterator[Database]:
    database = open_database(gateway_db_url)
    await upgrade(database)
    yield database
    await database.dispose()


def gateway_config(tmp_path: Path, pki: DevPki, cluster: NodeCluster | None = None,
                   **overrides: object) -> GatewayConfig:
    values: dict[str, object] = {
        "db_url": f"sqlite:///{tmp_path / 'gateway.sqlite'}", "directory_secret": SECRET,
        "pki_dir": pki.layout.root, "probe_interval_s": 0, "rollup_refresh_s": 0,
        "deadline_ms": 3000,
    }
    if cluster is not None:
        values["nodes_file"] = cluster.nodes_file()
    values.update(overrides)
    return GatewayConfig(**values)  # type: ignore[arg-type]


@pytest.fixture
async def gateway(cluster: NodeCluster, dev_pki: DevPki, tmp_path: Path,
                  aiohttp_client) -> TestClient:  # type: ignore[no-untyped-def]
    """A gateway over the three-node cluster (registered from a nodes file, probed). Its
    nodes get 10 s: the tests using it check what is read, not the deadline (those that do
    build their own with a short one), and a busy CI worker beside the pockets' permutation
    tests once took the three nodes past 3 s."""
    return await aiohttp_client(create_app(gateway_config(tmp_path, dev_pki, cluster,
                                                          deadline_ms=10000),
                                           background=False, principal_of=as_kemensos))


NATIONAL_STAFF = Principal(user_id="test:kemensos", role=Role.KEMENSOS)


def as_kemensos(request: web.Request) -> Principal:
    """Federation tests ask as national staff without minting tokens: the test-only hook for
    requests without a bearer token (identity itself: test_auth.py, test_policy_matrix.py)."""
    return NATIONAL_STAFF
