"""The Operator Desa's proposals (usulan) at the node: the list with each proposal's state,
one proposal with what happened to it and what to do next (submit a draft, submit again after
a NIK anomaly, open a corrected proposal from a returned one), and a form for every kind
``createProposal`` accepts, with the Musdes/Muskel minutes uploaded in the same multipart form.

A client of the node's GraphQL API like every page: the minutes go through
``uploadAttachment``, the proposal through ``createProposal`` (or
``proposeFromCommunityReport`` when it answers an usul/sanggah, or ``resubmitProposal`` with
corrected details), then ``submitProposal``; the node's rules decide, and a refusal is shown
on the form with nothing created."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from regional_node.entrypoints.web.proposal_forms import (
    ASSETS,
    DISABILITIES,
    EDUCATIONS,
    FROM_REPORT,
    HOUSING,
    KINDS,
    MEMBER_FIELDS,
    ON_HOUSEHOLD,
    PROGRAMS,
    RELATIONSHIPS,
    SEXES,
    SLUGS,
    FormProblem,
    Posted,
    details_input,
    member_rows,
    musdes_input,
    prefill,
)
from regional_node.entrypoints.web.refusals import refusals
from service_kit.web.login import require_login
from service_kit.web.pages import form_with_csrf, page, run, text

PAGE_SIZE = 20
MINUTES_TYPES = {"application/pdf", "image/jpeg", "image/png"}
MAX_MINUTES_BYTES = 1_500_000  # the node's limit for an attachment (uploadAttachment)
SHA256 = re.compile(r"^[0-9a-f]{64}$")
STATES = ("DRAFT", "SUBMITTED", "NIK_VALID", "NIK_ANOMALY", "VERIFIED", "REJECTED",
          "APPROVED_KABKOTA", "SENT", "RECEIVED_NATIONAL", "DETERMINED", "RETURNED")
LIST = """query Usulan($filter: ProposalFilter, $first: Int!, $after: String) {
  proposals(filter: $filter, first: $first, after: $after) {
    edges { node { id kind state desaName householdId reason corrects updatedAt
                   decree { number } } }
    pageInfo { hasNextPage endCursor } } }"""
DETAIL = """query UsulanRinci($id: ID!) {
  proposal(id: $id) {
    id kind state desaName householdId details note reason corrects correctedBy
    createdBy createdAt updatedAt
    musdes { heldOn minutesNumber minutesSha256 }
    nikChecks { nik name outcome acceptable detail }
    decree { number date period }
    history { action fromState toState actor role at reason } } }"""
HOUSEHOLD = """query RumahTanggaUsulan($id: ID!) {
  household(id: $id) { id kkNumber desaName address status
                       members { id name nik relationship alive } } }"""
SEARCH = """query CariRumahTangga($filter: HouseholdFilter, $first: Int!) {
  households(filter: $filter, first: $first) {
    edges { node { id kkNumber address head { name } } } } }"""
REPORT = """query LaporanUntukUsulan($id: ID!) {
  communityReport(id: $id) { id kind status personName address nik kkNumber program } }"""
UPLOAD = """mutation UnggahBeritaAcara($content: String!, $type: String!, $name: String) {
  uploadAttachment(contentBase64: $content, mediaType: $type, filename: $name) { sha256 } }"""
CREATE = """mutation BuatUsulan($input: ProposalInput!) {
  createProposal(input: $input) { id state } }"""
FROM_REPORT_CREATE = """mutation UsulanDariLaporan($id: ID!, $proposal: ProposalInput!) {
  proposeFromCommunityReport(id: $id, proposal: $proposal) { id status proposalId } }"""
SUBMIT = "mutation AjukanUsulan($id: ID!) { submitProposal(id: $id) { id state } }"
RESUBMIT = """mutation AjukanLagi($id: ID!, $details: ProposalDetailsInput) {
  resubmitProposal(id: $id, details: $details) { id state } }"""


# --- the list and one proposal --------------------------------------------------------------

async def proposal_list(request: web.Request) -> web.Response:
    await require_login(request)
    state = request.query.get("keadaan", "")
    after = request.query.get("setelah", "").strip() or None
    outcome = await run(request, LIST, filter={"state": state} if state in STATES else None,
                        first=PAGE_SIZE, after=after)
    found = (outcome.data or {}).get("proposals")
    return page(request, "operator_proposals.html", status=200 if found is not None else 400,
                found=found, state=state if state in STATES else "", states=STATES,
                slugs=SLUGS, errors=refusals(request, outcome))


async def proposal_detail(request: web.Request) -> web.Response:
    await require_login(request)
    return await _detail_page(request, request.match_info["id"], [], 200)


async def _detail_page(request: web.Request, pid: str, errors: list[str],
                       status: int) -> web.Response:
    outcome = await run(request, DETAIL, id=pid)
    proposal = (outcome.data or {}).get("proposal")
    shown = [*errors, *refusals(request, outcome)]
    names: dict[str, str] = {}  # member id -> name, to say whom the proposal is about
    if proposal is not None and proposal.get("householdId"):
        found = await run(request, HOUSEHOLD, id=proposal["householdId"])
        household = (found.data or {}).get("household") or {}
        names = {str(m["id"]): str(m["name"]) for m in household.get("members") or []
                 if m.get("id") is not None}
    if proposal is None and not shown:
        shown = [text(request, "This proposal is not in your area, or does not exist. Go "
                               "back to the list.")]
    return page(request, "operator_proposal.html",
                status=status if proposal else 404, proposal=proposal, slugs=SLUGS,
                names=names,
                errors=shown, done=request.query.get("selesai", ""))


async def submit(request: web.Request) -> web.StreamResponse:
    await require_login(request)
    await form_with_csrf(request)
    pid = request.match_info["id"]
    resubmit = request.path.endswith("/ajukan-lagi")
    outcome = await run(request, RESUBMIT if resubmit else SUBMIT, id=pid)
    if outcome.errors:
        return await _detail_page(request, pid, refusals(request, outcome), 400)
    raise web.HTTPSeeOther(f"/web/usulan/{pid}?selesai=diajukan")


# --- the forms ------------------------------------------------------------------------------

def _kind(request: web.Request) -> str:
    kind = KINDS.get(request.match_info["jenis"])
    if kind is None:
        raise web.HTTPNotFound(text=text(request, "No such proposal form. Choose one from "
                                                   "the list."), content_type="text/plain")
    return kind


async def choose_kind(request: web.Request) -> web.Response:
    """Which proposal: every kind (only those a report may become when one is answered)."""
    await require_login(request)
    carried = {key: request.query.get(key, "") for key in ("rumah-tangga", "laporan")}
    report, errors = await _report(request, carried["laporan"])
    kinds = FROM_REPORT[report["kind"]] if report else tuple(KINDS.values())
    query = urlencode({key: value for key, value in carried.items() if value})
    return page(request, "operator_proposal_kinds.html", kinds=kinds, slugs=SLUGS,
                query=query, report=report, errors=errors)


async def _report(request: web.Request, report_id: str) -> tuple[dict[str, Any] | None,
                                                                 list[str]]:
    if not report_id:
        return None, []
    outcome = await run(request, REPORT, id=report_id)
    report = (outcome.data or {}).get("communityReport")
    errors = refusals(request, outcome)
    if report is None and not errors:
        errors = [text(request, "This report is not in your desa, or does not exist.")]
    return report, errors


async def proposal_form(request: web.Request) -> web.Response:
    await require_login(request)
    kind = _kind(request)
    values = {"rumah_tangga": request.query.get("rumah-tangga", ""),
              "koreksi": request.query.get("koreksi", ""),
              "laporan": request.query.get("laporan", ""),
              "ulang": request.query.get("ulang", "")}
    errors: list[str] = []
    source = values["koreksi"] or values["ulang"]
    if source:  # a corrected proposal, or corrected details: start from the proposal's
        outcome = await run(request, DETAIL, id=source)
        earlier = (outcome.data or {}).get("proposal")
        errors = refusals(request, outcome)
        if earlier is not None:
            values = {**prefill(kind, earlier["details"]), **values}
            values["rumah_tangga"] = values["rumah_tangga"] or str(
                earlier.get("householdId") or "")
    return await _form_page(request, kind, values, errors, 200)


async def _form_page(request: web.Request, kind: str, values: Mapping[str, str],
                     errors: list[str], status: int) -> web.Response:
    household, report = None, None
    if values.get("laporan"):
        report, found = await _report(request, values["laporan"])
        errors = [*errors, *found]
    if kind in ON_HOUSEHOLD:
        if not values.get("rumah_tangga"):
            return await _pick_household(request, kind, values, errors)
        outcome = await run(request, HOUSEHOLD, id=values["rumah_tangga"])
        household = (outcome.data or {}).get("household")
        errors = [*errors, *refusals(request, outcome)]
        if household is None:
            return await _pick_household(request, kind, {**values, "rumah_tangga": ""},
                                         errors or [text(request, "This household is not in "
                                                         "your area, or does not exist. Choose "
                                                         "it again.")])
    values = {"id": str(uuid.uuid4()), **values}
    return page(request, "operator_proposal_form.html", status=status, kind=kind,
                slug=SLUGS[kind], form=values, household=household, report=report,
                rows=member_rows(Posted(values)), member_fields=MEMBER_FIELDS,
                programs=PROGRAMS, sexes=SEXES, relationships=RELATIONSHIPS,
                educations=EDUCATIONS, disabilities=DISABILITIES, housing=HOUSING, assets=ASSETS,
                errors=errors)


async def _pick_household(request: web.Request, kind: str, values: Mapping[str, str],
                          errors: list[str]) -> web.Response:
    """Proposals on a registered household start by choosing it (search by a name)."""
    name = request.query.get("nama", "").strip()
    found = None
    if name:
        outcome = await run(request, SEARCH, filter={"name": name}, first=PAGE_SIZE)
        found = [edge["node"] for edge in
                 ((outcome.data or {}).get("households") or {}).get("edges", [])]
        errors = [*errors, *refusals(request, outcome)]
    carried = {key: value for key, value in values.items()
               if key in ("koreksi", "laporan", "ulang") and value}
    return page(request, "operator_household_pick.html", kind=kind, slug=SLUGS[kind],
                name=name, found=found, carried=carried, errors=errors)


async def proposal_submit(request: web.Request) -> web.StreamResponse:
    """Create (or resubmit) the proposal from the posted multipart form, then submit it."""
    who = await require_login(request)
    kind = _kind(request)
    try:
        form = await form_with_csrf(request)
    except web.HTTPRequestEntityTooLarge:  # a scan larger than the node takes: say so
        return await _form_page(request, kind, dict(request.query), [text(
            request, "The minutes must be a PDF, JPEG or PNG file of at most 1.5 MB.")], 400)
    posted = Posted({**{key: value for key, value in form.items() if isinstance(value, str)},
                     "aset": ",".join(str(a) for a in (await request.post()).getall(
                         "aset", []))})  # the ticked boxes (read once, kept by aiohttp)
    values = dict(posted.values)
    if not _is_uuid(values.get("id", "")):
        values["id"] = str(uuid.uuid4())
    if form.get("tambah"):  # without JavaScript: one more member row, nothing sent yet
        values["jumlah"] = str(member_rows(posted) + 1)
        return await _form_page(request, kind, values, [], 200)
    try:
        details = details_input(kind, posted, who.region)
        musdes = None
        if not values.get("ulang"):  # corrected details only: the Musdes stays as it was
            sha = await _minutes(request, form, posted, kind)
            values["musdes_sha"] = sha or ""
            musdes = musdes_input(posted, sha)
    except FormProblem as problem:
        return await _form_page(request, kind, values, [text(request, problem.msgid)], 400)
    except Refused as refused:
        return await _form_page(request, kind, values, refused.messages, 400)
    pid, errors = await _create(request, values, kind, details, musdes)
    if pid is None:
        return await _form_page(request, kind, values, errors, 400)
    if posted.get("aksi") == "ajukan" and not values.get("ulang"):
        outcome = await run(request, SUBMIT, id=pid)
        if outcome.errors:  # kept as a draft: the page says why it was not submitted
            return await _detail_page(request, pid, refusals(request, outcome), 400)
        raise web.HTTPSeeOther(f"/web/usulan/{pid}?selesai=diajukan")
    raise web.HTTPSeeOther(f"/web/usulan/{pid}?selesai="
                           f"{'diajukan' if values.get('ulang') else 'draf'}")


class Refused(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__(messages)
        self.messages = messages


async def _minutes(request: web.Request, form: Mapping[str, Any], posted: Posted,
                   kind: str) -> str | None:
    """The minutes' SHA-256: the file uploaded now, else one uploaded with an earlier try of
    the same form; checked here first so that a wrong file stores nothing."""
    upload = form.get("musdes_berkas")
    if isinstance(upload, web.FileField) and upload.filename:
        content = upload.file.read(MAX_MINUTES_BYTES + 1)
        if upload.content_type not in MINUTES_TYPES or not content or \
                len(content) > MAX_MINUTES_BYTES:
            raise FormProblem("The minutes must be a PDF, JPEG or PNG file of at most "
                              "1.5 MB.", "musdes_berkas")
        musdes_input(posted, "0" * 64)  # the date and number first: nothing stored if wrong
        outcome = await run(request, UPLOAD, content=base64.b64encode(content).decode("ascii"),
                            type=upload.content_type, name=upload.filename[:200])
        found = (outcome.data or {}).get("uploadAttachment")
        if found is None:
            raise Refused(refusals(request, outcome))
        return str(found["sha256"])
    earlier = posted.get("musdes_sha")
    if SHA256.match(earlier):
        return earlier
    if kind == "NEW_HOUSEHOLD" or posted.get("musdes_tanggal") or posted.get("musdes_nomor"):
        raise FormProblem("Attach the Musdes/Muskel minutes (berita acara): a PDF, JPEG or "
                          "PNG file of at most 1.5 MB.", "musdes_berkas")
    return None


async def _create(request: web.Request, values: Mapping[str, str], kind: str,
                  details: dict[str, Any], musdes: dict[str, Any] | None
                  ) -> tuple[str | None, list[str]]:
    if values.get("ulang"):
        outcome = await run(request, RESUBMIT, id=values["ulang"], details=details)
        return ((values["ulang"] if outcome.data and outcome.data.get("resubmitProposal")
                 else None), refusals(request, outcome))
    proposal = {"id": values["id"], "details": details, "musdes": musdes,
                "note": values.get("catatan", "").strip() or None,
                "corrects": values.get("koreksi") or None}
    if values.get("laporan"):
        outcome = await run(request, FROM_REPORT_CREATE, id=values["laporan"],
                            proposal=proposal)
        report = (outcome.data or {}).get("proposeFromCommunityReport")
        return (report["proposalId"] if report else None), refusals(request, outcome)
    outcome = await run(request, CREATE, input=proposal)
    created = (outcome.data or {}).get("createProposal")
    return (created["id"] if created else None), refusals(request, outcome)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def add_routes(app: web.Application) -> None:
    app.router.add_get("/web/usulan", proposal_list)
    app.router.add_get("/web/usulan/baru", choose_kind)
    app.router.add_get("/web/usulan/baru/{jenis}", proposal_form)
    app.router.add_post("/web/usulan/baru/{jenis}", proposal_submit)
    app.router.add_get("/web/usulan/{id}", proposal_detail)
    app.router.add_post("/web/usulan/{id}/ajukan", submit)
    app.router.add_post("/web/usulan/{id}/ajukan-lagi", submit)
