"""The Pendamping's field verification at the node (docs/web.md, "Pendamping"): a phone page
that takes the house photo and the position, keeps each visit on the phone until there is a
signal, and then sends it with the node's own field-verification path
(docs/field-verification.md): the photo to the same upload as ``POST /uploads/photo`` (stored
once by its SHA-256), the visit as the ``recordFieldVerification`` mutation with the visit's
UUID made on the phone, so a visit sent twice is stored once.

The page's script is a client of these two JSON endpoints, authenticated by the web session
(the access token stays in the HttpOnly cookie, never in the page's JavaScript) and a CSRF
token in the ``X-CSRF-Token`` header (read fresh from ``GET /web/verifikasi/sesi`` before a
batch is sent, because a page opened offline may be an old copy). A service worker served at
``/web/pendamping-sw.js`` (scope ``/web/``) keeps the page and its assets for offline use.

Once a proposal's visit is sent, the same page verifies the proposal (``verifyProposal``, a
plain form with the CSRF token, while there is a signal): the step after the field visit in
docs/update-cycle.md, which the node refuses before a visit was recorded; or rejects it with
the reason the desa operator reads (``rejectProposal``).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import hdrs, web

from regional_node.adapters.database import Database
from regional_node.entrypoints.photo_upload import FIELD_VERIFICATION, store_photo
from schema.errors import SiksError
from schema.i18n import Translator
from schema.roles import Principal, Role
from schema.scope import check_principal
from schema.web import WEB_DIR, asset_files, asset_url
from schema.web.errors import error_message
from service_kit.web.login import require_login
from service_kit.web.pages import (
    Outcome,
    form_with_csrf,
    messages,
    page,
    page_language,
    principal,
    run,
    text,
)
from service_kit.web.session import session_of

PAGE = "/web/verifikasi"
SESSION_PATH = "/web/verifikasi/sesi"
PHOTO_PATH = "/web/verifikasi/foto"
VISIT_PATH = "/web/verifikasi/kunjungan"
WORKER_PATH = "/web/pendamping-sw.js"
VERIFY_PATH = "/web/verifikasi/usulan/{id}/terverifikasi"
REJECT_PATH = "/web/verifikasi/usulan/{id}/ditolak"
MAX_REASON = 2000
WORKER_SOURCE = WEB_DIR / "pendamping_sw.js"
CSRF_HEADER = "X-CSRF-Token"
HOUSEHOLDS_SHOWN = 100  # the most the node's `households` gives in one page
MAX_VISIT_BYTES = 16 * 1024

HOUSEHOLDS = """query KunjunganSasaran($filter: HouseholdFilter, $first: Int!) {
  households(filter: $filter, first: $first) {
    totalCount
    edges { node { id kkNumber desaName address head { name } } } }
  proposals(filter: {state: NIK_VALID}, first: $first) {
    edges { node { id kind desaName householdId } } } }"""
RECORD = """mutation Kunjungan($input: FieldVerificationInput!) {
  recordFieldVerification(input: $input) { id period flags distanceFromPhotoM } }"""
VERIFY = "mutation Terverifikasi($id: ID!) { verifyProposal(id: $id) { id state } }"
REJECT = """mutation TolakUsulan($id: ID!, $reason: String!) {
  rejectProposal(id: $id, reason: $reason) { id state } }"""
VISIT_STATUS = {"UNAUTHENTICATED": 401, "FORBIDDEN": 403, "FORBIDDEN_FIELD": 403,
                "OUT_OF_SCOPE": 403, "NOT_FOUND": 404, "CONFLICT": 409, "WRONG_STATE": 409,
                "RATE_LIMITED": 429, "INTERNAL": 500}  # else 400; the script retries 401/429/5xx
VISIT_FIELDS = ("id", "photoSha256", "householdId", "proposalId", "latitude", "longitude",
                "note")


def _json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"errors": [{"message": message, "extensions": {"code": code}}]},
                             status=status, headers={hdrs.CACHE_CONTROL: "no-store"})


def _refusal(status: int, code: str, message: str, reason: str | None = None
             ) -> web.HTTPException:
    """The same JSON error, to raise (401 or 403)."""
    kind = web.HTTPUnauthorized if status == 401 else web.HTTPForbidden
    extensions = {"code": code} if reason is None else {"code": code, "reason": reason}
    return kind(text=json.dumps({"errors": [{"message": message,
                                             "extensions": extensions}]}),
                content_type="application/json", headers={hdrs.CACHE_CONTROL: "no-store"})


async def _sender(request: web.Request) -> Principal:
    """The session's pendamping for a JSON call of the page's script: 401 when the session
    has ended (the visits wait on the phone for a new login), 403 for a forged or stale CSRF
    token or another role."""
    who = await principal(request)
    if who.role is Role.PUBLIC:
        raise _refusal(401, "UNAUTHENTICATED",
                       text(request, "Your session has ended. Log in again."))
    if not session_of(request).csrf_matches(request.headers.get(CSRF_HEADER)):
        raise _refusal(403, "FORBIDDEN", text(
            request, "The form has expired or did not come from this site. Go back, reload "
                     "the page and send it again."), reason="csrf")
    if who.role is not Role.PENDAMPING:
        raise _refusal(403, "FORBIDDEN", text(
            request, "Only a pendamping records field visits. Log in with a pendamping "
                     "account."), reason="role")
    return who


def _texts(request: web.Request) -> dict[str, str]:
    """The script's texts, from the catalogue, given to it as the page's data attributes."""
    return {
        "waiting": text(request, "Waiting to be sent"),
        "sending": text(request, "Sending…"),
        "sent": text(request, "Sent"),
        "refused": text(request, "Refused"),
        "count": text(request, "Visits waiting to be sent: {count}"),
        "offline": text(request, "No signal. Visits are kept on this phone and sent when "
                                 "the signal returns."),
        "online": text(request, "Online. Waiting visits are sent now."),
        "saved": text(request, "The visit is saved on this phone."),
        "login": text(request, "Log in again to send the waiting visits; they stay on this "
                               "phone."),
        "other-user": text(request, "Recorded by {username}: sent when {username} logs in."),
        "no-photo": text(request, "Take a photo of the house first."),
        "no-household": text(request, "Choose the household or proposal you visit."),
        "bad-position": text(request, "Latitude and longitude must be numbers: find your "
                                      "position, or type it."),
        "photo-failed": text(request, "This photo cannot be read. Take it again."),
        "no-storage": text(request, "This browser cannot keep visits offline. Send each "
                                    "visit while there is a signal."),
        "flags": text(request, "Flags: {flags}"),
        "period": text(request, "Period {period}"),
        "remove": text(request, "Remove from this phone"),
    }


async def verification_page(request: web.Request) -> web.Response:
    await require_login(request)
    return await _verification(request)


async def _verification(request: web.Request, *, errors: list[str] | None = None,
                        status: int = 200) -> web.Response:
    who = await principal(request)
    if who.role is not Role.PENDAMPING:
        return page(request, "pendamping.html", status=403, found=None, proposals=[], name="",
                    texts={}, settings={}, errors=[text(
                        request, "Only a pendamping records field visits. Log in with a "
                                 "pendamping account.")])
    name = request.query.get("nama", "").strip()
    outcome = await run(request, HOUSEHOLDS, filter={"name": name} if name else None,
                        first=HOUSEHOLDS_SHOWN)
    found = (outcome.data or {}).get("households")
    proposals = ((outcome.data or {}).get("proposals") or {}).get("edges", [])
    settings = {"max-bytes": str(request.app[FIELD_VERIFICATION].max_photo_bytes),
                "username": session_of(request).username or "", "session": SESSION_PATH,
                "photo": PHOTO_PATH, "visit": VISIT_PATH, "worker": WORKER_PATH}
    return page(request, "pendamping.html", status=status if found is not None else 400,
                found=found, proposals=[edge["node"] for edge in proposals], name=name,
                texts=_texts(request), settings=settings,
                verified=request.query.get("terverifikasi", "")[:36],
                rejected=request.query.get("ditolak", "")[:36],
                errors=[*(errors or []), *messages(request, outcome)])


async def verify_proposal(request: web.Request) -> web.StreamResponse:
    """"Nyatakan terverifikasi": ``verifyProposal`` for a proposal whose field visit the node
    has (refused with what to do when the visit is not there yet)."""
    await form_with_csrf(request)
    await require_login(request)
    proposal_id = request.match_info["id"]
    outcome = await run(request, VERIFY, id=proposal_id)
    if (outcome.data or {}).get("verifyProposal"):
        raise web.HTTPSeeOther(f"{PAGE}?terverifikasi={proposal_id}")
    return await _verification(request, errors=_verify_errors(request, outcome),
                               status=_verify_status(outcome))


async def reject_proposal(request: web.Request) -> web.StreamResponse:
    """"Tolak": ``rejectProposal`` with the reason the desa operator reads (the house does not
    match the proposal)."""
    form = await form_with_csrf(request)
    await require_login(request)
    proposal_id = request.match_info["id"]
    reason = str(form.get("alasan", "")).strip()
    if not reason or len(reason) > MAX_REASON:
        return await _verification(request, status=400, errors=[text(
            request, "Write the reason for the rejection: the desa operator reads it.")
            if not reason else text(
            request, "The reason is too long (at most 2,000 characters). Shorten it.")])
    outcome = await run(request, REJECT, id=proposal_id, reason=reason)
    if (outcome.data or {}).get("rejectProposal"):
        raise web.HTTPSeeOther(f"{PAGE}?ditolak={proposal_id}")
    return await _verification(request, errors=_verify_errors(request, outcome),
                               status=_verify_status(outcome))


def _verify_errors(request: web.Request, outcome: Outcome) -> list[str]:
    if "FIELD_VERIFICATION_REQUIRED" in outcome.codes:
        return [text(request, "The node has no field visit for this proposal yet. Save the "
                              "visit with the house photo, wait until it is sent, then "
                              "verify.")]
    if {"FORBIDDEN", "FORBIDDEN_FIELD", "FORBIDDEN_TRANSITION"} & set(outcome.codes):
        return [text(request, "Only a pendamping verifies or rejects a proposal, and not "
                              "their own. Ask another pendamping of the area.")]
    return messages(request, outcome)


def _verify_status(outcome: Outcome) -> int:
    codes = set(outcome.codes)
    if {"FORBIDDEN", "FORBIDDEN_FIELD", "FORBIDDEN_TRANSITION", "OUT_OF_SCOPE"} & codes:
        return 403
    if {"WRONG_STATE", "CONFLICT", "FIELD_VERIFICATION_REQUIRED"} & codes:
        return 409
    return 404 if "NOT_FOUND" in codes else 400


async def session_token(request: web.Request) -> web.Response:
    """The session's CSRF token and user for the script (same-origin only: no CORS)."""
    who = await principal(request)
    if who.role is Role.PUBLIC:
        return _json_error(401, "UNAUTHENTICATED",
                           text(request, "Your session has ended. Log in again."))
    session = session_of(request)
    return web.json_response({"csrf": session.csrf, "username": session.username},
                             headers={hdrs.CACHE_CONTROL: "no-store"})


