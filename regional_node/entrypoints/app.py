"""The node's aiohttp application: a thin adapter over the GraphQL schema and the database.

Resources are opened in ``cleanup_ctx`` (never at import time) and reached through typed
``web.AppKey``s. ``/healthz`` says the process is alive; ``/readyz`` says it can serve:
database reachable, migrations at head, database bound to this node's region; its body also
reports ``outboxBacklog`` (signed submissions not yet acknowledged), which the gateway's node
registry shows.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import strawberry
from aiohttp import web
from sqlalchemy import text
from strawberry.aiohttp.views import GraphQLView

from regional_node.adapters.database import Database, open_database
from regional_node.adapters.migrations import current_revision, head_revision, upgrade
from regional_node.adapters.token_trust import (
    KEY_SETTING,
    KID_PREFIX,
    OidcTrust,
    TokenTrust,
    default_key_path,
    load_gateway_trust,
    load_or_create_issuer_key,
)
from regional_node.config import PREFIX, NodeConfig
from regional_node.entrypoints.deadline import deadline_middleware
from regional_node.entrypoints.graphql.context import NodeContext, make_loaders
from regional_node.entrypoints.graphql.schema import build_schema
from regional_node.entrypoints.http_security import (
    LOGIN_LIMIT,
    PUBLIC_LIMIT,
    TOKEN_TRUST,
    TOKENLESS_PRINCIPAL,
    PrincipalResolver,
    add_auth_routes,
    authenticate_bearer,
)
from regional_node.entrypoints.photo_upload import add_photo_routes
from regional_node.entrypoints.registry_task import registry_ctx
from regional_node.entrypoints.relay_task import relay_ctx
from regional_node.entrypoints.web import add_node_web
from regional_node.errors import ConfigError
from regional_node.service_layer.node_meta import bind_region, bound_region
from regional_node.service_layer.outbox import backlog
from schema.i18n import preferred_language
from service_kit.database import ensure_reachable, require_sqlite_folder
from service_kit.graphiql import add_graphiql_routes, graphiql_response
from service_kit.http_guards import principal_of, require_json_posts
from service_kit.listening import run_until_stopped, set_up, start_site
from service_kit.logs import configure_json_logging, request_context
from service_kit.ratelimit import Rate, TokenBuckets

log = logging.getLogger("siks.node")

MAX_BODY_BYTES = 2 * 1024 * 1024
CONFIG = web.AppKey("config", NodeConfig)
DATABASE = web.AppKey("database", Database)
STRICT_HEADER = "X-SIKS-Strict"


class NodeGraphQLView(GraphQLView[NodeContext, None]):
    async def get_context(self, request: web.Request,
                          response: web.StreamResponse | None) -> NodeContext:
        app = request.app
        return NodeContext(request=request, response=response, database=app[DATABASE],
                           region=app[CONFIG].region, loaders=make_loaders(app[DATABASE]),
                           principal=principal_of(request),
                           strict=request.headers.get(STRICT_HEADER, "").strip() == "1",
                           language=preferred_language(request.headers.get("Accept-Language"),
                                                       app[CONFIG].language))

    async def render_graphql_ide(self, request: web.Request) -> web.Response:
        return graphiql_response(request)  # served locally: works with no internet


def _database_ctx(migrate: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def database_ctx(app: web.Application) -> AsyncIterator[None]:
        config = app[CONFIG]
        database = open_database(config.db_url)
        await ensure_reachable(database)  # disposed of, and one line, when it is not
        try:  # disposed of too when migrating fails or the region check refuses (as the gateway)
            if migrate:
                await upgrade(database)
                await bind_region(database, config.region)
            app[DATABASE] = database
            yield
        finally:
            await database.dispose()

    return database_ctx


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    config, database = request.app[CONFIG], request.app[DATABASE]
    problems: list[str] = []
    pending: int | None = None
    try:
        async with database.reader() as session:
            await session.execute(text("SELECT 1"))
        revision = await current_revision(database)
        if revision != head_revision():
            problems.append(f"database at revision {revision}, code expects {head_revision()}")
        region = await bound_region(database)
        if region != config.region:
            problems.append(f"database bound to region {region}, node serves {config.region}")
        if not problems:  # signed submissions waiting: the gateway's registry shows it
            pending = (await backlog(database)).pending
    except Exception as exc:  # any failure to reach the database means not ready
        log.warning("readiness check failed: %s", exc)
        problems.append(f"database unreachable ({exc.__class__.__name__})")
    status = 503 if problems else 200
    body: dict[str, Any] = {"status": "not ready" if problems else "ready",
                            "region": config.region}
    if pending is not None:
        body["outboxBacklog"] = pending
    if problems:
        body["problems"] = problems
    return web.json_response(body, status=status)


def token_trust(config: NodeConfig) -> TokenTrust:
    key_path = (Path(config.signing_key) if config.signing_key
                else default_key_path(config.db_url, config.data_dir, config.region))
    oidc = (OidcTrust(config.oidc_issuer, file=config.jwks_file, url=config.jwks_url)
            if config.oidc_issuer and (config.jwks_file or config.jwks_url) else None)
    own = load_or_create_issuer_key(key_path, kid_prefix=KID_PREFIX, setting=KEY_SETTING)
    return TokenTrust(config.region, own,
                      gateway_ca=load_gateway_trust(config.ca_certificate, config.crl), oidc=oidc)


def create_app(config: NodeConfig, *, migrate: bool = True,
               schema: strawberry.Schema | None = None,
               principal_of: PrincipalResolver | None = None) -> web.Application:
    """``principal_of``: tests and benchmarks only, as the gateway's — who a request WITHOUT a
    bearer token is (default PUBLIC); a bearer token is always verified, and ``serve`` never
    sets it."""
    require_sqlite_folder(config.db_url)
    if config.pki_dir is not None:
        check_node_pki(config)
    app = web.Application(client_max_size=MAX_BODY_BYTES,
                          middlewares=[request_context, deadline_middleware,
                                       require_json_posts, authenticate_bearer])
    app[CONFIG] = config
    app[TOKEN_TRUST] = token_trust(config)
    app[LOGIN_LIMIT] = TokenBuckets(Rate.parse(config.login_rate))
    app[PUBLIC_LIMIT] = TokenBuckets(Rate.parse(config.public_rate))
    if principal_of is not None:
        app[TOKENLESS_PRINCIPAL] = principal_of
    app.cleanup_ctx.append(_database_ctx(migrate))
    app.cleanup_ctx.append(relay_ctx(CONFIG, DATABASE))  # signer; relay if configured
    app.cleanup_ctx.append(registry_ctx(DATABASE))  # Dukcapil client if configured
    view = NodeGraphQLView(schema=schema or build_schema(production=config.production),
                           graphql_ide=None if config.production else "graphiql",
                           allow_queries_via_get=True, multipart_uploads_enabled=False)
    app.router.add_route("*", "/graphql", view)
    add_photo_routes(app, config, DATABASE)
    add_auth_routes(app, DATABASE)
    if not config.production:
        add_graphiql_routes(app, graphql_path="/graphql")
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    add_node_web(app, view.schema, config, DATABASE)  # the pages under /web/ (docs/web.md)
    return app


def check_node_pki(config: NodeConfig) -> None:
    """The region's PKI as the node will use it, or one ConfigError line saying what is wrong."""
    from certs.errors import PkiError
    from certs.holder_check import check_holder_files
    from certs.identity import Identity

    assert config.pki_dir is not None
    try:
        check_holder_files(Path(config.pki_dir), Identity.region(config.region))
    except PkiError as exc:
        raise ConfigError(f"{PREFIX}PKI_DIR: {exc.message}") from None


