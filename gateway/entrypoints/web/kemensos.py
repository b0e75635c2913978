"""Kemensos' pages at the gateway (docs/web.md, "Kemensos"): the national dashboard (counts,
national deciles, targeting errors, poverty pockets, a map of kab/kota drawn with the
vendored Leaflet from ``/maps/indicators.geojson``), the records waiting for a decision with
determine and return, and the DIPA download.

Every page is for whoever the field policy gives the national records (Kemensos): another
role gets a page saying so, and the data itself comes only through the gateway's GraphQL
schema or its own endpoints, as the session's principal (``service_kit.web.api``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from gateway.identity.http import DIPA_EXPORT_PATH, MAPS_GEOJSON_PATH
from schema.enums import Program
from schema.policy import Access, access
from schema.roles import Principal
from service_kit.web.api import call_get, refusal_of
from service_kit.web.login import require_login
from service_kit.web.pages import Outcome, messages, page, run, text
from service_kit.web.uploads import first, streamed_form

MAX_PDF_BYTES = 50 * 1024 * 1024
PAGE_SIZE = 50
SHA256 = re.compile(r"[0-9a-fA-F]{64}")
PERIOD = re.compile(r"\d{4}-S[12]")
INDICATORS = ("exclusion_error",) + tuple(f"inclusion_error.{p.value}" for p in Program)

DASHBOARD = """query Dasbor($period: String!) {
  nodes { region status }
  nationalRecordSummary { region received determined returned }
  nasional: targetingIndicators(period: $period, level: NATIONAL) {
    households householdsNoDesil poorestHouseholds exclusionErrors exclusionRate
    desilDistribution { desil households }
    programs { program recipients inclusionErrors inclusionRate coverage } }
  kabkota: targetingIndicators(period: $period, level: KABKOTA) {
    regionCode regionName households exclusionRate
    programs { program inclusionRate coverage } }
  nationalDeciles { computedAt households rounds cutPoints
    regions { kabkotaCode householdsPerDesil } }
  povertyPockets(period: $period) { previousPeriod regionsAnalysed
    pockets { kabkotaCode kabkotaName share neighbourhoodShare pValue new reason reasonEn } }
}"""
PENDING = """query Tertunda($region: String, $after: String, $first: Int!) {
  nationalRecordSummary { region regionName received determined returned oldestWaitingSince }
  nationalRecords(filter: {state: RECEIVED, region: $region}, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id region regionName kind desaName approvedBy receivedAt corrects
                   musdes { heldOn minutesNumber } } } } }"""
DETERMINE = """mutation Tetapkan($input: DetermineInput!) {
  determineRecords(input: $input) { region messageId } }"""
RETURN = """mutation Kembalikan($input: ReturnInput!) {
  returnRecords(input: $input) { region messageId } }"""


def current_period(today: dt.date | None = None) -> str:
    today = today or dt.datetime.now(dt.UTC).date()
    return f"{today.year}-S{1 if today.month <= 6 else 2}"


async def require_kemensos(request: web.Request) -> Principal:
    """The session's principal when the policy gives it the national records; a logged-out
    visitor goes to the login, anyone else gets a 403 page that says whose pages these are."""
    who = await require_login(request)
    if access(who.role, "Query", "nationalRecords") is Access.FULL:
        return who
    refused = page(request, "kemensos_forbidden.html", status=403)
    raise web.HTTPForbidden(text=refused.text, content_type="text/html", headers={
        name: value for name, value in refused.headers.items()
        if name not in ("Content-Type", "Content-Length")})


def _pockets_not_computed(outcome: Outcome) -> bool:
    return any(e.get("path") == ["povertyPockets"] and
               (e.get("extensions") or {}).get("code") == "INVALID_INPUT"
               for e in outcome.errors)


async def dashboard(request: web.Request) -> web.Response:
    await require_kemensos(request)
    period = request.query.get("periode", "").strip() or current_period()
    indicator = request.query.get("indikator", "exclusion_error")
    if indicator not in INDICATORS:
        indicator = "exclusion_error"
    if not PERIOD.fullmatch(period):
        return page(request, "kemensos.html", status=400, period=period, indicator=indicator,
                    indicators=INDICATORS, data={}, pockets_pending=False, names={},
                    errors=[text(
                        request, "A period is written like 2026-S1 (the year, then S1 for "
                                 "January–June or S2 for July–December).")])
    outcome = await run(request, DASHBOARD, period=period)
    pending = _pockets_not_computed(outcome)
    outcome.errors = [e for e in outcome.errors if not (
        pending and e.get("path") == ["povertyPockets"])]
    data = outcome.data or {}
    names = {row["regionCode"]: row["regionName"] for row in data.get("kabkota") or []}
    errors = messages(request, outcome)
    if missing := _missing_regions(outcome):
        errors.append(text(request, "Not counted, because their server did not answer: "
                                    "{regions}. The figures on this page are without them.",
                           regions=", ".join(missing)))
    return page(request, "kemensos.html", period=period, indicator=indicator,
                indicators=INDICATORS, data=data, pockets_pending=pending, names=names,
                errors=errors)


def _missing_regions(outcome: Outcome) -> list[str]:
    """The kab/kota whose node did not answer (``extensions.region`` of a node's error)."""
    return sorted({str(region) for error in outcome.errors
                   if (region := (error.get("extensions") or {}).get("region"))
                   and str((error.get("extensions") or {}).get("code", "")).startswith(
                       ("NODE_", "CIRCUIT"))})


async def map_geojson(request: web.Request) -> web.StreamResponse:
    """The map's data: the gateway's ``/maps/indicators.geojson``, as the session's
    principal (the page's script fetches it; same origin, so the CSP allows it)."""
    await require_kemensos(request)
    query = {key: request.query[key] for key in ("period", "indicator", "region")
             if key in request.query}
    return await call_get(request, MAPS_GEOJSON_PATH, query)


async def pending_page(request: web.Request, *, status: int = 200,
                       errors: list[str] | None = None, done: list[dict[str, Any]] | None = None,
                       form: Mapping[str, str] | None = None) -> web.Response:
    region = request.query.get("wilayah", "").strip() or None
    outcome = await run(request, PENDING, region=region, after=request.query.get("setelah"),
                        first=PAGE_SIZE)
    data = outcome.data or {}
    return page(request, "penetapan.html", status=status, data=data, region=region or "",
                errors=[*(errors or []), *messages(request, outcome)], done=done,
                form=dict(form or {}), period=current_period(),
                today=dt.datetime.now(dt.UTC).date().isoformat())


async def pending(request: web.Request) -> web.Response:
    await require_kemensos(request)
    return await pending_page(request)


def _decree_problems(request: web.Request, values: Mapping[str, str], pdf_sha256: str
                     ) -> list[str]:
    problems = []
    if not values["nomor"]:
        problems.append(text(request, "Write the decree's number (e.g. 146/HUK/2026)."))
    try:
        dt.date.fromisoformat(values["tanggal"])
    except ValueError:
        problems.append(text(request, "Write the decree's date as on the decree "
                                      "(year-month-day)."))
    if not PERIOD.fullmatch(values["periode"]):
        problems.append(text(request, "A period is written like 2026-S1 (the year, then S1 "
                                      "for January–June or S2 for July–December)."))
    if not SHA256.fullmatch(pdf_sha256):
        problems.append(text(request, "Upload the signed decree PDF, or paste its SHA-256 "
                                      "(64 characters 0–9 and a–f)."))
    return problems


async def decide(request: web.Request) -> web.Response:
    """Determine or return the chosen records (one form, two buttons); with ``semua`` on a
    kab/kota's list, determine every record it has waiting (``regions``)."""
    await require_kemensos(request)
    fields, uploads = await streamed_form(request, {"pdf": (MAX_PDF_BYTES, False)})
    records = [r for r in fields.get("rekaman", []) if r.strip()]
    values = {name: first(fields, name) for name in
              ("aksi", "nomor", "tanggal", "periode", "sha256", "alasan", "semua")}
    region = request.query.get("wilayah", "").strip()
    everything = values["semua"] == "1" and values["aksi"] != "kembalikan" and bool(region)
    if not records and not everything:
        return await pending_page(request, status=400, form=values, errors=[text(
            request, "Choose at least one record in the list (tick its box).")])
    if values["aksi"] == "kembalikan":
        if not values["alasan"]:
            return await pending_page(request, status=400, form=values, errors=[text(
                request, "Write why the records are returned, so the kab/kota knows what to "
                         "correct.")])
        outcome = await run(request, RETURN, input={"recordIds": records,
                                                    "reason": values["alasan"]})
        key = "returnRecords"
    else:
        upload = uploads.get("pdf")
        if upload is not None and upload.too_large:
            return await pending_page(request, status=413, form=values, errors=[text(
                request, "The PDF is larger than 50 MB. Paste its SHA-256 instead.")])
        digest = upload.sha256 if upload is not None and upload.size else values["sha256"]
        if problems := _decree_problems(request, values, digest.lower()):
            return await pending_page(request, status=400, form=values, errors=problems)
        chosen = {"regions": [region]} if everything else {"recordIds": records}
        outcome = await run(request, DETERMINE, input={
            "decreeNumber": values["nomor"], "decreeDate": values["tanggal"],
            "period": values["periode"], "pdfSha256": digest.lower(), **chosen})
        key = "determineRecords"
    issued = (outcome.data or {}).get(key)
    if issued is None:
        return await pending_page(request, status=400, form=values,
                                  errors=messages(request, outcome))
    return await pending_page(request, done=[{**d, "action": values["aksi"] or "tetapkan",
                                              "records": len(records)} for d in issued])


async def dipa_form(request: web.Request) -> web.Response:
    await require_kemensos(request)
    return page(request, "kemensos_dipa.html", period=current_period(),
                programs=[p.value for p in Program])


async def dipa_download(request: web.Request) -> web.StreamResponse:
    """The DIPA file from the gateway's ``/exports/dipa``, as the session's principal."""
    await require_kemensos(request)
    query: dict[str, str | list[str]] = {
        "period": request.query.get("periode", "").strip(),
        "format": request.query.get("format", "xlsx")}
    if programs := request.query.getall("program", []):
        query["program"] = programs
    if regions := [r for r in request.query.get("wilayah", "").replace(",", " ").split() if r]:
        query["region"] = regions
    response = await call_get(request, DIPA_EXPORT_PATH, query)
    if response.status == 200:
        response.headers["Cache-Control"] = "no-store"
        return response
    refused = refusal_of(response)
    problem = (text(request, "A period is written like 2026-S1 (the year, then S1 for "
                             "January–June or S2 for July–December).")
               if response.status == 400 and not PERIOD.fullmatch(str(query["period"]))
               else None)
    return page(request, "kemensos_dipa.html", status=response.status,
                period=query["period"], programs=[p.value for p in Program],
                errors=[problem] if problem else messages(request, refused))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/web/kemensos", dashboard)
    app.router.add_get("/web/kemensos/peta.geojson", map_geojson)
    app.router.add_get("/web/kemensos/penetapan", pending)
    app.router.add_post("/web/kemensos/penetapan", decide)
    app.router.add_get("/web/kemensos/dipa", dipa_form)
    app.router.add_get("/web/kemensos/dipa/unduh", dipa_download)
