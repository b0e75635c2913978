"""Real regional node apps for gateway tests: each on its own loopback port, over mutual TLS
with certificates from a development PKI, on its own SQLite file, with request counting and
a switch that makes it hang; the GraphQL documents each node received are kept too."""

from __future__ import annotations

import asyncio
import dataclasses
import shutil
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from certs.dev import DevPki
from certs.identity import Identity
from certs.tls import server_context
from regional_node.config import NodeConfig
from regional_node.entrypoints.app import DATABASE, create_app
from schema.regions import RegionLevel, regions
from tests.factories import household
from tests.node.helpers import store

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def desa_codes(region: str, count: int) -> list[str]:
    return [r.code for r in list(regions().descendants(region, RegionLevel.DESA))[:count]]


@dataclass
class RunningNode:
    region: str
    app: web.Application
    runner: web.AppRunner
    url: str

    @property
    def database(self) -> Any:
        return self.app[DATABASE]


@dataclass
class NodeCluster:
    pki: DevPki
    workdir: Path
    templates: dict[str, Path]
    nodes: dict[str, RunningNode] = field(default_factory=dict)
    requests: Counter[str] = field(default_factory=Counter)
    request_ids: list[tuple[str, str | None]] = field(default_factory=list)
    documents: list[tuple[str, str]] = field(default_factory=list)  # (region, GraphQL text)
    answers: list[tuple[str, bytes]] = field(default_factory=list)  # (region, response body)
    hanging: set[str] = field(default_factory=set)  # hang before the node's own deadline
    slow_inside: set[str] = field(default_factory=set)  # hang inside the node's deadline

    def _middlewares(self, region: str) -> tuple[web.middleware, web.middleware]:  # type: ignore[valid-type]
        @web.middleware
        async def count_and_hang(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.path == "/graphql":
                self.requests[region] += 1
                self.request_ids.append((region, request.headers.get("X-Request-Id")))
                if request.method == "POST":  # the body stays readable by the handler
                    body = await request.json()
                    self.documents.append((region, str(body.get("query", ""))))
            if region in self.hanging:
                await asyncio.sleep(3600)
            response = await handler(request)
            if request.path == "/graphql" and isinstance(response, web.Response) \
                    and isinstance(response.body, bytes):
                self.answers.append((region, response.body))
            return response

        @web.middleware
        async def slow(request: web.Request, handler: Handler) -> web.StreamResponse:
            if region in self.slow_inside:
                await asyncio.sleep(3600)
            return await handler(request)

        return count_and_hang, slow

    async def start(self, region: str, port: int = 0) -> RunningNode:
        db = self.workdir / f"{region}.sqlite"
        if not db.exists():
            shutil.copy(self.templates[region], db)
        app = create_app(NodeConfig(region=region, db_url=f"sqlite:///{db}",
                                    **self._trust_options(region)))
        outer, inner = self._middlewares(region)
        app.middlewares.insert(0, outer)
        app.middlewares.append(inner)
        runner = web.AppRunner(app, shutdown_timeout=0.2)  # hanging handlers end at stop
        await runner.setup()
        tls = server_context(self.pki.tls(Identity.region(region)))
        site = web.TCPSite(runner, "127.0.0.1", port, ssl_context=tls)
        await site.start()
        bound_port = runner.addresses[0][1]
        node = RunningNode(region, app, runner, f"https://127.0.0.1:{bound_port}")
        self.nodes[region] = node
        return node

    def _trust_options(self, region: str) -> dict[str, Any]:
        """Trust the gateway's signed user tokens (nodes with token authentication)."""
        names = {f.name for f in dataclasses.fields(NodeConfig)}
        layout = self.pki.layout
        options = {"data_dir": str(self.workdir / f"{region}-data"),
                   "trust_ca": str(layout.ca_certificate), "trust_crl": str(layout.crl)}
        return {k: v for k, v in options.items() if k in names}

    async def stop(self, region: str) -> None:
        node = self.nodes.pop(region)
        await node.runner.cleanup()

    async def stop_all(self) -> None:
        for region in list(self.nodes):
            await self.stop(region)

    async def seed(self, region: str, households_per_desa: Sequence[int]) -> list[int]:
        records = [household(desa=desa, head_name=f"Kepala {region} {i}",
                             programs=_programs(i), desil=1 + i % 10)
                   for desa, n in zip(desa_codes(region, len(households_per_desa)),
                                      households_per_desa, strict=True)
                   for i in range(n)]
        return await store(self.nodes[region].database, records, region)

    def nodes_file(self) -> Path:
        path = self.workdir / "nodes.txt"
        path.write_text("".join(f"{r} {n.url}\n" for r, n in sorted(self.nodes.items())))
        return path


def _programs(i: int) -> tuple[Any, ...]:
    from schema.enums import Program

    return ((Program.PKH,) if i % 3 == 0 else ()) + ((Program.BPNT,) if i % 4 == 0 else ())


@dataclass
class StandInNode:
    """A fake node speaking just enough of the API, for what a real node cannot be made to do
    (another schema version, 503s). Served over mTLS with ``certificate_of``'s certificate."""

    schema_version: str = "1.0"
    reported_region: str = "35.78"
    graphql_status: int = 200
    requests: list[str] = field(default_factory=list)
    runner: web.AppRunner | None = None

    async def start(self, pki: DevPki, certificate_of: str) -> str:
        async def graphql(request: web.Request) -> web.Response:
            body = await request.json()
            self.requests.append(body["query"])
            if self.graphql_status != 200:
                return web.json_response({"errors": [{"message": "down"}]},
                                         status=self.graphql_status)
            return web.json_response({"data": {"node": {
                "region": self.reported_region, "schemaVersion": self.schema_version}}})

        async def readyz(request: web.Request) -> web.Response:
            return web.json_response({"status": "ready", "outboxBacklog": 7})

        app = web.Application()
        app.router.add_post("/graphql", graphql)
        app.router.add_get("/readyz", readyz)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0,
                           ssl_context=server_context(pki.tls(Identity.region(certificate_of))))
        await site.start()
        return f"https://127.0.0.1:{self.runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
