"""GraphQL over HTTP's own media type, ``application/graphql-response+json``, for the node and
the gateway alike (strawberry answers ``application/json`` only).

When a request's ``Accept`` prefers it to ``application/json`` (a higher or equal quality),
the answer of ``/graphql`` is given in it, with the status codes the specification pairs
with it:

* a request error (the document does not parse or validate, a parameter is wrong, the body
  is not JSON): **400**, and no ``data`` entry;
* an answer that executed (even with field errors, even ``data: null``): 200;
* refusals before GraphQL (401, 413, 415, 429): their status, in this media type.

Otherwise (no ``Accept``, ``*/*``, ``application/json``) nothing changes, except that
strawberry's plain-text refusals of malformed requests become GraphQL errors with the code
``BAD_REQUEST`` in both media types.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

RESPONSE_TYPE = "application/graphql-response+json"
JSON_TYPE = "application/json"
BAD_REQUEST = "BAD_REQUEST"
_KEPT_HEADERS = ("Retry-After", "WWW-Authenticate", "Cache-Control", "X-Request-Id")


def _quality(accept: str, media_type: str) -> float:
    """The quality ``accept`` gives ``media_type`` (a wildcard counts for JSON only)."""
    best = 0.0
    for item in accept.split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        if kind.lower() != media_type and not (media_type == JSON_TYPE
                                               and kind in ("*/*", "application/*")):
            continue
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        best = max(best, quality)
    return best


def wants_graphql_response(request: web.Request) -> bool:
    accept = request.headers.get("Accept", "")
    wanted = _quality(accept, RESPONSE_TYPE)
    return wanted > 0 and wanted >= _quality(accept, JSON_TYPE)


def _is_request_error(body: dict[str, Any]) -> bool:
    """No data, and every error before execution (none has a path)."""
    errors = body.get("errors")
    return (body.get("data") is None and isinstance(errors, list) and bool(errors)
            and all(isinstance(e, dict) and "path" not in e for e in errors))


def _body_of(response: web.Response) -> dict[str, Any] | None:
    """The GraphQL answer in ``response``: its JSON, or strawberry's plain-text refusal of a
    malformed request as a GraphQL error."""
    if response.content_type == JSON_TYPE:
        try:
            body = json.loads(response.text or "null")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None
    if response.content_type == "text/plain" and response.status == 400:
        message = (response.text or "").strip() or "malformed GraphQL request"
        return {"errors": [{"message": message, "extensions": {"code": BAD_REQUEST}}]}
    return None


def negotiate(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """``response`` to a ``/graphql`` request, in the media type the request prefers."""
    if not isinstance(response, web.Response):
        return response
    graphql_response = wants_graphql_response(request)
    if response.content_type == JSON_TYPE and not graphql_response:
        return response  # the common case: untouched
    body = _body_of(response)
    if body is None:
        return response
    status = response.status
    if graphql_response and status == 200 and _is_request_error(body):
        body.pop("data", None)
        status = 400
    headers = {name: response.headers[name] for name in _KEPT_HEADERS
               if name in response.headers}
    return web.json_response(body, status=status, headers=headers,
                             content_type=RESPONSE_TYPE if graphql_response else JSON_TYPE)
