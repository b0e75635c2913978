"""Login and the partner ministries' page: a file of NIKs (one per line, or the first column
of a CSV) checked with the gateway's ``crossCheck`` query (≤ 1,000 at once), shown as a table
and downloadable as CSV.

The login (``service_kit.web.login``) checks the gateway's own user accounts
(``gateway.identity.users``) and keeps an access token of the gateway's issuer in the
encrypted session cookie; each page verifies it again."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from gateway.adapters.database import Database
from gateway.identity.http import TOKENS
from gateway.identity.users import authenticate
from schema.policy import Access, access
from schema.roles import Principal, Role
from schema.tokens import MAX_TOKEN_LIFETIME
from service_kit.web.login import Authenticate, Issue, add_login_routes, require_login
from service_kit.web.pages import form_with_csrf, messages, page, run, text

MAX_NIKS = 1000
CROSS_CHECK = """query CekSilang($niks: [String!]!) {
  crossCheck(niks: $niks) { nik registered desilBand programs { program period level } } }"""
_SEPARATORS = re.compile(r"[,;\t]")


async def mitra(request: web.Request) -> web.Response:
    who = await require_login(request)
    return page(request, "mitra.html", results=None, errors=[], niks="", max_niks=MAX_NIKS,
                kemensos=access(who.role, "Query", "nationalRecords") is Access.FULL)


def read_niks(data: str) -> list[str]:
    """One NIK per line, or the first column of a CSV/TSV; blank lines and a header row
    (a first cell without digits) skipped. Whether each is a valid NIK is the API's to say."""
    niks: list[str] = []
    for line in data.splitlines():
        cell = _SEPARATORS.split(line, maxsplit=1)[0].strip().strip('"').strip()
        if cell and (niks or any(c.isdigit() for c in cell)):
            niks.append(cell)
    return niks


async def cross_check(request: web.Request) -> web.StreamResponse:
    await require_login(request)
    form = await form_with_csrf(request)
    upload = form.get("berkas")
    if hasattr(upload, "file"):
        data = upload.file.read().decode("utf-8-sig", errors="replace")  # type: ignore[union-attr]
    else:
        data = str(form.get("niks", ""))
    niks = read_niks(data)
    if not niks or len(niks) > MAX_NIKS:
        problem = (text(request, "The file has no NIK. Put one NIK per line.") if not niks
                   else text(request, "The file has {count} NIKs; at most {limit} can be "
                             "checked at once. Split the file and check each part.",
                             count=len(niks), limit=MAX_NIKS))
        return page(request, "mitra.html", status=400, results=None, errors=[problem],
                    niks="", max_niks=MAX_NIKS)
    outcome = await run(request, CROSS_CHECK, niks=niks)
    results = (outcome.data or {}).get("crossCheck")
    if results is not None and form.get("format") == "csv":
        return _csv(request, results)
    return page(request, "mitra.html", status=200 if results is not None else 400,
                results=results, errors=messages(request, outcome), niks="\n".join(niks),
                max_niks=MAX_NIKS)


def _csv(request: web.Request, results: list[dict[str, Any]]) -> web.Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([text(request, "NIK"), text(request, "In DTKS"), text(request, "Desil"),
                     text(request, "Programs")])
    for row in results:
        writer.writerow([row["nik"], _registered(request, row["registered"]),
                         (row["desilBand"] or "").replace("DESIL_", "").replace("_", "-"),
                         " ".join(f"{p['program']}:{p['period']}" for p in row["programs"])])
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return web.Response(body=out.getvalue().encode("utf-8-sig"), headers={
        "Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
        "Content-Disposition": f'attachment; filename="cek-silang-{stamp}.csv"'})


def _registered(request: web.Request, value: bool | None) -> str:
    if value is None:
        return text(request, "unknown (a node did not answer)")
    return text(request, "yes") if value else text(request, "no")


def add_routes(app: web.Application, database_of: Callable[[web.Application], Database]
               ) -> None:
    def authenticate_of(request: web.Request) -> Authenticate:
        async def check(username: str, password: str) -> Principal:
            return await authenticate(database_of(request.app), username, password)

        return check

    def issue_of(request: web.Request) -> Issue:
        return lambda who: request.app[TOKENS].issue(who, lifetime=MAX_TOKEN_LIFETIME)

    add_login_routes(app, authenticate_of, issue_of, "/web/mitra",
                     {Role.KEMENSOS: "/web/kemensos"})
    app.router.add_get("/web/mitra", mitra)
    app.router.add_post("/web/mitra", cross_check)
