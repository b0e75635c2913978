"""The gateway's aiohttp application: a thin adapter over the GraphQL schema and the
federation core.

Resources are opened in ``cleanup_ctx`` (never at import time) and reached through typed
``web.AppKey``s: the database (migrated on start), the pooled node client (mTLS with the
gateway's certificate when ``SIKS_GATEWAY_PKI_DIR`` is set), the node registry (loaded, then
probed), and background jobs (health probes, rollup and NIK directory refresh).
``/healthz``: alive. ``/readyz``: database reachable and migrated. ``/metrics``: Prometheus,
for a Kemensos token only (the nodes' health is theirs in the policy), and without a token on
the optional ops listener (``SIKS_GATEWAY_METRICS_PORT``, loopback by default).
``/auth/login`` and ``/auth/jwks``: the gateway's own token issuer (``gateway.identity``);
every ``/graphql`` request's bearer token is verified before the schema runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import text
from strawberry.aiohttp.views import GraphQLView

from gateway.adapters.database import open_database
from gateway.adapters.migrations import current_revision, head_revision, upgrade
from gateway.config import PREFIX, GatewayConfig
from gateway.entrypoints import cross_check_http, dipa_http, maps_http
from gateway.entrypoints.graphql.context import GatewayContext
from gateway.entrypoints.graphql.schema import build_schema
from gateway.entrypoints.metrics import CONTENT_TYPE, GatewayMetrics
from gateway.entrypoints.web import add_gateway_web
from gateway.errors import ConfigError
from gateway.federation.deadline import Deadline
from gateway.federation.fanout import RequestScope
from gateway.federation.model import NodeStatus
from gateway.federation.node_client import CallMeta, NodeClient
from gateway.identity.http import (
    LOGIN_LIMIT,
    METRICS_PATH,
    PUBLIC_LIMIT,
    TOKENLESS_PRINCIPAL,
    TOKENS,
    PrincipalResolver,
    add_auth_routes,
    authenticate_bearer,
)
from gateway.identity.trust import GatewayTokens
from gateway.inbox.http import build_sync, run_inbox_listener
from gateway.inbox.http import inbox_port as default_inbox_port
from gateway.service_layer import directory_sync, node_health, rollups
from gateway.service_layer.cross_check_jobs import JobRunner
from gateway.service_layer.read_audit_writer import ReadAuditWriter
from gateway.service_layer.registration import read_nodes_file, register
from gateway.service_layer.services import (
    GatewayServices,
    build_services,
    node_ssl_context,
    user_context_forwarder,
)
from schema.policy import Access, access
from service_kit.database import ensure_reachable, require_sqlite_folder
from service_kit.graphiql import add_graphiql_routes, graphiql_response
from service_kit.http_guards import error_response, principal_of, require_json_posts
from service_kit.listening import run_until_stopped, set_up, start_site
from service_kit.logs import REQUEST_ID, configure_json_logging, request_context
from service_kit.ratelimit import Rate, TokenBuckets

log = logging.getLogger("siks.gateway")

CONFIG = web.AppKey("config", GatewayConfig)
SERVICES = web.AppKey("services", GatewayServices)
INBOX = web.AppKey("inbox", web.AppRunner)
OPS = web.AppKey("ops", web.AppRunner)  # the ops listener: /metrics without a token
METRICS = web.AppKey("metrics", GatewayMetrics)
SNAPSHOT_BUDGET_MS = 60_000
DIRECTORY_FIRST_S = 60.0  # an empty directory is first filled this long after start
MAX_BODY_BYTES = 2 * 1024 * 1024  # as a node's: a sanggah carries a photo of up to 1.5 MB
STRICT_HEADER = "X-SIKS-Strict"


class GatewayGraphQLView(GraphQLView[GatewayContext, None]):
    async def get_context(self, request: web.Request,
                          response: web.StreamResponse | None) -> GatewayContext:
        config = request.app[CONFIG]
        # only from a verified bearer token (or PUBLIC without one): gateway.identity.http
        meta = CallMeta(request_id=REQUEST_ID.get() or "-", principal=principal_of(request))
        return GatewayContext(request=request, response=response,
                              services=request.app[SERVICES],
                              scope=RequestScope(Deadline.after_ms(config.deadline_ms), meta),
                              strict=request.headers.get(STRICT_HEADER, "").strip() == "1")

    async def render_graphql_ide(self, request: web.Request) -> web.Response:
        return graphiql_response(request)  # served locally: works with no internet


def _services_ctx(migrate: bool, probe_on_start: bool, node_ssl: ssl.SSLContext | None
                  ) -> Callable[[web.Application], AsyncIterator[None]]:
    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        config = app[CONFIG]
        database = open_database(config.db_url)
        await ensure_reachable(database)  # disposed of, and one line, when it is not
        client = NodeClient(ssl_context=node_ssl if node_ssl is not None
                            else node_ssl_context(config), pool_size=config.max_concurrency,
                            user_context=user_context_forwarder(config))
        try:
            if migrate:
                await upgrade(database)
            await client.open()
            services = build_services(config, database, client, observer=app[METRICS])
            if await services.directory.adopt_key(services.directory_key.fingerprint):
                log.warning("the NIK directory key changed: the directory was emptied")
            if config.nodes_file is not None:
                for region, url in read_nodes_file(config.nodes_file):
                    await register(services.nodes, region, url)
            services.registry.replace(await services.nodes.all())
            if probe_on_start:
                await node_health.probe_all(services.federation, services.nodes)
            app[SERVICES] = services
            yield
        finally:
            await client.close()
            await database.dispose()

    return services_ctx


async def _every(seconds: float, job: Callable[[], Awaitable[Any]], name: str, *,
                 first_after: float | None = None) -> None:
    delay = seconds if first_after is None else first_after
    while True:
        await asyncio.sleep(delay)
        delay = seconds
        try:
            await job()
        except Exception:  # a failed round is logged; the next one runs anyway
            log.exception("background job %s failed", name)


async def refresh_snapshots(services: GatewayServices) -> None:
    """Rollups and NIK directory from every callable node (``siks gateway refresh``)."""
    await refresh_rollups(services)
    await refresh_directory(services)


async def refresh_rollups(services: GatewayServices) -> None:
    """Every callable node's counts (one small request each)."""
    scope = RequestScope(Deadline.after_ms(SNAPSHOT_BUDGET_MS),
                         node_health.system_meta("rollups"))
    await rollups.refresh(services.federation, services.rollups,
                          services.registry.callable_regions(), scope)


