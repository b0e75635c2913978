"""What waits for the Operator Desa at the node: the notifications (a NIK anomaly to fix, a
death Dukcapil records drafted as a proposal to check and submit, a returned proposal, a new
community report), and the desa's community reports (usul, sanggah) to act on: open a
proposal from one, resolve it or dismiss it with a reason. Through the node's GraphQL API
(``notifications``, ``markNotificationRead``, ``communityReports``, ``communityReport``,
``resolveCommunityReport``, ``dismissCommunityReport``), like every page."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from regional_node.entrypoints.web.proposal_forms import FROM_REPORT, SLUGS
from regional_node.entrypoints.web.refusals import refusals
from service_kit.web.login import require_login
from service_kit.web.pages import form_with_csrf, page, run, text

PAGE_SIZE = 20
NOTIFICATIONS = """query Pemberitahuan($unread: Boolean!, $first: Int!, $after: String) {
  notifications(unreadOnly: $unread, first: $first, after: $after) {
    edges { node { id topic message proposalId createdAt readAt } }
    pageInfo { hasNextPage endCursor } } }"""
FINDINGS_OF = ("DECEASED", "NIK_MISMATCH", "NIK_NOT_FOUND", "NIK_DUPLICATE", "NO_HEAD")
_SUSPENDED = """{ edges { node { program suspension { reason }
    household { id kkNumber desaName }
    person { id name nik dukcapilFinding { fields registryName registryBirthDate
                                           registryKkNumber registryDeathDate } } } } }"""
FINDINGS = "query DataDukcapil { " + " ".join(  # one list per reason a registry check gives
    f"{reason.lower()}: suspendedMemberships(filter: {{reason: {reason}}}, first: 50) "
    + _SUSPENDED for reason in FINDINGS_OF) + " }"
MARK_READ = """mutation SudahDibaca($id: ID!) { markNotificationRead(id: $id) { id readAt } }"""
REPORT_STATUSES = ("OPEN", "PROPOSED", "RESOLVED", "DISMISSED", "EXPIRED")
REPORTS = """query LaporanWarga($filter: CommunityReportFilter, $first: Int!, $after: String) {
  communityReports(filter: $filter, first: $first, after: $after) {
    edges { node { id kind status personName address desaName receivedAt dueAt overdue
                   proposalId } }
    pageInfo { hasNextPage endCursor } } }"""
REPORT = """query LaporanRinci($id: ID!) {
  communityReport(id: $id) {
    id kind status desaName personName address description nik kkNumber program
    latitude longitude outsideRegency submitterName submitterContact receivedAt dueAt
    overdue proposalId closedBy closedAt closeReason } }"""
CLOSE = {
    "selesai": """mutation SelesaikanLaporan($id: ID!, $reason: String!) {
      resolveCommunityReport(id: $id, reason: $reason) { id status } }""",
    "tolak": """mutation TolakLaporan($id: ID!, $reason: String!) {
      dismissCommunityReport(id: $id, reason: $reason) { id status } }""",
}


async def notifications(request: web.Request) -> web.Response:
    await require_login(request)
    unread = request.query.get("belum-dibaca") == "1"
    outcome = await run(request, NOTIFICATIONS, unread=unread, first=PAGE_SIZE,
                        after=request.query.get("setelah", "").strip() or None)
    found = (outcome.data or {}).get("notifications")
    checked = await run(request, FINDINGS)
    return page(request, "operator_notifications.html",
                status=200 if found is not None else 400, found=found, unread=unread,
                findings=findings(checked.data or {}),
                errors=refusals(request, outcome) + refusals(request, checked))


def findings(data: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per person whose aid a registry check suspended: the person, the household,
    the reason and the programs held back (a person is in as many lists as programs)."""
    people: dict[str, dict[str, Any]] = {}
    for reason in FINDINGS_OF:
        for edge in (data.get(reason.lower()) or {}).get("edges", []):
            node = edge["node"]
            person, household = node.get("person") or {}, node.get("household") or {}
            key = f"{household.get('id')}:{person.get('id')}"
            entry = people.setdefault(key, {"reason": reason, "person": person,
                                            "household": household, "programs": []})
            entry["programs"].append(node["program"])
    return list(people.values())


async def mark_read(request: web.Request) -> web.StreamResponse:
    await require_login(request)
    await form_with_csrf(request)
    outcome = await run(request, MARK_READ, id=request.match_info["id"])
    if outcome.errors:
        return page(request, "operator_notifications.html", status=400, found=None,
                    unread=False, findings=[], errors=refusals(request, outcome))
    raise web.HTTPSeeOther("/web/pemberitahuan")


async def reports(request: web.Request) -> web.Response:
    await require_login(request)
    status = request.query.get("status", "OPEN")
    status = status if status in REPORT_STATUSES else ""
    outcome = await run(request, REPORTS, filter={"status": status} if status else None,
                        first=PAGE_SIZE,
                        after=request.query.get("setelah", "").strip() or None)
    found = (outcome.data or {}).get("communityReports")
    return page(request, "operator_reports.html", status=200 if found is not None else 400,
                found=found, chosen=status, statuses=REPORT_STATUSES,
                errors=refusals(request, outcome))


async def report_detail(request: web.Request) -> web.Response:
    await require_login(request)
    return await _report_page(request, [], 200, request.query.get("selesai", ""))


async def _report_page(request: web.Request, errors: list[str], status: int,
                       done: str = "", reason: str = "") -> web.Response:
    outcome = await run(request, REPORT, id=request.match_info["id"])
    report = (outcome.data or {}).get("communityReport")
    shown = [*errors, *refusals(request, outcome)]
    if report is None and not shown:
        shown = [text(request, "This report is not in your desa, or does not exist.")]
    return page(request, "operator_report.html", status=status if report else 404,
                report=report, kinds=FROM_REPORT.get(report["kind"], ()) if report else (),
                slugs=SLUGS, errors=shown, done=done, reason=reason)


async def close_report(request: web.Request) -> web.StreamResponse:
    await require_login(request)
    form = await form_with_csrf(request)
    action = request.match_info["aksi"]
    reason = str(form.get("alasan", "")).strip()
    if not reason:
        return await _report_page(request, [text(
            request, "Write the reason: it is kept with the report and shown to whoever "
                     "checks it.")], 400)
    outcome = await run(request, CLOSE[action], id=request.match_info["id"], reason=reason)
    if outcome.errors:
        return await _report_page(request, refusals(request, outcome), 400, reason=reason)
    raise web.HTTPSeeOther(f"/web/laporan/{request.match_info['id']}?selesai={action}")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/web/pemberitahuan", notifications)
    app.router.add_post("/web/pemberitahuan/{id}/dibaca", mark_read)
    app.router.add_get("/web/laporan", reports)
    app.router.add_get("/web/laporan/{id}", report_detail)
    app.router.add_post("/web/laporan/{id}/{aksi:selesai|tolak}", close_report)
