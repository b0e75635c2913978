"""``GET /exports/dipa?period=2026-S1&format=xlsx`` (or ``csv``; ``program`` and ``region``
repeatable): the DIPA file for a Kemensos token, made by the same service as the ``dipa``
query. Regions whose node did not answer are listed in the file and in the
``X-SIKS-Missing-Regions`` header, never silently left out."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from gateway.federation.deadline import Deadline
from gateway.federation.fanout import RequestScope
from gateway.federation.node_client import CallMeta
from gateway.identity.http import DIPA_EXPORT_PATH
from gateway.service_layer.dipa import compute_dipa
from gateway.service_layer.dipa_export import to_csv, to_xlsx
from gateway.service_layer.services import GatewayServices
from schema.errors import InvalidInput
from schema.policy import Access, access
from service_kit.http_guards import error_response, principal_of
from service_kit.logs import REQUEST_ID

MISSING_HEADER = "X-SIKS-Missing-Regions"
MEDIA_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               "csv": "text/csv; charset=utf-8"}


def add_route(app: web.Application,
              services_of: Callable[[web.Application], GatewayServices],
              deadline_ms: int) -> None:
    async def download(request: web.Request) -> web.Response:
        principal = principal_of(request)
        if access(principal.role, "Query", "dipa") is not Access.FULL:
            if "Authorization" not in request.headers:
                return error_response(401, "UNAUTHENTICATED", "the DIPA needs a Kemensos token",
                                      {"WWW-Authenticate": 'Bearer realm="siks-gateway"'})
            return error_response(403, "FORBIDDEN", "the DIPA is for Kemensos only")
        query = request.query
        kind = query.get("format", "xlsx")
        if kind not in MEDIA_TYPES:
            return error_response(400, "INVALID_INPUT", "format must be xlsx or csv")
        scope = RequestScope(Deadline.after_ms(deadline_ms),
                             CallMeta(REQUEST_ID.get() or "-", principal))
        try:
            dipa = await compute_dipa(services_of(request.app), scope, query.get("period", ""),
                                      programs=query.getall("program", None),
                                      regions=query.getall("region", None))
        except InvalidInput as exc:
            return error_response(400, exc.code, exc.message)
        body = to_xlsx(dipa) if kind == "xlsx" else to_csv(dipa)
        headers = {"Content-Disposition":
                   f'attachment; filename="dipa-{dipa.period.code}.{kind}"'}
        if dipa.missing:
            headers[MISSING_HEADER] = ",".join(m.region for m in dipa.missing)
        return web.Response(body=body, content_type=MEDIA_TYPES[kind].split(";")[0],
                            charset="utf-8" if kind == "csv" else None, headers=headers)

    app.router.add_get(DIPA_EXPORT_PATH, download)
