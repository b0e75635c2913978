"""Dinas Sosial's data pages at the node: verivali coverage per desa, the data-quality
warnings (cross-region duplicates among them) with their resolution, the households marked for
review after Kemensos returned a change, and suspended aid by desa and program.

Each is an operation of the node's GraphQL schema as the session's principal
(``verivaliCoverage``, ``householdWarnings``, ``warningSummary``, ``resolveHouseholdWarning``,
``proposals``/``household { review }``, ``closeHouseholdReview``, ``suspensionSummary``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from regional_node.entrypoints.web.review import MAX_REASON, action_errors
from service_kit.web.login import require_login
from service_kit.web.pages import (
    Outcome,
    form_with_csrf,
    messages,
    page,
    page_language,
    run,
    text,
)

PAGE_SIZE = 20
WARNING_KINDS = ("CROSS_REGION_DUPLICATE", "CHILD_OLDER_THAN_HEAD", "CHILD_OLDER_THAN_MOTHER",
                 "BORN_BEFORE_1900", "KK_OTHER_PROVINCE", "DECEASED_AT_DUKCAPIL",
                 "SEX_DIFFERS_AT_DUKCAPIL")
PERIODS = "query Periode { verivaliPeriods { code name startsOn endsOn } }"
COVERAGE = """query Cakupan($period: String!, $region: String) {
  verivaliCoverage(period: $period, region: $region) {
    period { code name startsOn endsOn } verified active percent
    desas { desaCode desaName verified active percent } } }"""
WARNINGS = """query Peringatan($filter: WarningFilter, $first: Int!, $after: String,
                            $language: String) {
  householdWarnings(filter: $filter, first: $first, after: $after) {
    total
    edges { node { id kind source desaName createdAt resolvedAt resolvedBy resolutionNote
                   message(language: $language)
                   household { id kkNumber } member { name } } }
    pageInfo { hasNextPage endCursor } }
  warningSummary { desaCode desaName kind warnings } }"""
RESOLVE = """mutation Selesaikan($id: ID!, $note: String!) {
  resolveHouseholdWarning(id: $id, note: $note) { id resolvedAt } }"""
RETURNED = """query Dikembalikan($after: String) {
  proposals(filter: {state: RETURNED}, first: 50, after: $after) {
    edges { node { id householdId desaName reason } }
    pageInfo { hasNextPage endCursor } } }"""
REVIEW = """query Tinjauan($id: ID!) {
  household(id: $id) { id kkNumber desaName address head { name }
                       review { reason proposalId } } }"""
CLOSE = """mutation TutupTinjauan($id: ID!, $note: String!) {
  closeHouseholdReview(householdId: $id, note: $note) { id } }"""
SUSPENSION = """query Penangguhan {
  suspensionSummary(level: DESA) {
    regionCode regionName program active suspended byReason { reason text memberships } } }"""


async def coverage(request: web.Request) -> web.Response:
    await require_login(request)
    periods_outcome = await run(request, PERIODS)
    periods = (periods_outcome.data or {}).get("verivaliPeriods") or []
    chosen = request.query.get("periode") or (periods[-1]["code"] if periods else "")
    found, errors = None, messages(request, periods_outcome)
    if chosen:
        outcome = await run(request, COVERAGE, period=chosen,
                            region=request.query.get("wilayah") or None)
        found = (outcome.data or {}).get("verivaliCoverage")
        errors += messages(request, outcome)
    return page(request, "dinsos_verivali.html", status=400 if errors else 200,
                periods=periods, chosen=chosen, found=found, errors=errors)


async def warnings(request: web.Request, *, errors: list[str] | None = None,
                   status: int = 200) -> web.Response:
    kind = request.query.get("jenis", "")
    state = request.query.get("status", "terbuka")
    wanted: dict[str, Any] = {"open": {"terbuka": True, "selesai": False}.get(state)}
    if kind in WARNING_KINDS:
        wanted["kind"] = kind
    outcome = await run(request, WARNINGS, filter=wanted, first=PAGE_SIZE,
                        after=request.query.get("setelah") or None,
                        language=page_language(request))
    data = outcome.data or {}
    shown = [*(errors or []), *messages(request, outcome)]
    return page(request, "dinsos_warnings.html",
                status=status if not outcome.errors else 400,
                found=data.get("householdWarnings"), summary=data.get("warningSummary") or [],
                kind=kind, kinds=WARNING_KINDS, state=state, errors=shown,
                done=request.query.get("selesai", ""))


async def warning_list(request: web.Request) -> web.Response:
    await require_login(request)
    return await warnings(request)


Redisplay = Callable[..., Awaitable[web.Response]]


async def _act_with_note(request: web.Request, document: str, answer: str, done: str,
                         redisplay: Redisplay) -> web.StreamResponse:
    """Run ``document`` on the path's id with the form's note; back to ``done`` when
    ``answer`` came back, else the list again with what to fix."""
    form = await form_with_csrf(request)
    await require_login(request)
    note = _note(request, form)
    if isinstance(note, list):
        return await redisplay(request, errors=note, status=400)
    outcome = await run(request, document, id=request.match_info["id"], note=note)
    if (outcome.data or {}).get(answer):
        raise web.HTTPSeeOther(done)
    return await redisplay(request, errors=action_errors(request, outcome),
                           status=_refused(outcome))


async def resolve_warning(request: web.Request) -> web.StreamResponse:
    return await _act_with_note(request, RESOLVE, "resolveHouseholdWarning",
                                "/web/dinsos/peringatan?selesai=1", warnings)


async def reviews(request: web.Request, *, errors: list[str] | None = None,
                  status: int = 200) -> web.Response:
    outcome = await run(request, RETURNED, after=request.query.get("setelah") or None)
    found = (outcome.data or {}).get("proposals") or {"edges": [], "pageInfo": {}}
    shown = [*(errors or []), *messages(request, outcome)]
    marked = await _marked(request, found["edges"], shown)
    return page(request, "dinsos_reviews.html", status=status if not outcome.errors else 400,
                households=marked, page_info=found["pageInfo"], errors=shown,
                done=request.query.get("selesai", ""))


async def _marked(request: web.Request, edges: list[dict[str, Any]],
                  errors: list[str]) -> list[dict[str, Any]]:
    """The households of returned proposals that are still marked for review (once each)."""
    marked: dict[str, dict[str, Any]] = {}
    for edge in edges:
        household_id = edge["node"]["householdId"]
        if household_id is None or household_id in marked:
            continue
        outcome = await run(request, REVIEW, id=household_id)
        household = (outcome.data or {}).get("household")
        errors.extend(m for m in messages(request, outcome) if m not in errors)
        if household and household.get("review"):
            marked[household_id] = household
    return list(marked.values())


async def review_list(request: web.Request) -> web.Response:
    await require_login(request)
    return await reviews(request)


async def close_review(request: web.Request) -> web.StreamResponse:
    return await _act_with_note(request, CLOSE, "closeHouseholdReview",
                                "/web/dinsos/tinjauan?selesai=1", reviews)


async def suspension(request: web.Request) -> web.Response:
    await require_login(request)
    outcome = await run(request, SUSPENSION)
    rows = (outcome.data or {}).get("suspensionSummary")
    return page(request, "dinsos_suspension.html", status=200 if rows is not None else 400,
                rows=rows or [], errors=messages(request, outcome))


def _note(request: web.Request, form: Any) -> str | list[str]:
    note = str(form.get("catatan", "")).strip()
    if not note:
        return [text(request, "Write a note on what you checked: it is kept in the audit "
                              "trail.")]
    if len(note) > MAX_REASON:
        return [text(request, "The note is too long (at most 2,000 characters). Shorten it.")]
    return note


def _refused(outcome: Outcome) -> int:
    return 403 if {"FORBIDDEN_FIELD", "FORBIDDEN_TRANSITION", "OUT_OF_SCOPE", "FORBIDDEN"} \
        & set(outcome.codes) \
        else 400


def add_routes(app: web.Application) -> None:
    app.router.add_get("/web/dinsos/verivali", coverage)
    app.router.add_get("/web/dinsos/peringatan", warning_list)
    app.router.add_post("/web/dinsos/peringatan/{id}/selesai", resolve_warning)
    app.router.add_get("/web/dinsos/tinjauan", review_list)
    app.router.add_post("/web/dinsos/tinjauan/{id}/tutup", close_review)
    app.router.add_get("/web/dinsos/penangguhan", suspension)
