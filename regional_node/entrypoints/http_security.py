"""HTTP-level protections of the node, as aiohttp middlewares and the login routes.

* ``POST /graphql`` must be ``application/json``: form posts, ``text/plain`` and multipart are
  refused with 415 (no CSRF through a browser form, no multipart uploads).
* ``Authorization: Bearer <token>`` is verified on every request (:class:`TokenTrust`); a token
  that does not verify is a 401, never a silent downgrade to anonymous. No token: the PUBLIC
  principal, rate-limited per client address.
* ``POST /auth/login`` (JSON ``username``/``password``) returns a short-lived EdDSA JWT from the
  node's own issuer; rate-limited per client address. ``GET /auth/jwks`` publishes its key.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from regional_node.adapters.database import Database
from regional_node.adapters.token_trust import TokenTrust
from regional_node.service_layer.users import authenticate
from schema.errors import SiksError, Unauthenticated
from schema.roles import ANONYMOUS, Principal
from schema.tokens import ACCESS_TOKEN_LIFETIME, claims_for
from siks.infra import jwt
from siks.infra.ratelimit import TokenBuckets

TOKEN_TRUST = web.AppKey("token_trust", TokenTrust)
LOGIN_LIMIT = web.AppKey("login_limit", TokenBuckets)
PUBLIC_LIMIT = web.AppKey("public_limit", TokenBuckets)
PRINCIPAL = web.RequestKey("principal", Principal)
GRAPHQL_PATH = "/graphql"
JSON_TYPES = ("application/json", "application/graphql-response+json")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def error_response(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"errors": [{"message": message, "extensions": {"code": code}}]},
                             status=status, headers=headers)


def principal_of(request: web.Request) -> Principal:
    return request.get(PRINCIPAL, ANONYMOUS)


def client_key(request: web.Request) -> str:
    return request.remote or "unknown"


def _limited(buckets: TokenBuckets, request: web.Request, what: str) -> web.Response | None:
    wait = buckets.take(client_key(request))
    if wait <= 0:
        return None
    return error_response(429, "RATE_LIMITED", f"too many {what} from this address; retry later",
                          {"Retry-After": str(max(1, math.ceil(wait)))})


@web.middleware
async def require_json_posts(request: web.Request, handler: Handler) -> web.StreamResponse:
    if (request.method == "POST" and request.path in (GRAPHQL_PATH, "/auth/login")
            and request.content_type not in JSON_TYPES):
        return error_response(415, "UNSUPPORTED_MEDIA_TYPE",
                              f"POST {request.path} needs Content-Type: application/json")
    return await handler(request)


@web.middleware
async def authenticate_bearer(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path != GRAPHQL_PATH:
        return await handler(request)
    header = request.headers.get("Authorization")
    if header is None:
        refused = _limited(request.app[PUBLIC_LIMIT], request, "requests without a token")
        if refused is not None:
            return refused
        request[PRINCIPAL] = ANONYMOUS
        return await handler(request)
    scheme, _, token = header.partition(" ")
    try:
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Authorization must be 'Bearer <token>'")
        request[PRINCIPAL] = await request.app[TOKEN_TRUST].verify(token.strip())
    except Unauthenticated as exc:
        return error_response(401, exc.code, exc.message, {
            "WWW-Authenticate": f'Bearer error="invalid_token", error_description="{exc.message}"'})
    return await handler(request)


async def login(request: web.Request, database: Database) -> web.Response:
    refused = _limited(request.app[LOGIN_LIMIT], request, "login attempts")
    if refused is not None:
        return refused
    try:
        body: Any = await request.json()
    except ValueError:
        return error_response(400, "INVALID_INPUT", "the body must be JSON")
    if not (isinstance(body, dict) and isinstance(body.get("username"), str)
            and isinstance(body.get("password"), str)):
        return error_response(400, "INVALID_INPUT", "give {\"username\": …, \"password\": …}")
    trust = request.app[TOKEN_TRUST]
    try:
        principal = await authenticate(database, body["username"],
                                       body["password"])
    except SiksError as exc:
        return error_response(401, exc.code, exc.message)
    claims = claims_for(principal, issuer=trust.issuer, audience=trust.audience,
                        now=dt.datetime.now(dt.UTC), lifetime=ACCESS_TOKEN_LIFETIME)
    token = jwt.sign(claims, trust.own.private_key, kid=trust.own.kid)
    return web.json_response({"access_token": token, "token_type": "Bearer",
                              "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds())},
                             headers={"Cache-Control": "no-store"})


async def jwks(request: web.Request) -> web.Response:
    return web.json_response(request.app[TOKEN_TRUST].own.jwks())


def add_auth_routes(app: web.Application, database: web.AppKey[Database]) -> None:
    async def login_handler(request: web.Request) -> web.Response:
        return await login(request, request.app[database])

    app.router.add_post("/auth/login", login_handler)
    app.router.add_get("/auth/jwks", jwks)
