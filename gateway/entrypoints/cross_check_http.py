"""A partner's cross-check jobs over HTTP (docs/partners.md), authenticated like
``GET /exports/dipa`` (a bearer token; MITRA or KEMENSOS, as ``crossCheck``):

- ``POST /partners/cross-check-jobs?program=KEMENAG_PIP``: the file (text, one NIK a line,
  up to 1,000,000) as the body → 202 and the job's status;
- ``GET /partners/cross-check-jobs/{id}``: its status and progress;
- ``GET /partners/cross-check-jobs/{id}/result``: the result CSV, once (then deleted).

Only the job's owner sees it: anyone else gets 404, as for a job that never was. Errors are
``{"errors": [{"message", "extensions": {"code", "reason", "field"}}]}``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

from aiohttp import web

from gateway.adapters.job_store import JobStore, JobView
from gateway.identity.http import PARTNER_JOBS_PATH
from gateway.service_layer.cross_check_jobs import JobRunner, status_json, submit
from gateway.service_layer.services import GatewayServices
from schema.cross_check_jobs import MAX_FILE_BYTES, JobState, too_many
from schema.errors import InvalidInput
from schema.policy import Access, access
from schema.roles import Principal
from service_kit.http_guards import error_response, principal_of

MISSING_HEADER = "X-SIKS-Missing-Regions"
JOBS = web.AppKey("cross_check_jobs", JobRunner)


def _refusal(request: web.Request) -> web.Response | None:
    return refusal(principal_of(request), "Authorization" in request.headers)


def refusal(principal: Principal, has_token: bool) -> web.Response | None:
    """None when ``principal`` may run jobs (the roles of ``crossCheck``), else the 401/403."""
    if access(principal.role, "Query", "crossCheck") is Access.FULL:
        return None
    if not has_token:
        return error_response(401, "UNAUTHENTICATED", "a cross-check job needs a partner's "
                              "token / perlu token mitra",
                              {"WWW-Authenticate": 'Bearer realm="siks-gateway"'})
    return error_response(403, "FORBIDDEN", "cross-check jobs are for partner ministries and "
                                            "Kemensos / hanya untuk kementerian mitra")


def _invalid(status: int, error: InvalidInput) -> web.Response:
    return web.json_response({"errors": [{"message": error.message,
                                          "extensions": error.extensions()}]}, status=status)


async def _body_text(request: web.Request) -> str:
    """The uploaded file, read up to the limit (past it: refused, not buffered)."""
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise too_many(size // 17)
        chunks.append(chunk)
    try:
        return b"".join(chunks).decode("ascii")
    except UnicodeDecodeError:
        raise InvalidInput("berkas harus teks NIK / the file must be text, one NIK a line",
                           reason="encoding", field="file") from None


async def start_job(app: web.Application, services: GatewayServices, principal: Principal,
                    text: str, program: str | None) -> web.Response:
    """Check, store and queue a job of ``text`` for ``principal`` (also the web page's way:
    gateway.entrypoints.web.partner_jobs): 202 and its status, or the refusal."""
    if (refused := refusal(principal, has_token=True)) is not None:
        return refused
    try:
        view = await submit(services, principal, text, program)
    except InvalidInput as error:
        return _invalid(413 if error.reason == "too_many" else 400, error)
    app[JOBS].enqueue(view.id)
    return web.json_response(status_json(view), status=202, headers={
        "Location": f"{PARTNER_JOBS_PATH}/{view.id}"})


def add_routes(app: web.Application,
               services_of: Callable[[web.Application], GatewayServices]) -> None:
    async def owned(request: web.Request, principal: Principal) -> JobView | None:
        view = await JobStore(services_of(request.app).database).get(
            request.match_info["job_id"])
        return view if view is not None and view.owner == principal.user_id else None

    def not_found() -> web.Response:
        return error_response(404, "NOT_FOUND", "no such job / job tidak ada")

    async def create(request: web.Request) -> web.Response:
        if (refused := _refusal(request)) is not None:
            return refused
        try:
            text = await _body_text(request)
        except InvalidInput as error:
            return _invalid(413 if error.reason == "too_many" else 400, error)
        return await start_job(request.app, services_of(request.app), principal_of(request),
                               text, request.query.get("program"))

    async def status(request: web.Request) -> web.Response:
        if (refused := _refusal(request)) is not None:
            return refused
        view = await owned(request, principal_of(request))
        return web.json_response(status_json(view)) if view is not None else not_found()

    async def result(request: web.Request) -> web.Response:
        if (refused := _refusal(request)) is not None:
            return refused
        view = await owned(request, principal_of(request))
        if view is None:
            return not_found()
        if view.state in (JobState.QUEUED, JobState.RUNNING):
            return error_response(409, "JOB_NOT_READY", f"the job is {view.state.value} "
                                  f"({view.done:,}/{view.total:,}) / job belum selesai")
        body = await JobStore(services_of(request.app).database).take_result(view.id)
        if body is None:
            return error_response(410, "JOB_GONE", f"the result is {view.state.value}: "
                                  "send the file again / hasil sudah dihapus, kirim ulang")
        headers = {"Content-Disposition": f'attachment; filename="cross-check-{view.id}.csv"'}
        if view.missing_regions:
            headers[MISSING_HEADER] = ",".join(view.missing_regions)
        return web.Response(body=zlib.decompress(body), content_type="text/csv",
                            charset="utf-8", headers=headers)

    app.router.add_post(PARTNER_JOBS_PATH, create)
    app.router.add_get(PARTNER_JOBS_PATH + "/{job_id}", status)
    app.router.add_get(PARTNER_JOBS_PATH + "/{job_id}/result", result)
