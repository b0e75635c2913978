"""Dinas Sosial's page of the node's users in the kab/kota: who logs in, with which role and
scope, and the login of an operator or a pendamping switched off or on again
(``users``, ``setUserActive``). Adding a user stays with the node's console."""

from __future__ import annotations

from aiohttp import web

from regional_node.entrypoints.web.review import action_errors
from service_kit.web.login import require_login
from service_kit.web.pages import Outcome, form_with_csrf, messages, page, run, text

USERS = "query Pengguna { users { username role scope active createdAt } }"
SET_ACTIVE = """mutation StatusPengguna($username: String!, $active: Boolean!) {
  setUserActive(username: $username, active: $active) { username active } }"""
MANAGED = ("OPERATOR_DESA", "PENDAMPING")


async def users(request: web.Request, *, errors: list[str] | None = None,
                status: int = 200) -> web.Response:
    outcome = await run(request, USERS)
    found = (outcome.data or {}).get("users")
    shown = [*(errors or []), *messages(request, outcome)]
    return page(request, "dinsos_users.html", status=status if found is not None else 403,
                users=found or [], managed=MANAGED, errors=shown,
                done=request.query.get("selesai", ""))


async def user_list(request: web.Request) -> web.Response:
    await require_login(request)
    return await users(request)


async def set_active(request: web.Request) -> web.StreamResponse:
    form = await form_with_csrf(request)
    await require_login(request)
    active = form.get("aktif") == "1"
    outcome = await run(request, SET_ACTIVE, username=request.match_info["username"],
                        active=active)
    if (outcome.data or {}).get("setUserActive"):
        raise web.HTTPSeeOther(f"/web/dinsos/pengguna?selesai={'aktif' if active else 'nonaktif'}")
    return await users(request, errors=_refusal(request, outcome), status=_status(outcome))


def _refusal(request: web.Request, outcome: Outcome) -> list[str]:
    if any((e.get("extensions") or {}).get("reason") == "managed_role" for e in outcome.errors):
        return [text(request, "Only the logins of desa operators and pendamping can be switched "
                              "here; other accounts are managed at the node's console.")]
    return action_errors(request, outcome)


def _status(outcome: Outcome) -> int:
    return 403 if {"FORBIDDEN", "FORBIDDEN_FIELD", "OUT_OF_SCOPE"} & set(outcome.codes) else 400


def add_routes(app: web.Application) -> None:
    app.router.add_get("/web/dinsos/pengguna", user_list)
    app.router.add_post("/web/dinsos/pengguna/{username}/status", set_active)