async def refresh_directory(services: GatewayServices) -> None:
    """Every callable node's NIKs, paged through its households: heavy for the nodes (each
    audits every household and member the gateway reads), so it runs far less often than the
    rollups (``DIRECTORY_REFRESH_S``)."""
    await directory_sync.sync_all(services.federation, services.directory,
                                  services.directory_key, services.registry.callable_regions())


async def _background_ctx(app: web.Application) -> AsyncIterator[None]:
    config, services = app[CONFIG], app[SERVICES]
    tasks = []
    if config.probe_interval_s > 0:
        tasks.append(asyncio.create_task(_every(
            config.probe_interval_s,
            lambda: node_health.probe_all(services.federation, services.nodes), "probe")))
    if config.rollup_refresh_s > 0:
        tasks.append(asyncio.create_task(_every(
            config.rollup_refresh_s, lambda: refresh_rollups(services), "rollups")))
    if config.directory_refresh_s > 0:
        first = (min(DIRECTORY_FIRST_S, config.directory_refresh_s)
                 if await services.directory.is_empty() else config.directory_refresh_s)
        tasks.append(asyncio.create_task(_every(
            config.directory_refresh_s, lambda: refresh_directory(services), "directory",
            first_after=first)))
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _jobs_ctx(app: web.Application) -> AsyncIterator[None]:
    """The partners' cross-check jobs: those a stop left open run again (docs/partners.md)."""
    runner = JobRunner(app[SERVICES])
    await runner.start()
    app[cross_check_http.JOBS] = runner
    yield
    await runner.stop()


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    problems: list[str] = []
    try:
        async with services.database.reader() as session:
            await session.execute(text("SELECT 1"))
        revision = await current_revision(services.database)
        if revision != head_revision():
            problems.append(f"database at revision {revision}, code expects {head_revision()}")
    except Exception as exc:  # any failure to reach the database means not ready
        log.warning("readiness check failed: %s", exc)
        problems.append(f"database unreachable ({exc.__class__.__name__})")
    nodes = services.registry.all()
    body: dict[str, Any] = {
        "status": "not ready" if problems else "ready",
        "nodes": {"registered": len(nodes),
                  **{s.value.lower(): sum(n.status is s for n in nodes) for s in NodeStatus}},
    }
    if problems:
        body["problems"] = problems
    return web.json_response(body, status=503 if problems else 200)