async def upload(request: web.Request, database_key: web.AppKey[Database],
                 region: str) -> web.Response:
    """The photo, through the node's own upload (:func:`store_photo`)."""
    who = await _sender(request)
    try:
        check_principal(who)
    except SiksError:
        raise _refusal(401, "UNAUTHENTICATED",
                       text(request, "Your session has ended. Log in again.")) from None
    stored = await store_photo(request, who, request.app[database_key], region)
    if stored.status < 400 or stored.text is None:
        return stored
    error = json.loads(stored.text)["errors"][0]
    code = error["extensions"]["code"]
    if code in ("INVALID_INPUT", "UNSUPPORTED_MEDIA_TYPE"):
        message = text(request, "This photo cannot be used (not a whole JPEG, or too large). "
                                "Take it again.")
    else:
        message = error_message(code, Translator("web", page_language(request)))
    error["message"] = message  # the page's language; the code and reason stay the node's
    return web.json_response({"errors": [error]}, status=stored.status,
                             headers={hdrs.CACHE_CONTROL: "no-store"})


def _visit_input(body: Any) -> dict[str, Any] | None:
    if not isinstance(body, dict) or not set(body) <= set(VISIT_FIELDS):
        return None
    if not all(isinstance(body.get(key), str) for key in ("id", "photoSha256")):
        return None
    if not all(isinstance(body.get(key), str | None) for key in ("householdId", "proposalId",
                                                                 "note")):
        return None
    if not all(isinstance(body.get(key), int | float) and not isinstance(body.get(key), bool)
               for key in ("latitude", "longitude")):
        return None
    return {key: body[key] for key in VISIT_FIELDS if body.get(key) is not None}