async def open_mtls_site(runner: web.AppRunner, config: NodeConfig) -> str:
    """The listener the gateway calls: the region's TLS certificate, a client certificate
    from the national CA required. The plain listener stays for staff behind a proxy."""
    from certs.identity import Identity
    from certs.layout import PkiLayout
    from certs.tls import server_context

    port = config.listener_mtls_port
    assert config.pki_dir is not None and port is not None
    tls = PkiLayout(Path(config.pki_dir)).tls_files(Identity.region(config.region))
    await start_site(runner, config.host, port, ssl_context=server_context(tls))
    host = "127.0.0.1" if config.host in ("0.0.0.0", "") else config.host
    return f"https://{host}:{port}"


async def serve(config: NodeConfig) -> None:
    """Run until SIGINT/SIGTERM, then shut down cleanly."""
    configure_json_logging()
    runner = web.AppRunner(create_app(config), access_log=None)  # request_context logs them

    async def listen() -> str | None:
        await start_site(runner, config.host, config.port)
        return await open_mtls_site(runner, config) if config.pki_dir else None

    mtls_url = await set_up(runner, listen)
    print(f"node {config.region} serving GraphQL at http://{config.host}:{config.port}/graphql",
          flush=True)
    if mtls_url is not None:
        print(f"node {config.region} serving the gateway with mutual TLS at {mtls_url}",
              flush=True)
    if config.gateway_url:
        print(f"node {config.region} relaying signed submissions to {config.gateway_url}",
              flush=True)
    await run_until_stopped(runner)
