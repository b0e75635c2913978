"""HTTP protections shared by the node and the gateway: JSON-only posts (no CSRF through a
browser form or multipart), per-address rate limits, the request's principal, the JSON error
body every refusal uses, and GraphQL over HTTP's media type (``graphql_http``)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from aiohttp import web

from schema.policy import RowScope, role_policy
from schema.roles import ANONYMOUS, Principal
from service_kit.graphql_http import negotiate
from service_kit.ratelimit import TokenBuckets

LOGIN_LIMIT = web.AppKey("login_limit", TokenBuckets)
PUBLIC_LIMIT = web.AppKey("public_limit", TokenBuckets)
PRINCIPAL = web.RequestKey("principal", Principal)
# the public's address as the gateway saw it, from the gateway's verified token (a node)
FORWARDED_CLIENT = web.RequestKey("forwarded_client", str)
GRAPHQL_PATH = "/graphql"
LOGIN_PATH = "/auth/login"
JSON_TYPES = ("application/json", "application/graphql-response+json")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PrincipalResolver = Callable[[web.Request], Principal]
# Tests and benchmarks only (``create_app(principal_of=…)`` of either service): who a request
# WITHOUT a token is (default: the PUBLIC principal). Never set by ``serve``; a bearer token is
# verified whatever this says.
TOKENLESS_PRINCIPAL: web.AppKey[PrincipalResolver] = web.AppKey("tokenless_principal")


def error_response(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"errors": [{"message": message, "extensions": {"code": code}}]},
                             status=status, headers=headers)


def principal_of(request: web.Request) -> Principal:
    return request.get(PRINCIPAL, ANONYMOUS)


def client_key(request: web.Request) -> str:
    """Who a per-address limit counts: the peer, or the public's own address when the gateway
    relayed the request and vouched for it in its signed token (``FORWARDED_CLIENT``)."""
    return request.get(FORWARDED_CLIENT) or request.remote or "unknown"


def rate_limited(buckets: TokenBuckets, request: web.Request, what: str) -> web.Response | None:
    """A 429 when this address has used up ``buckets``; None when it may go on."""
    wait = buckets.take(client_key(request))
    if wait <= 0:
        return None
    return error_response(429, "RATE_LIMITED", f"too many {what} from this address; retry later",
                          {"Retry-After": str(max(1, math.ceil(wait)))})


def without_token(request: web.Request) -> web.Response | None:
    """Give a request that carries no token its principal (the PUBLIC one, or what
    ``TOKENLESS_PRINCIPAL`` says); a 429 when that is the public and its address has used up
    ``PUBLIC_LIMIT``, else None."""
    resolver = request.app.get(TOKENLESS_PRINCIPAL)
    principal = resolver(request) if resolver is not None else ANONYMOUS
    policy = role_policy(principal.role)
    if policy is None or policy.rows is RowScope.PUBLIC_SEARCH:
        refused = rate_limited(request.app[PUBLIC_LIMIT], request, "requests without a token")
        if refused is not None:
            return refused
    request[PRINCIPAL] = principal
    return None


@web.middleware
async def require_json_posts(request: web.Request, handler: Handler) -> web.StreamResponse:
    """GraphQL over HTTP at the edge: JSON-only posts, and the answer of ``/graphql`` in the
    media type the request accepts (:mod:`service_kit.graphql_http`)."""
    if (request.method == "POST" and request.path in (GRAPHQL_PATH, LOGIN_PATH)
            and request.content_type not in JSON_TYPES):
        response: web.StreamResponse = error_response(
            415, "UNSUPPORTED_MEDIA_TYPE",
            f"POST {request.path} needs Content-Type: application/json")
    else:
        response = await handler(request)
    return negotiate(request, response) if request.path == GRAPHQL_PATH else response
