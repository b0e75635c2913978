from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from regional_node.config import NodeConfig
from regional_node.entrypoints.app import DATABASE, create_app


@pytest.fixture
async def node_client(database_url: str, aiohttp_client, tmp_path) -> TestClient:  # type: ignore[no-untyped-def]
    """A real node app for region 32.73 on a fresh database, over HTTP on loopback; its
    token-signing key is generated in the test's temporary directory."""
    config = NodeConfig(region="32.73", db_url=database_url, data_dir=str(tmp_path / "node"))
    return await aiohttp_client(create_app(config))


@pytest.fixture
def node_database(node_client: TestClient):  # type: ignore[no-untyped-def]
    """The database the running node app uses."""
    return node_client.app[DATABASE]
