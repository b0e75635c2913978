"""Issue 17: the node's app factory as the gateway's. Its database is disposed of when the
region check refuses to start (the gateway closes its own the same way); it has the same
principal seam for tests (``create_app(principal_of=…)``, a bearer token still verified);
and it logs as the gateway does (``service_kit.logs``: JSON lines with the request id, the id
echoed in ``X-Request-Id``)."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from regional_node.config import NodeConfig
from regional_node.entrypoints import app as node_app
from schema.errors import ConfigError
from schema.roles import Principal, Role
from service_kit.logs import JsonFormatter

DINSOS = Principal("dinsos-bandung", Role.DINSOS, region="32.73")
COUNT = "{ households(first: 1) { totalCount } }"


def _open_files(path: Path) -> int:
    """How many descriptors of this process point at ``path`` (or its -wal/-shm files)."""
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") in names
        except OSError:
            continue
    return count


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_refused_region_leaves_no_database_open(database_url: str,
                                                        tmp_path: Path) -> None:
    """The database is bound to 32.73 (tests/conftest.py); starting it as 35.78 is refused."""
    path = Path(database_url.removeprefix("sqlite:///"))
    app = node_app.create_app(NodeConfig(region="35.78", db_url=database_url,
                                         data_dir=str(tmp_path / "node")))
    server = TestServer(app)
    with pytest.raises(ConfigError, match="belongs to region 32.73, not 35.78"):
        await server.start_server()
    await server.close()
    assert _open_files(path) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_principal_seam_sets_who_a_tokenless_request_is(database_url, aiohttp_client,
                                                                  tmp_path: Path) -> None:
    config = NodeConfig(region="32.73", db_url=database_url, data_dir=str(tmp_path / "node"))
    public = await aiohttp_client(node_app.create_app(config))
    seamed = await aiohttp_client(node_app.create_app(config, principal_of=lambda _: DINSOS))
    refused = await (await public.post("/graphql", json={"query": COUNT})).json()
    assert refused["errors"][0]["extensions"]["code"].startswith("FORBIDDEN")
    answered = await (await seamed.post("/graphql", json={"query": COUNT})).json()
    assert answered == {"data": {"households": {"totalCount": 0}}}
    bad_token = await seamed.post("/graphql", json={"query": COUNT},
                                  headers={"Authorization": "Bearer not-a-token"})
    assert bad_token.status == 401  # the seam never stands in for a token that fails


@pytest.fixture
def access_lines() -> Iterator[io.StringIO]:
    """The access log as ``serve`` writes it (``configure_json_logging``'s formatter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("siks.access")
    logger.addHandler(handler)
    level, disabled = logger.level, logger.disabled
    logger.setLevel(logging.INFO)
    logger.disabled = False  # a migration's logging config may have turned it off
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(level)
    logger.disabled = disabled


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_node_logs_json_lines_with_the_request_id(database_url, aiohttp_client,
                                                            tmp_path: Path,
                                                            access_lines: io.StringIO) -> None:
    config = NodeConfig(region="32.73", db_url=database_url, data_dir=str(tmp_path / "node"))
    client = await aiohttp_client(node_app.create_app(config))
    given = await client.post("/graphql", json={"query": "{ __typename }"},
                              headers={"X-Request-Id": "gw-abc123"})
    made_up = await client.post("/graphql", json={"query": "{ __typename }"})
    assert given.headers["X-Request-Id"] == "gw-abc123"
    assert len(made_up.headers["X-Request-Id"]) == 16
    lines = [json.loads(line) for line in access_lines.getvalue().splitlines()]
    assert [(line["requestId"], line["msg"], line["status"]) for line in lines] == [
        ("gw-abc123", "POST /graphql 200", 200),
        (made_up.headers["X-Request-Id"], "POST /graphql 200", 200)]
