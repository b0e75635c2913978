"""``POST /auth/login`` of the node and the gateway, one flow for both: the per-address
bucket (``LOGIN_LIMIT``), the per-account lock with backoff and the known devices
(:class:`~service_kit.login_guard.LoginGuard`), then the password check. Each side passes how
it checks a password and how it issues a token."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from schema.errors import SiksError, Unauthenticated
from schema.roles import Principal
from schema.tokens import ACCESS_TOKEN_LIFETIME
from service_kit.http_guards import LOGIN_LIMIT, error_response, rate_limited
from service_kit.login_guard import LoginGuard

LOGIN_GUARD = web.AppKey("login_guard", LoginGuard)

Authenticate = Callable[[str, str], Awaitable[Principal]]
Issue = Callable[[Principal], str]


async def _body(request: web.Request) -> dict[str, Any] | None:
    try:
        body: Any = await request.json()
    except ValueError:
        return None
    if not (isinstance(body, dict) and isinstance(body.get("username"), str)
            and isinstance(body.get("password"), str)):
        return None
    return body


def _account_locked(wait: float) -> web.Response:
    return error_response(429, "RATE_LIMITED", "too many failed logins for this account; "
                          "retry later (or from a device you logged in from before)",
                          {"Retry-After": str(max(1, math.ceil(wait)))})


async def login(request: web.Request, authenticate: Authenticate, issue: Issue) -> web.Response:
    guard = request.app[LOGIN_GUARD]
    body = await _body(request)
    username = body["username"] if body is not None else ""
    device = guard.known_device(username, body.get("device_token")) if body else None
    if device is None:
        refused = rate_limited(request.app[LOGIN_LIMIT], request, "login attempts")
        if refused is not None:
            return refused
    if body is None:
        return error_response(400, "INVALID_INPUT",
                              "give JSON {\"username\": …, \"password\": …}")
    if device is None and (wait := guard.account_wait(username)) > 0:
        return _account_locked(wait)
    try:
        principal = await authenticate(username, body["password"])
    except Unauthenticated as exc:
        guard.failed(username, device)
        return error_response(401, exc.code, exc.message)
    except SiksError as exc:
        return error_response(401, exc.code, exc.message)
    guard.succeeded(username, device)
    return web.json_response({"access_token": issue(principal), "token_type": "Bearer",
                              "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
                              "device_token": guard.device_token(username)},
                             headers={"Cache-Control": "no-store"})
