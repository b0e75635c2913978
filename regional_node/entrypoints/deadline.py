"""Honour the caller's deadline: a request carrying ``X-SIKS-Deadline-Ms`` (the gateway sends
what remains of its own budget) is abandoned when that time is up, with 504 and a GraphQL
error ``DEADLINE_EXCEEDED``, instead of working on an answer nobody waits for.
(``X-Request-Id`` is echoed by ``service_kit.logs.request_context``, the middleware before.)"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

DEADLINE_HEADER = "X-SIKS-Deadline-Ms"
MAX_DEADLINE_MS = 300_000

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def deadline_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    raw = request.headers.get(DEADLINE_HEADER, "")
    budget_ms = min(int(raw), MAX_DEADLINE_MS) if raw.isascii() and raw.isdigit() else None
    try:
        if budget_ms is None:
            response = await handler(request)
        else:
            async with asyncio.timeout(budget_ms / 1000):
                response = await handler(request)
    except TimeoutError:
        response = web.json_response({"data": None, "errors": [{
            "message": f"deadline of {budget_ms} ms exceeded",
            "extensions": {"code": "DEADLINE_EXCEEDED"}}]}, status=504)
    return response