async def record_visit(request: web.Request) -> web.Response:
    """The visit, as ``recordFieldVerification`` with the phone's UUID (a retry is no new
    row); refusals come back with the code and a message in the page's language."""
    await _sender(request)
    if request.content_type != "application/json" or (
            request.content_length or 0) > MAX_VISIT_BYTES:
        return _json_error(415, "UNSUPPORTED_MEDIA_TYPE", "application/json")
    try:
        visit = _visit_input(json.loads(await request.text()))
    except ValueError:
        visit = None
    if visit is None:
        return _json_error(400, "INVALID_INPUT", text(
            request, "Some of what you entered is not valid. Check the fields and send again."))
    outcome = await run(request, RECORD, input=visit)
    recorded = (outcome.data or {}).get("recordFieldVerification")
    if recorded is not None:
        return web.json_response(recorded, headers={hdrs.CACHE_CONTROL: "no-store"})
    code = next((c for c in outcome.codes if c), "INTERNAL")
    status = VISIT_STATUS.get(code, 400)
    return _json_error(status, code, " ".join(messages(request, outcome)))


@cache
def _worker_script() -> str:
    """The service worker with the URLs it keeps for offline use (a new asset hash makes a
    new worker, which replaces the old copies)."""
    keep = json.dumps([PAGE, *(asset_url(name) for name in sorted(asset_files()))])
    source = Path(WORKER_SOURCE).read_text(encoding="utf-8")
    version = hashlib.sha256(f"{keep}\n{source}".encode()).hexdigest()[:12]
    return f'var PRECACHE = {keep};\nvar VERSION = "{version}";\n{source}'


async def worker(request: web.Request) -> web.Response:
    return web.Response(text=_worker_script(), content_type="text/javascript", headers={
        hdrs.CACHE_CONTROL: "no-cache",
        hdrs.CONTENT_SECURITY_POLICY: "default-src 'none'; connect-src 'self'",
        "X-Content-Type-Options": "nosniff"})


def add_routes(app: web.Application, database_key: web.AppKey[Database], region: str) -> None:
    async def photo(request: web.Request) -> web.Response:
        return await upload(request, database_key, region)

    app.router.add_get(PAGE, verification_page)
    app.router.add_get(SESSION_PATH, session_token)
    app.router.add_post(PHOTO_PATH, photo)
    app.router.add_post(VISIT_PATH, record_visit)
    app.router.add_post(VERIFY_PATH, verify_proposal)
    app.router.add_post(REJECT_PATH, reject_proposal)
    app.router.add_get(WORKER_PATH, worker)
