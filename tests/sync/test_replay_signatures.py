"""Security review (issue 16) item 8: a stored message resent is acknowledged again
(``REPLAYED``) only when its signature still verifies with the key that signed it, or fails
solely because that key was revoked since or the message is now past the window. A zeroed,
garbage or missing signature is refused and audited as a refusal (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import copy
from datetime import timedelta
from typing import Any

import pytest

from certs.revocation import RevocationReason
from gateway.inbox.audit import verify_gateway_chain
from gateway.inbox.submissions import Inbox
from tests.sync.helpers import (
    BANDUNG,
    NOW,
    SURABAYA,
    Pki,
    as_bytes,
    gateway_audit,
    make_records,
    signed,
    stored_counts,
)


def _zeroed(signature: str) -> str:
    head, _, sig = signature.split(".")
    length = len(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    return f"{head}..{base64.urlsafe_b64encode(bytes(length)).rstrip(b'=').decode()}"


def _forged(envelope: dict[str, Any], how: str, pki: Pki) -> dict[str, Any]:
    forged = copy.deepcopy(envelope)
    if how == "removed":
        del forged["signature"]
    elif how == "zeroed":
        forged["signature"] = _zeroed(envelope["signature"])
    elif how == "garbage":
        forged["signature"] = "garbage"
    elif how == "empty":
        forged["signature"] = ""
    else:  # another region's valid signature over the same header and message
        other = signed(pki.credentials(SURABAYA), envelope["message"]["records"],
                       message_id=envelope["header"]["message_id"])
        forged["signature"] = other["signature"]
    return forged


@pytest.mark.parametrize("how", ["zeroed", "garbage", "removed", "empty", "another key"])
@pytest.mark.parametrize("later", [timedelta(0), timedelta(days=31)], ids=["inside", "past"])
async def test_a_stored_message_with_a_bad_signature_is_refused(inbox: Inbox, pki: Pki,
                                                               how: str, later: timedelta):
    envelope = signed(pki.credentials(BANDUNG), make_records("32.73", 2))
    assert (await inbox.submit(as_bytes(envelope), now=NOW, tls_peer="32.73")).accepted
    before = await stored_counts(inbox.database)
    for _ in range(2):
        outcome = await inbox.submit(as_bytes(_forged(envelope, how, pki)), now=NOW + later,
                                     tls_peer="32.73")
        assert outcome.status in (400, 403) and outcome.code != "REPLAYED", outcome
    assert await stored_counts(inbox.database) == before
    actions = [entry.action for entry in await gateway_audit(inbox.database)]
    assert actions == ["inbox.accept", "inbox.refuse", "inbox.refuse"]
    assert (await verify_gateway_chain(inbox.database)).ok


async def test_a_stored_message_whose_key_was_revoked_since_is_still_acknowledged(
        inbox: Inbox, pki: Pki):
    envelope = signed(pki.credentials(BANDUNG), make_records("32.73", 2))
    assert (await inbox.submit(as_bytes(envelope), now=NOW, tls_peer="32.73")).accepted
    pki.authority.revoke_holder(BANDUNG, RevocationReason.KEY_COMPROMISE,
                                now=NOW + timedelta(hours=1))
    resend = await inbox.submit(as_bytes(envelope), now=NOW + timedelta(hours=2),
                                tls_peer="32.73")
    assert (resend.status, resend.code) == (200, "REPLAYED"), resend
    zeroed = await inbox.submit(as_bytes(_forged(envelope, "zeroed", pki)),
                                now=NOW + timedelta(hours=2), tls_peer="32.73")
    assert zeroed.code == "SIGNATURE_INVALID", zeroed


async def test_a_stored_message_past_the_window_is_still_acknowledged(inbox: Inbox, pki: Pki):
    envelope = signed(pki.credentials(BANDUNG), make_records("32.73", 2))
    assert (await inbox.submit(as_bytes(envelope), now=NOW, tls_peer="32.73")).accepted
    resend = await inbox.submit(as_bytes(envelope), now=NOW + timedelta(days=31),
                                tls_peer="32.73")
    assert (resend.status, resend.code) == (200, "REPLAYED"), resend
