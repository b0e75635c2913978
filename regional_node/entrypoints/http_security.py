"""HTTP-level protections of the node, as aiohttp middlewares and the login routes.

* ``POST /graphql`` must be ``application/json``: form posts, ``text/plain`` and multipart are
  refused with 415 (no CSRF through a browser form, no multipart uploads).
* ``Authorization: Bearer <token>`` is verified on every request (:class:`TokenTrust`); a token
  that does not verify is a 401, never a silent downgrade to anonymous. No token: the PUBLIC
  principal, rate-limited per client address.
  A token that does not verify counts against the same per-address limit (429 once spent).
* ``POST /auth/login`` (JSON ``username``/``password``) returns a short-lived EdDSA JWT from the
  node's own issuer; throttled per client address and per account, known devices excepted
  (:mod:`service_kit.http_login`). ``GET /auth/jwks`` publishes its key.
"""

from __future__ import annotations

import datetime as dt

from aiohttp import web

from regional_node.adapters.database import Database
from regional_node.adapters.token_trust import TokenTrust
from regional_node.service_layer.users import authenticate
from schema.errors import Unauthenticated
from schema.roles import Principal
from schema.tokens import ACCESS_TOKEN_LIFETIME, claims_for
from service_kit import jwt
from service_kit.http_guards import (
    FORWARDED_CLIENT,
    GRAPHQL_PATH,
    LOGIN_LIMIT,
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

__all__ = ["LOGIN_LIMIT", "PUBLIC_LIMIT", "TOKENLESS_PRINCIPAL", "TOKEN_TRUST",
           "PrincipalResolver", "add_auth_routes", "authenticate_bearer",
           "error_response"]  # for app.py

TOKEN_TRUST = web.AppKey("token_trust", TokenTrust)


@web.middleware
async def authenticate_bearer(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path != GRAPHQL_PATH:
        return await handler(request)
    header = request.headers.get("Authorization")
    if header is None:
        return without_token(request) or await handler(request)
    scheme, _, token = header.partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'")
        request[PRINCIPAL], forwarded = await request.app[TOKEN_TRUST].verify_forwarded(
            token.strip())
        if forwarded is not None:
            request[FORWARDED_CLIENT] = forwarded
    except Unauthenticated as exc:
        refused = _limited(request.app[PUBLIC_LIMIT], request, "requests without a valid token")
        return refused or error_response(401, exc.code, exc.message, {
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{exc.message}"'})
    return await handler(request)


async def login(request: web.Request, database: Database) -> web.Response:
    trust = request.app[TOKEN_TRUST]

    async def check(username: str, password: str) -> Principal:
        return await authenticate(database, username, password)

    def issue(principal: Principal) -> str:
        claims = claims_for(principal, issuer=trust.issuer, audience=trust.audience,
                            now=dt.datetime.now(dt.UTC), lifetime=ACCESS_TOKEN_LIFETIME)
        return jwt.sign(claims, trust.own.private_key, kid=trust.own.kid)

    return await throttled_login(request, check, issue)


async def jwks(request: web.Request) -> web.Response:
    return web.json_response(request.app[TOKEN_TRUST].own.jwks())


def add_auth_routes(app: web.Application, database: web.AppKey[Database]) -> None:
    async def login_handler(request: web.Request) -> web.Response:
        return await login(request, request.app[database])

    app[LOGIN_GUARD] = LoginGuard()
    app.router.add_post("/auth/login", login_handler)
    app.router.add_get("/auth/jwks", jwks)