def metrics_text(app: web.Application) -> str:
    """The Prometheus exposition of ``app``'s metrics and, on each scrape, the registry."""
    services = app[SERVICES]

    def gauges() -> list[str]:
        nodes = services.registry.all()
        lines = ["# HELP siks_gateway_nodes Registered nodes by status",
                 "# TYPE siks_gateway_nodes gauge"]
        lines += [f'siks_gateway_nodes{{status="{s.value}"}} {sum(n.status is s for n in nodes)}'
                  for s in NodeStatus]
        lines += ["# HELP siks_gateway_circuit_open 1 when a node's circuit is not closed",
                  "# TYPE siks_gateway_circuit_open gauge"]
        lines += [f'siks_gateway_circuit_open{{region="{n.region}"}} '
                  f'{int(services.federation.circuit_state(n.region).value != "CLOSED")}'
                  for n in nodes]
        return lines + read_audit_lines(services.read_audit)

    return app[METRICS].render(gauges)


def read_audit_lines(writer: ReadAuditWriter) -> list[str]:
    """The read audit's group commit: entries per transaction is its mean batch."""
    return ["# HELP siks_gateway_read_audit_entries_total Read audit entries committed",
            "# TYPE siks_gateway_read_audit_entries_total counter",
            f"siks_gateway_read_audit_entries_total {writer.entries}",
            "# HELP siks_gateway_read_audit_transactions_total Read audit transactions "
            "(each holds the entries of the operations that finished together)",
            "# TYPE siks_gateway_read_audit_transactions_total counter",
            f"siks_gateway_read_audit_transactions_total {writer.transactions}"]


async def metrics(request: web.Request) -> web.Response:
    """``/metrics`` on the API listener: per-region circuit state and latency are the nodes'
    health, which the policy gives to whom it gives the query ``nodes`` (Kemensos). Without a
    token: 401 (Prometheus sends one with ``authorization:``, or scrapes the ops listener)."""
    if access(principal_of(request).role, "Query", "nodes") is not Access.FULL:
        if "Authorization" not in request.headers:
            return error_response(401, "UNAUTHENTICATED", "/metrics needs a Kemensos token",
                                  {"WWW-Authenticate": 'Bearer realm="siks-gateway"'})
        return error_response(403, "FORBIDDEN", "/metrics is for Kemensos only")
    return web.Response(body=metrics_text(request.app).encode(),
                        headers={"Content-Type": CONTENT_TYPE})


async def _ops_ctx(app: web.Application) -> AsyncIterator[None]:
    """The ops listener (``SIKS_GATEWAY_METRICS_HOST``:``METRICS_PORT``): ``/metrics`` only,
    without a token, for a Prometheus on the same host or an ops network (docs/gateway.md)."""
    config = app[CONFIG]

    async def ops_metrics(request: web.Request) -> web.Response:
        return web.Response(body=metrics_text(app).encode(),
                            headers={"Content-Type": CONTENT_TYPE})

    ops = web.Application()
    ops.router.add_get(METRICS_PATH, ops_metrics)
    runner = web.AppRunner(ops, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, config.metrics_host, config.metrics_port).start()
    except OSError as exc:
        await runner.cleanup()
        raise ConfigError(f"{PREFIX}METRICS_PORT: cannot listen on {config.metrics_host}:"
                          f"{config.metrics_port}: {exc.strerror}") from None
    app[OPS] = runner
    try:
        yield
    finally:
        await runner.cleanup()


def _inbox_ctx(port: int) -> Callable[[web.Application], AsyncIterator[None]]:
    """The node-facing mTLS listener (docs/sync.md): signed submissions, decisions,
    checkpoints, on its own port, over the same database."""
    async def inbox_ctx(app: web.Application) -> AsyncIterator[None]:
        config, services = app[CONFIG], app[SERVICES]
        if config.pki_dir is None:
            raise ConfigError(f"the node inbox needs {PREFIX}PKI_DIR (mutual TLS, signatures)")
        sync = build_sync(services.database, config.pki_dir, services.directory_key)
        async with run_inbox_listener(sync, config.pki_dir, config.host, port) as runner:
            app[INBOX] = runner
            yield

    return inbox_ctx


