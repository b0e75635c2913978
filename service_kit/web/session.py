"""Web sessions in one cookie, encrypted and authenticated with Fernet (``cryptography``):
AES-128-CBC + HMAC-SHA256 with a timestamp, so a cookie the browser changed, or one older
than ``SESSION_LIFETIME``, is no session at all.

A session holds the CSRF token of its forms (every visitor gets one on the first page, so the
public's forms are protected too) and, after a login, the access token the service's own
issuer signed, verified again on every request like a bearer token (so an expired or revoked
key ends the session). The cookie is ``Secure; HttpOnly; SameSite=Strict; Path=/``.
The key comes from the service config (:func:`session_key`); nothing here is hand-rolled.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass, replace

from aiohttp import web
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SESSION_COOKIE = "siks_session"
LANGUAGE_COOKIE = "siks_lang"
SESSION_LIFETIME_S = 3600  # one hour; then log in again
CSRF_FIELD = "csrf_token"



def session_key(secret: str) -> bytes:
    """A Fernet key derived (HKDF-SHA256) from a service secret of ≥ 32 characters; the
    ``info`` keeps it apart from any other use of the same secret."""
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"siks-ng web session cookie v1").derive(secret.encode("utf-8"))
    return base64.urlsafe_b64encode(derived)


@dataclass(frozen=True)
class Session:
    csrf: str
    token: str | None = None  # the service issuer's access token, after a login
    username: str | None = None
    role: str | None = None  # for the menu only: every page verifies the token again

    @classmethod
    def fresh(cls) -> Session:
        return cls(csrf=secrets.token_urlsafe(32))

    def logged_in(self, token: str, username: str, role: str | None = None) -> Session:
        """After a login: a new CSRF token too (a token seen before the login is void)."""
        return replace(Session.fresh(), token=token, username=username, role=role)

    def csrf_matches(self, sent: object) -> bool:
        return isinstance(sent, str) and hmac.compare_digest(sent.encode(), self.csrf.encode())


class SessionBox:
    """Seals a session into a cookie value and opens one."""

    def __init__(self, key: bytes, lifetime_s: int = SESSION_LIFETIME_S) -> None:
        self._fernet = Fernet(key)
        self.lifetime_s = lifetime_s

    def seal(self, session: Session) -> str:
        body = json.dumps({"c": session.csrf, "t": session.token, "u": session.username,
                           "r": session.role})
        return self._fernet.encrypt(body.encode()).decode("ascii")

    def open(self, value: str | None) -> Session | None:
        if not value:
            return None
        try:
            body = json.loads(self._fernet.decrypt(value.encode("ascii"), ttl=self.lifetime_s))
            return Session(csrf=str(body["c"]), token=body.get("t"), username=body.get("u"),
                           role=body.get("r"))
        except (InvalidToken, ValueError, KeyError, TypeError, UnicodeEncodeError):
            return None


SESSIONS = web.AppKey("web_sessions", SessionBox)
SESSION = web.RequestKey("web_session", Session)
NEW_SESSION = web.RequestKey("web_new_session", bool)


def set_cookie(response: web.StreamResponse, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True,
                        samesite="Strict")


def session_of(request: web.Request) -> Session:
    """This request's session: the cookie's, or a fresh one (then sent with the response)."""
    known = request.get(SESSION)
    if known is not None:
        return known
    session = request.app[SESSIONS].open(request.cookies.get(SESSION_COOKIE))
    if session is None:
        session = Session.fresh()
        request[NEW_SESSION] = True
    request[SESSION] = session
    return session


def save_session(request: web.Request, response: web.StreamResponse,
                 session: Session | None = None) -> None:
    """Send the session cookie when the session is new or changed."""
    if session is not None:
        request[SESSION] = session
    elif not request.get(NEW_SESSION):
        return
    current = request[SESSION]
    box = request.app[SESSIONS]
    set_cookie(response, SESSION_COOKIE, box.seal(current), box.lifetime_s)


def end_session(request: web.Request, response: web.StreamResponse) -> None:
    save_session(request, response, Session.fresh())
