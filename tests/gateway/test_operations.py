"""Operations: health, readiness, Prometheus metrics, request ids forwarded to nodes, JSON
logs, the offline GraphiQL page, the exported SDL, and the ``siks gateway`` commands."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from gateway.entrypoints.graphql.schema import exported_sdl, sdl
from service_kit.logs import JsonFormatter
from siks.cli import main
from tests.gateway.cluster import StandInNode
from tests.gateway.conftest import SECRET
from tests.gateway.helpers import gql


def test_exported_sdl_matches_the_code():
    assert exported_sdl() == sdl(), (
        "gateway/schema.graphql is stale: run "
        "`siks gateway export-sdl --output gateway/schema.graphql` and review the diff")


async def test_health_readiness_and_metrics(gateway, cluster):  # type: ignore[no-untyped-def]
    assert (await (await gateway.get("/healthz")).json()) == {"status": "ok"}
    ready = await gateway.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["nodes"] == {"registered": 3, "pending": 0, "active": 3,
                                             "refused": 0}
    await cluster.stop("35.78")
    await gql(gateway, "{ households(first: 5) { edges { node { id } } } }")
    metrics = await (await gateway.get("/metrics")).text()
    assert 'siks_gateway_graphql_requests_total{outcome="partial"} 1' in metrics
    assert 'siks_gateway_node_calls_total{outcome="ok",region="32.73"}' in metrics
    assert 'siks_gateway_node_calls_total{outcome="NODE_UNAVAILABLE",region="35.78"}' in metrics
    assert 'siks_gateway_node_call_seconds_bucket{region="32.73",le="+Inf"}' in metrics
    assert 'siks_gateway_fanout_width_bucket{le="5"} 1' in metrics
    assert 'siks_gateway_nodes{status="ACTIVE"} 3' in metrics


async def test_the_request_id_is_forwarded_to_every_node(gateway, cluster):  # type: ignore[no-untyped-def]
    cluster.request_ids.clear()
    query = "{ households(first: 1) { edges { node { id } } } }"
    response = await gateway.post("/graphql", headers={"X-Request-Id": "trace-42"},
                                  json={"query": query})
    assert response.headers["X-Request-Id"] == "trace-42"
    assert sorted(cluster.request_ids) == [("32.04", "trace-42"), ("32.73", "trace-42"),
                                           ("35.78", "trace-42")]


def test_logs_are_json_lines_with_the_request_id():
    from service_kit.logs import REQUEST_ID

    token = REQUEST_ID.set("abc123")
    try:
        record = logging.LogRecord("siks.gateway", logging.INFO, __file__, 1, "GET %s", ("/x",),
                                   None)
        record.status = 200
        line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["msg"] == "GET /x" and line["requestId"] == "abc123" and line["status"] == 200


async def test_graphiql_is_served_by_the_gateway_itself(gateway):  # type: ignore[no-untyped-def]
    page = await gateway.get("/graphql", headers={"Accept": "text/html"})
    html = await page.text()
    assert page.status == 200 and "/graphiql/assets/" in html
    assert "https://" not in html and "unpkg" not in html
    asset = await gateway.get("/graphiql/assets/graphiql-3.8.3/graphiql.min.js")
    assert asset.status == 200


async def test_cli_registers_nodes_and_refuses_an_incompatible_one(
        dev_pki, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SIKS_GATEWAY_PKI_DIR", str(dev_pki.layout.root))
    monkeypatch.setenv("SIKS_GATEWAY_DIRECTORY_SECRET", SECRET)
    db = f"sqlite:///{tmp_path / 'cli-gateway.sqlite'}"
    good, bad = StandInNode(reported_region="32.73"), StandInNode(schema_version="2.0")
    good_url = await good.start(dev_pki, certificate_of="32.73")
    bad_url = await bad.start(dev_pki, certificate_of="35.78")
    try:
        assert await asyncio.to_thread(main, ["gateway", "node", "add", "32.73", good_url,
                                              "--db", db]) == 0
        assert "32.73" in capsys.readouterr().out
        assert await asyncio.to_thread(main, ["gateway", "node", "add", "35.78", bad_url,
                                              "--db", db]) == 1
        assert "REFUSED" in capsys.readouterr().err
        assert await asyncio.to_thread(main, ["gateway", "nodes", "--db", db]) == 1
        listing = capsys.readouterr().out
        assert "ACTIVE" in listing and "REFUSED" in listing and "incompatible" in listing
        assert await asyncio.to_thread(main, ["gateway", "node", "add", "32.7", good_url,
                                              "--db", db]) == 2
        assert "siks: error:" in capsys.readouterr().err
        assert await asyncio.to_thread(main, ["gateway", "node", "remove", "35.78",
                                              "--db", db]) == 0
    finally:
        await good.stop()
        await bad.stop()