def check_gateway_pki(pki_dir: Path) -> None:
    """The gateway's certificates and keys as it will use them, or one ConfigError line."""
    from certs.errors import PkiError
    from certs.holder_check import check_holder_files
    from certs.identity import Identity

    try:
        check_holder_files(pki_dir, Identity.gateway())
    except PkiError as exc:
        raise ConfigError(f"{PREFIX}PKI_DIR: {exc.message}") from None


def create_app(config: GatewayConfig, *, migrate: bool = True, probe_on_start: bool = True,
               background: bool = True, node_ssl: ssl.SSLContext | None = None,
               principal_of: PrincipalResolver | None = None,
               inbox_port: int | None = None) -> web.Application:
    """``inbox_port``: also run the node inbox listener there (0: any free port).
    ``principal_of``: tests and benchmarks only — who a request WITHOUT a bearer token is
    (default PUBLIC); a bearer token is always verified, and ``serve`` never sets it."""
    require_sqlite_folder(config.db_url)
    if config.pki_dir is not None:
        check_gateway_pki(config.pki_dir)
    app = web.Application(client_max_size=MAX_BODY_BYTES,
                          middlewares=[request_context, require_json_posts, authenticate_bearer])
    app[CONFIG] = config
    app[TOKENS] = GatewayTokens.from_config(config)
    app[LOGIN_LIMIT] = TokenBuckets(Rate.parse(config.login_rate))
    app[PUBLIC_LIMIT] = TokenBuckets(Rate.parse(config.public_rate))
    if principal_of is not None:
        app[TOKENLESS_PRINCIPAL] = principal_of
    app[METRICS] = gateway_metrics = GatewayMetrics()
    app.cleanup_ctx.append(_services_ctx(migrate, probe_on_start, node_ssl))
    app.cleanup_ctx.append(_jobs_ctx)
    if inbox_port is not None:
        app.cleanup_ctx.append(_inbox_ctx(inbox_port))
    if config.metrics_port is not None:
        app.cleanup_ctx.append(_ops_ctx)
    if background:
        app.cleanup_ctx.append(_background_ctx)
    view = GatewayGraphQLView(
        schema=build_schema(on_outcome=lambda outcome: gateway_metrics.requests.inc(
            outcome=outcome), production=config.production,
            pass_through=config.pass_through),
        graphql_ide=None if config.production else "graphiql", allow_queries_via_get=True,
        multipart_uploads_enabled=False)
    app.router.add_route("*", "/graphql", view)
    add_auth_routes(app, lambda application: application[SERVICES].database)
    if not config.production:
        add_graphiql_routes(app, graphql_path="/graphql")
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get(METRICS_PATH, metrics)
    dipa_http.add_route(app, lambda application: application[SERVICES], config.deadline_ms)
    maps_http.add_route(app, lambda application: application[SERVICES], config.deadline_ms)
    add_gateway_web(app, view.schema, config, SERVICES)  # the pages under /web/ (docs/web.md)
    cross_check_http.add_routes(app, lambda application: application[SERVICES])
    return app


async def serve(config: GatewayConfig, inbox_port: int | None = None) -> None:
    """Run until SIGINT/SIGTERM, then shut down cleanly. With a PKI directory the node inbox
    listener (mutual TLS) runs too, on ``inbox_port`` (default ``SIKS_GATEWAY_INBOX_PORT``,
    8443)."""
    configure_json_logging()
    if config.pki_dir is not None and inbox_port is None:
        inbox_port = default_inbox_port()
    app = create_app(config, inbox_port=inbox_port if config.pki_dir is not None else None)
    runner = web.AppRunner(app, access_log=None)
    await set_up(runner, lambda: start_site(runner, config.host, config.port))
    print(f"gateway serving GraphQL at http://{config.host}:{config.port}/graphql", flush=True)
    if INBOX in app:
        host, port = app[INBOX].addresses[0][:2]
        print(f"gateway accepting node submissions with mutual TLS at https://{host}:{port}",
              flush=True)
    else:
        print(f"no {PREFIX}PKI_DIR: the node inbox is off (nodes cannot deliver)", flush=True)
    if OPS in app:
        host, port = app[OPS].addresses[0][:2]
        print(f"gateway metrics for Prometheus at http://{host}:{port}{METRICS_PATH} "
              "(no token: keep this address on loopback or an ops network)", flush=True)
    await run_until_stopped(runner)
