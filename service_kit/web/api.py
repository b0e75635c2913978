"""The service's own HTTP endpoints, called by a page as the session's principal.

Some of the data a page shows is not GraphQL but a download or a map the service already
serves to bearer tokens (``/exports/dipa``, ``/maps/indicators.geojson``,
``/partners/cross-check-jobs/…``). A browser holds a session cookie, not a bearer token, and
those endpoints take the principal only from a verified token; so the page runs the very
route handler in-process, with the principal its session's token verified to (the same
check the bearer middleware makes), never a path of its own to the data. The handler's
refusals (401, 403, 404, …) come back as they are; the page turns them into its messages.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web
from yarl import URL

from service_kit.http_guards import PRINCIPAL
from service_kit.web.pages import Outcome, principal

Query = Mapping[str, str | Sequence[str]]


async def call_get(request: web.Request, path: str, query: Query | None = None
                   ) -> web.StreamResponse:
    """``GET path?query`` of this service, run as the session's principal."""
    who = await principal(request)
    inner = request.clone(method="GET", rel_url=URL.build(path=path, query=query or {}),
                          headers={})
    match = await request.app.router.resolve(inner)
    if match.http_exception is not None:
        raise match.http_exception
    match.add_app(request.app)
    match.freeze()
    inner._match_info = match  # what aiohttp's own dispatch sets before calling a handler
    inner[PRINCIPAL] = who
    return await match.handler(inner)


def refusal_of(response: web.StreamResponse) -> Outcome:
    """The ``{"errors": [...]}`` of an endpoint's refusal as a page's :class:`Outcome`."""
    errors: list[dict[str, Any]] = []
    if isinstance(response, web.Response) and response.body is not None:
        try:
            body = json.loads(bytes(response.body))  # type: ignore[arg-type]
            errors = list(body.get("errors") or [])
        except (ValueError, TypeError, AttributeError):
            errors = []
    if not errors:
        code = {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND",
                429: "RATE_LIMITED"}.get(response.status, "INTERNAL")
        errors = [{"extensions": {"code": code}}]
    return Outcome(None, errors)


def json_of(response: web.StreamResponse) -> dict[str, Any]:
    assert isinstance(response, web.Response) and response.body is not None
    return dict(json.loads(bytes(response.body)))  # type: ignore[arg-type]
