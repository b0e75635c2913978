"""The web login and logout of the node and the gateway, one flow for both: the same
throttles as ``POST /auth/login`` (per address: ``LOGIN_LIMIT``; per account:
:class:`~service_kit.login_guard.LoginGuard`), the service's own password check, then the
access token its issuer signs kept in the encrypted session (with a new CSRF token)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from schema.errors import Unauthenticated
from schema.roles import Principal, Role
from service_kit.http_guards import LOGIN_LIMIT, rate_limited
from service_kit.http_login import LOGIN_GUARD
from service_kit.web.pages import form_with_csrf, local_next, page, principal, text
from service_kit.web.session import end_session, save_session, session_of

Authenticate = Callable[[str, str], Awaitable[Principal]]
Issue = Callable[[Principal], str]  # an access token for the session (≤ the session's life)
Landing = Mapping[Role, str]  # where a role lands after a login that names no page


async def login_form(request: web.Request) -> web.Response:
    return page(request, "login.html", errors=[], login="",
                next=local_next(request.query.get("next"), ""))


async def login_submit(request: web.Request, authenticate: Authenticate, issue: Issue,
                       default_next: str, landing: Landing | None = None
                       ) -> web.StreamResponse:
    """Log in and go to the page the form names, else to the role's own first page."""
    form = await form_with_csrf(request)
    username = str(form.get("username", "")).strip()
    target = local_next(form.get("next"), "")
    guard = request.app[LOGIN_GUARD]
    refused = None
    if rate_limited(request.app[LOGIN_LIMIT], request, "login attempts") is not None or \
            guard.account_wait(username) > 0:
        refused = text(request, "Too many failed logins. Wait a few minutes and try again.")
    else:
        try:
            who = await authenticate(username, str(form.get("password", "")))
        except Unauthenticated:
            guard.failed(username, None)
            refused = text(request, "Wrong username or password. Check them and try again.")
    if refused is not None:
        return page(request, "login.html", status=401, errors=[refused], login=username,
                    next=target)
    guard.succeeded(username, None)
    response = web.HTTPSeeOther(target or (landing or {}).get(who.role, default_next))
    save_session(request, response,
                 session_of(request).logged_in(issue(who), username, who.role.value))
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    await form_with_csrf(request)
    response = web.HTTPSeeOther("/web/")
    end_session(request, response)
    raise response


async def require_login(request: web.Request) -> Principal:
    """The session's principal, or a redirect to the login page and back."""
    who = await principal(request)
    if who.role is Role.PUBLIC:
        raise web.HTTPSeeOther(f"/web/masuk?next={request.path}")
    return who


def add_login_routes(app: web.Application, authenticate_of: Callable[[web.Request],
                     Authenticate], issue_of: Callable[[web.Request], Issue],
                     default_next: str, landing: Landing | None = None) -> None:
    async def form(request: web.Request) -> web.Response:
        return await login_form(request)

    async def submit(request: web.Request) -> web.StreamResponse:
        return await login_submit(request, authenticate_of(request), issue_of(request),
                                  default_next, landing)

    app.router.add_get("/web/masuk", form)
    app.router.add_post("/web/masuk", submit)
    app.router.add_post("/web/keluar", logout)
