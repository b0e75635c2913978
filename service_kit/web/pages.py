"""aiohttp glue of the web app shared by the node and the gateway: the page's language, a
rendered page with its security headers, CSRF on every POST, the vendored assets, the
language switch, and the one way a page reaches data: a GraphQL operation against the
service's own schema as the session's principal (:data:`EXECUTOR`, set by each service)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web

from schema.i18n import Translator, UnknownLanguage, language_of
from schema.roles import ANONYMOUS, Principal
from schema.web import CONTENT_SECURITY_POLICY, asset_files, content_type, render
from schema.web.errors import error_messages
from service_kit.web.session import (
    CSRF_FIELD,
    LANGUAGE_COOKIE,
    SESSIONS,
    SessionBox,
    save_session,
    session_of,
    set_cookie,
)

ASSET_CACHE_CONTROL = "public, max-age=31536000, immutable"
LANGUAGE_MAX_AGE_S = 365 * 24 * 3600


@dataclass
class Outcome:
    """A GraphQL operation's answer as a page needs it: data and the errors' messages."""

    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def codes(self) -> list[str | None]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]


# (request, principal, GraphQL document, variables) -> the answer; each service sets one that
# runs its own schema with the context its GraphQL view builds.
Executor = Callable[[web.Request, Principal, str, Mapping[str, Any]], Awaitable[Outcome]]
EXECUTOR: web.AppKey[Executor] = web.AppKey("web_executor")
# the principal of a session's access token (None: no longer valid), set by each service
Verify = Callable[[str], Awaitable[Principal | None]]
VERIFY: web.AppKey[Verify] = web.AppKey("web_verify")
SITE = web.AppKey("web_site", str)  # "gateway" or "node": which menu the pages show


def page_language(request: web.Request) -> str:
    """The language cookie, else the browser's Accept-Language, else Indonesian."""
    for value in (request.cookies.get(LANGUAGE_COOKIE), request.headers.get("Accept-Language")):
        try:
            if value:
                return language_of(value)
        except UnknownLanguage:
            continue
    return language_of(None)


async def principal(request: web.Request) -> Principal:
    """Who the session is: the verified access token's principal, or the public."""
    token = session_of(request).token
    if token is None:
        return ANONYMOUS
    found = await request.app[VERIFY](token)
    return found if found is not None else ANONYMOUS


async def run(request: web.Request, document: str, **variables: Any) -> Outcome:
    """Run ``document`` as the session's principal (the same authorization as /graphql)."""
    who = await principal(request)
    return await request.app[EXECUTOR](request, who, document, variables)


def page(request: web.Request, template: str, *, status: int = 200,
         **context: Any) -> web.Response:
    """``template`` in the page's language, with the session's CSRF token, the security
    headers, and the session cookie when it is new."""
    session = session_of(request)
    language = page_language(request)
    context.setdefault("errors", [])
    body = render(template, language, csrf_token=session.csrf, csrf_field=CSRF_FIELD,
                  username=session.username, role=session.role, path=request.path,
                  site=request.app[SITE],
                  **context)
    response = web.Response(text=body, content_type="text/html", status=status, headers={
        hdrs.CACHE_CONTROL: "no-store",
        hdrs.CONTENT_SECURITY_POLICY: CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    })
    save_session(request, response)
    return response


def text(request: web.Request, msgid: str, **params: object) -> str:
    """A handler's message in the page's language (the ``web`` catalogue)."""
    return Translator("web", page_language(request))(msgid, **params)


def messages(request: web.Request, outcome: Outcome) -> list[str]:
    return error_messages(outcome.errors, Translator("web", page_language(request)))


async def form_with_csrf(request: web.Request) -> Mapping[str, Any]:
    """The posted form, or 403 when its CSRF token is not the session's."""
    form = await request.post()
    if not session_of(request).csrf_matches(form.get(CSRF_FIELD)):
        raise web.HTTPForbidden(text=text(
            request, "The form has expired or did not come from this site. Go back, reload "
                     "the page and send it again."), content_type="text/plain")
    return form


def local_next(value: object, default: str = "/web/") -> str:
    """A path on this site to go back to (never another origin)."""
    if isinstance(value, str) and value.startswith("/web") and "//" not in value \
            and "\\" not in value:
        return value
    return default


async def switch_language(request: web.Request) -> web.StreamResponse:
    form = await form_with_csrf(request)
    try:
        language = language_of(str(form.get("language", "")))
    except UnknownLanguage:
        raise web.HTTPBadRequest(text="language: id or en") from None
    response = web.HTTPSeeOther(local_next(form.get("next")))
    set_cookie(response, LANGUAGE_COOKIE, language, LANGUAGE_MAX_AGE_S)
    raise response


def add_web_routes(app: web.Application, *, site: str, session_key: bytes,
                   executor: Executor, verify: Verify) -> None:
    """The assets, the language switch, the session box and how pages reach the schema."""
    app[SITE] = site
    app[SESSIONS] = SessionBox(session_key)
    app[EXECUTOR] = executor
    app[VERIFY] = verify
    files = asset_files()

    async def asset(request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        path = files.get(name)
        if path is None:
            raise web.HTTPNotFound()
        response = web.FileResponse(path, headers={
            hdrs.CONTENT_TYPE: content_type(name), hdrs.CACHE_CONTROL: ASSET_CACHE_CONTROL,
            "X-Content-Type-Options": "nosniff"})
        response.enable_compression()
        return response

    app.router.add_get("/web/assets/{name:.+}", asset)
    app.router.add_post("/web/bahasa", switch_language)
