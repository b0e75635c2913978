"""The partner's large NIK files (up to 1,000,000) as cross-check jobs (docs/partners.md):
upload, progress (htmx polls the status; without JavaScript a refresh link), and the one
download of the result CSV.

The upload is stored and queued by the same function as ``POST /partners/cross-check-jobs``
(``start_job``, with the same role check), the status and the result are that endpoint's own
handlers run as the session's principal (``service_kit.web.api``): a job is its owner's,
anyone else's session gets "not found" as over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from gateway.entrypoints.cross_check_http import start_job
from gateway.entrypoints.web.partner import MAX_NIKS, read_niks
from gateway.identity.http import PARTNER_JOBS_PATH
from gateway.service_layer.services import GatewayServices
from schema.cross_check_jobs import MAX_FILE_BYTES, MAX_JOB_NIKS
from service_kit.web.api import call_get, json_of, refusal_of
from service_kit.web.login import require_login
from service_kit.web.pages import messages, page, page_language, text
from service_kit.web.uploads import first, streamed_form

POLL = "2s"  # how often htmx asks for the progress
_SEPARATORS = (",", ";", "\t")


def _file_text(data: bytes) -> str | None:
    """The file as the job endpoint takes it (one NIK a line): a CSV's first column; a
    plain list as it is, so the line numbers of a refusal are the file's own."""
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    head = decoded[:4096]
    if any(separator in head for separator in _SEPARATORS):
        return "\n".join(read_niks(decoded))
    return decoded


def _million(request: web.Request) -> str:
    shown = f"{MAX_JOB_NIKS:,}"
    return shown.replace(",", ".") if page_language(request) == "id" else shown


def _job_problem(request: web.Request, response: web.StreamResponse) -> list[str]:
    outcome = refusal_of(response)
    extensions = (outcome.errors[0].get("extensions") or {}) if outcome.errors else {}
    code, reason = extensions.get("code"), extensions.get("reason")
    field = str(extensions.get("field") or "")
    if code == "INVALID_NIK" and field.startswith("line "):
        return [text(request, "Line {line} of the file is not a NIK: a NIK is 16 digits, as "
                              "on the KTP. Correct that line and send the file again.",
                     line=field.removeprefix("line "))]
    if code == "INVALID_INPUT" and reason == "too_many":
        return [text(request, "The file has more than {limit} NIKs. Split it and send each "
                              "part as its own job.", limit=_million(request))]
    if code == "INVALID_INPUT" and reason == "empty":
        return [text(request, "The file has no NIK. Put one NIK per line.")]
    if code == "INVALID_INPUT" and reason == "program":
        return [text(request, "A program code is written in capitals and underscores, e.g. "
                              "KEMENAG_PIP. Correct it or leave it empty.")]
    if code == "INVALID_INPUT" and reason == "encoding":
        return [text(request, "The file is not a text file. Save the list as .txt or .csv "
                              "and send it again.")]
    if code == "JOB_NOT_READY":
        return [text(request, "The result is not ready yet. Wait until the check is done.")]
    if code == "JOB_GONE":
        return [text(request, "The result was already downloaded or has expired, and is "
                              "deleted. Send the file again for a new check.")]
    if code == "NOT_FOUND":
        return [text(request, "No such check for your account (a check is seen only by the "
                              "account that sent it). Send the file again.")]
    return messages(request, outcome)


def _mitra_page(request: web.Request, status: int, errors: list[str]) -> web.Response:
    return page(request, "mitra.html", status=status, results=None, errors=errors, niks="",
                max_niks=MAX_NIKS)


async def _status(request: web.Request) -> tuple[web.StreamResponse, dict[str, Any] | None]:
    job = request.match_info["job_id"]
    response = await call_get(request, f"{PARTNER_JOBS_PATH}/{job}")
    return response, json_of(response) if response.status == 200 else None


async def job_page(request: web.Request) -> web.Response:
    await require_login(request)
    response, job = await _status(request)
    if job is None:
        return _mitra_page(request, response.status, _job_problem(request, response))
    return page(request, "mitra_job.html", job=job, poll=POLL, max_niks=MAX_NIKS)


async def job_progress(request: web.Request) -> web.Response:
    """The status box alone, for htmx to swap in (the page without JavaScript reloads)."""
    await require_login(request)
    response, job = await _status(request)
    if job is None:
        return page(request, "mitra_job_status.html", status=response.status, job=None,
                    poll=POLL, errors=_job_problem(request, response))
    return page(request, "mitra_job_status.html", job=job, poll=POLL)


async def job_result(request: web.Request) -> web.StreamResponse:
    await require_login(request)
    job = request.match_info["job_id"]
    response = await call_get(request, f"{PARTNER_JOBS_PATH}/{job}/result")
    if response.status == 200:
        response.headers["Cache-Control"] = "no-store"
        return response
    return _mitra_page(request, response.status, _job_problem(request, response))


def add_routes(app: web.Application,
               services_of: Callable[[web.Application], GatewayServices]) -> None:
    async def upload(request: web.Request) -> web.StreamResponse:
        who = await require_login(request)
        fields, files = await streamed_form(request, {"berkas": (MAX_FILE_BYTES, True)})
        berkas = files.get("berkas")
        if berkas is not None and berkas.too_large:
            return _mitra_page(request, 413, [text(
                request, "The file has more than {limit} NIKs. Split it and send each part "
                         "as its own job.", limit=_million(request))])
        content = _file_text(berkas.data or b"") if berkas is not None else ""
        if content is None:
            return _mitra_page(request, 400, [text(
                request, "The file is not a text file. Save the list as .txt or .csv and "
                         "send it again.")])
        response = await start_job(request.app, services_of(request.app), who, content,
                                   first(fields, "program").upper() or None)
        if response.status != 202:
            return _mitra_page(request, response.status, _job_problem(request, response))
        raise web.HTTPSeeOther(f"/web/mitra/tugas/{json_of(response)['id']}")

    app.router.add_post("/web/mitra/tugas", upload)
    app.router.add_get("/web/mitra/tugas/{job_id}", job_page)
    app.router.add_get("/web/mitra/tugas/{job_id}/kemajuan", job_progress)
    app.router.add_get("/web/mitra/tugas/{job_id}/hasil", job_result)

