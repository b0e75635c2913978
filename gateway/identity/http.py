"""HTTP-level protections of the gateway, as aiohttp middlewares and the login routes.

* ``POST /graphql`` and ``POST /auth/login`` must be ``application/json``: form posts,
  ``text/plain`` and multipart are refused with 415 (no CSRF through a browser form).
* ``Authorization: Bearer <token>`` is verified on every ``/graphql`` and ``/metrics`` request
  (:class:`~gateway.identity.trust.GatewayTokens`); a token that does not verify is a 401,
  never a silent downgrade to anonymous. No token: the PUBLIC principal, rate-limited per
  client address. The principal comes from nowhere else (no header, no cookie).
  A token that does not verify counts against the same per-address limit (429 once spent).
* ``POST /auth/login`` (JSON ``username``/``password``) returns a 15-minute EdDSA JWT from the
  gateway's issuer; throttled per client address and per account, known devices excepted
  (:mod:`service_kit.http_login`). ``GET /auth/jwks`` publishes its key.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from gateway.adapters.database import Database
from gateway.identity.trust import GatewayTokens
from gateway.identity.users import authenticate
from schema.errors import Unauthenticated
from schema.roles import Principal
from service_kit.http_guards import (
    GRAPHQL_PATH,
    LOGIN_LIMIT,
    LOGIN_PATH,
    PRINCIPAL,
    PUBLIC_LIMIT,
    TOKENLESS_PRINCIPAL,
    Handler,
    PrincipalResolver,
    error_response,
    without_token,
)
from service_kit.http_guards import rate_limited as _limited
from service_kit.http_login import LOGIN_GUARD
from service_kit.http_login import login as throttled_login
from service_kit.login_guard import LoginGuard

__all__ = ["LOGIN_LIMIT", "METRICS_PATH", "PUBLIC_LIMIT", "TOKENLESS_PRINCIPAL", "TOKENS",
           "PrincipalResolver", "add_auth_routes", "authenticate_bearer"]  # for app.py

METRICS_PATH = "/metrics"  # Prometheus text, for whom the policy gives the nodes' health
DIPA_EXPORT_PATH = "/exports/dipa"  # gateway.entrypoints.dipa_http
MAPS_GEOJSON_PATH = "/maps/indicators.geojson"  # gateway.entrypoints.maps_http
PARTNER_JOBS_PATH = "/partners/cross-check-jobs"  # gateway.entrypoints.cross_check_http

TOKENS = web.AppKey("tokens", GatewayTokens)


@web.middleware
async def authenticate_bearer(request: web.Request, handler: Handler) -> web.StreamResponse:
    if (request.path not in (GRAPHQL_PATH, METRICS_PATH, DIPA_EXPORT_PATH, MAPS_GEOJSON_PATH)
            and not request.path.startswith(PARTNER_JOBS_PATH)):
        return await handler(request)
    header = request.headers.get("Authorization")
    if header is None:
        return without_token(request) or await handler(request)
    scheme, _, token = header.partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'")
        request[PRINCIPAL] = await request.app[TOKENS].verify(token.strip())
    except Unauthenticated as exc:
        refused = _limited(request.app[PUBLIC_LIMIT], request, "requests without a valid token")
        if refused is not None:
            return refused
        description = exc.message.replace('"', "'")
        return error_response(401, exc.code, exc.message, {
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'})
    return await handler(request)


async def login(request: web.Request, database: Database) -> web.Response:
    async def check(username: str, password: str) -> Principal:
        return await authenticate(database, username, password)

    return await throttled_login(request, check, request.app[TOKENS].issue)


async def jwks(request: web.Request) -> web.Response:
    return web.json_response(request.app[TOKENS].own.jwks())


def add_auth_routes(app: web.Application, database_of: Callable[[web.Application], Database]
                    ) -> None:
    async def login_handler(request: web.Request) -> web.Response:
        return await login(request, database_of(request.app))

    app[LOGIN_GUARD] = LoginGuard()
    app.router.add_post(LOGIN_PATH, login_handler)
    app.router.add_get("/auth/jwks", jwks)
