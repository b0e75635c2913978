"""The node serves GraphiQL and its assets itself, with the right headers."""

from __future__ import annotations

import gzip

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient

from regional_node.config import NodeConfig
from regional_node.entrypoints.app import create_app
from schema.graphiql import asset_files
from service_kit.graphiql import add_graphiql_routes

GRAPHIQL_JS = "/graphiql/assets/graphiql-3.8.3/graphiql.min.js"


@pytest.fixture
async def assets_client(aiohttp_client: AiohttpClient) -> TestClient:
    app = web.Application()
    add_graphiql_routes(app)
    return await aiohttp_client(app)


async def test_assets_are_served_with_exact_types_and_long_caching(
        assets_client: TestClient) -> None:
    for relative, path in asset_files().items():
        response = await assets_client.get(f"/graphiql/assets/{relative}?v=whatever")
        assert response.status == 200, relative
        expected = "text/css" if relative.endswith(".css") else "text/javascript"
        assert response.content_type == expected
        assert response.charset == "utf-8"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert await response.read() == path.read_bytes()


async def test_the_big_bundle_is_sent_compressed(assets_client: TestClient) -> None:
    response = await assets_client.get(GRAPHIQL_JS, headers={"Accept-Encoding": "gzip"},
                                       auto_decompress=False)
    assert response.headers["Content-Encoding"] == "gzip"
    body = await response.read()
    assert len(body) < 1_000_000
    assert gzip.decompress(body) == asset_files()["graphiql-3.8.3/graphiql.min.js"].read_bytes()


@pytest.mark.parametrize("path", ["/graphiql/assets/graphiql-3.8.3/LICENSE",
                                  "/graphiql/assets/graphiql-3.8.3/graphiql.min.js.map",
                                  "/graphiql/assets/graphiql-3.8.3/",
                                  "/graphiql/assets/../__init__.py",
                                  "/graphiql/assets/%2e%2e/__init__.py"])
async def test_nothing_outside_the_allow_list_is_served(assets_client: TestClient,
                                                        path: str) -> None:
    assert (await assets_client.get(path)).status == 404


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_node_shows_the_offline_page(node_client: TestClient) -> None:
    response = await node_client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert GRAPHIQL_JS in page and "unpkg.com" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert (await node_client.get(GRAPHIQL_JS)).status == 200
    # A GET with ?query= still runs the query instead of showing the IDE.
    answer = await node_client.get("/graphql", params={"query": "{ __typename }"},
                                   headers={"Accept": "text/html,application/json"})
    assert (await answer.json()) == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_production_nodes_serve_no_ide(database_url: str,
                                             aiohttp_client: AiohttpClient) -> None:
    client = await aiohttp_client(create_app(NodeConfig(region="32.73", db_url=database_url,
                                                        production=True)))
    assert (await client.get(GRAPHIQL_JS)).status == 404
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert "graphiql" not in (await page.text()).lower()
