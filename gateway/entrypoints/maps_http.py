"""``GET /maps/indicators.geojson?period=2026-S1`` (``indicator``: also as each feature's
``value``; ``region``: a province or kab/kota): every targeting indicator per kab/kota as
GeoJSON with the regency boundaries the package ships (docs/targeting.md). The same service
and rules as the ``targetingIndicators`` query: Kemensos all, Dinas Sosial its region, the
public (no token) with small counts withheld; other roles are refused."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from gateway.federation.deadline import Deadline
from gateway.federation.fanout import RequestScope
from gateway.federation.node_client import CallMeta
from gateway.identity.http import MAPS_GEOJSON_PATH
from gateway.service_layer.maps import check_indicator, feature_collection
from gateway.service_layer.services import GatewayServices
from gateway.service_layer.targeting import targeting_indicators
from schema.errors import Forbidden, InvalidInput, OutOfScope
from service_kit.http_guards import error_response, principal_of
from service_kit.logs import REQUEST_ID

MEDIA_TYPE = "application/geo+json"
MISSING_HEADER = "X-SIKS-Missing-Regions"


def add_route(app: web.Application,
              services_of: Callable[[web.Application], GatewayServices],
              deadline_ms: int) -> None:
    async def geojson(request: web.Request) -> web.Response:
        principal = principal_of(request)
        query = request.query
        scope = RequestScope(Deadline.after_ms(deadline_ms),
                             CallMeta(REQUEST_ID.get() or "-", principal))
        try:
            indicator = query.get("indicator")
            if indicator is not None:
                check_indicator(indicator)
            answer = await targeting_indicators(services_of(request.app), scope, "KABKOTA",
                                                query.get("period", ""),
                                                region=query.get("region"))
        except (Forbidden, OutOfScope) as exc:
            return error_response(403, exc.code, exc.message)
        except InvalidInput as exc:
            return error_response(400, exc.code, exc.message)
        body = feature_collection(answer.rows, answer.period, withheld=answer.withheld,
                                  indicator=indicator)
        headers = {"X-SIKS-Source": answer.source}
        missing = sorted({f.region for f in scope.report.failures if f.region})
        if missing:
            headers[MISSING_HEADER] = ",".join(missing)
        return web.json_response(body, content_type=MEDIA_TYPE, headers=headers)

    app.router.add_get(MAPS_GEOJSON_PATH, geojson)
