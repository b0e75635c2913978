"""The session cookie: sealed with Fernet under a key derived from the service's secret;
a changed, foreign or expired cookie is no session, and a login changes the CSRF token."""

from __future__ import annotations

import time

import pytest
from cryptography.fernet import Fernet

from service_kit.web.session import Session, SessionBox, session_key

SECRET = "s" * 40


def test_a_sealed_session_opens_only_with_the_same_key_and_unchanged() -> None:
    box = SessionBox(session_key(SECRET))
    session = Session.fresh().logged_in("token", "mitrakementan")
    sealed = box.seal(session)
    assert "mitrakementan" not in sealed and "token" not in sealed  # encrypted, not encoded
    assert box.open(sealed) == session
    assert SessionBox(session_key("t" * 40)).open(sealed) is None
    assert box.open(sealed[:-2] + "xx") is None
    assert box.open("not a cookie") is None and box.open(None) is None
    assert box.open(Fernet(session_key(SECRET)).encrypt(b"[1, 2]").decode()) is None


def test_an_expired_session_is_no_session() -> None:
    box = SessionBox(session_key(SECRET), lifetime_s=1)
    sealed = box.seal(Session.fresh())
    time.sleep(2.1)
    assert box.open(sealed) is None


def test_a_login_makes_a_new_csrf_token_and_tokens_compare_exactly() -> None:
    anonymous = Session.fresh()
    logged_in = anonymous.logged_in("token", "u")
    assert logged_in.csrf != anonymous.csrf
    assert logged_in.csrf_matches(logged_in.csrf)
    for sent in (anonymous.csrf, "", None, 42, logged_in.csrf + "x"):
        assert not logged_in.csrf_matches(sent)


@pytest.mark.parametrize("secret", ["a" * 32, "b" * 64])
def test_the_key_is_a_valid_fernet_key_derived_from_the_secret(secret: str) -> None:
    assert session_key(secret) == session_key(secret)
    Fernet(session_key(secret))
