"""The gateway inbox refuses every submission it cannot trust, each with its own reason, and
stores nothing but the audit entry that says so (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

from joserfc import jws
from joserfc.jwk import OctKey

from certs.envelope import canonical_payload
from certs.revocation import RevocationReason
from gateway.inbox.audit import verify_gateway_chain
from gateway.inbox.submissions import Inbox
from tests.sync.helpers import (
    BANDUNG,
    ISSUED,
    KAB_BANDUNG,
    NOW,
    SURABAYA,
    Pki,
    as_bytes,
    gateway_audit,
    make_records,
    new_pki,
    signed,
    stored_counts,
)


async def refused(inbox: Inbox, envelope: dict[str, Any], code: str, *,
                  at=NOW, tls_peer: str | None = None) -> None:  # type: ignore[no-untyped-def]
    before = await stored_counts(inbox.database)
    outcome = await inbox.submit(as_bytes(envelope), now=at, tls_peer=tls_peer)
    assert (outcome.code, outcome.accepted) == (code, False), outcome
    assert outcome.status in (400, 403, 409)
    assert await stored_counts(inbox.database) == before, "a refusal stored something"
    last = (await gateway_audit(inbox.database))[-1]
    assert last.action == "inbox.refuse" and last.detail is not None
    assert last.detail["code"] == code and last.detail["reason"]
    assert (await verify_gateway_chain(inbox.database)).ok


def submission(pki: Pki, count: int = 3, **kwargs: Any) -> dict[str, Any]:
    return signed(pki.credentials(BANDUNG), make_records("32.73", count), **kwargs)


async def test_a_valid_submission_is_stored_once_and_audited(inbox: Inbox, pki: Pki):
    outcome = await inbox.submit(as_bytes(submission(pki)), now=NOW, tls_peer="32.73")
    assert (outcome.status, outcome.code, outcome.accepted) == (200, "ACCEPTED", True)
    assert await stored_counts(inbox.database) == (1, 3)
    assert [e.action for e in await gateway_audit(inbox.database)] == ["inbox.accept"]


async def test_tampered_payload(inbox: Inbox, pki: Pki):
    envelope = submission(pki)
    envelope["message"]["records"][1]["desa_code"] = "32.73.02.1001"
    await refused(inbox, envelope, "PAYLOAD_TAMPERED")


async def test_tampered_header(inbox: Inbox, pki: Pki):
    envelope = submission(pki)
    envelope["header"]["message_ts"] = "2026-03-02T07:00:00.000Z"
    await refused(inbox, envelope, "HEADER_TAMPERED")


async def test_signature_by_another_regions_key(inbox: Inbox, pki: Pki):
    bandung, other = pki.credentials(BANDUNG), pki.credentials(KAB_BANDUNG)
    envelope = signed(bandung, make_records("32.73", 2))
    forged = signed(other, make_records("32.73", 2))  # other's key, claiming Bandung's kid:
    header = dict(envelope["header"])
    from certs.envelope import sign_envelope
    forged = sign_envelope(header, envelope["message"], other.private_key, bandung.kid,
                           certificate=bandung.certificate)
    await refused(inbox, forged, "SIGNATURE_INVALID")


async def test_another_region_in_its_own_name(inbox: Inbox, pki: Pki):
    envelope = signed(pki.credentials(KAB_BANDUNG), make_records("32.04", 2))
    envelope["header"]["sender_id"] = "32.73"
    await refused(inbox, envelope, "HEADER_TAMPERED")


async def test_certificate_from_another_ca(inbox: Inbox, tmp_path: Path):
    stranger = new_pki(tmp_path / "other-ca")
    await refused(inbox, signed(stranger.credentials(BANDUNG), make_records("32.73", 2)),
                  "CERT_UNTRUSTED")


async def test_expired_certificate(inbox: Inbox, pki: Pki):
    pki.authority.rotate(BANDUNG, now=ISSUED, signing_valid_for=timedelta(days=3))
    late = ISSUED + timedelta(days=4)
    await refused(inbox, signed(pki.credentials(BANDUNG), make_records("32.73", 2), at=late),
                  "CERT_EXPIRED", at=late)


async def test_revoked_certificate(inbox: Inbox, pki: Pki):
    envelope = submission(pki)
    pki.authority.revoke_holder(BANDUNG, RevocationReason.KEY_COMPROMISE,
                                now=NOW + timedelta(hours=1))
    await refused(inbox, envelope, "CERT_REVOKED", at=NOW + timedelta(hours=2))


async def test_region_mismatch_between_certificate_and_records(inbox: Inbox, pki: Pki):
    records = make_records("32.73", 2) + make_records("35.78", 1, prefix="sby")
    await refused(inbox, signed(pki.credentials(BANDUNG), records), "RECORD_REGION_MISMATCH")


async def test_replayed_message_is_acknowledged_but_stores_nothing(inbox: Inbox, pki: Pki):
    envelope = submission(pki)
    first = await inbox.submit(as_bytes(envelope), now=NOW)
    assert first.accepted
    for later in (NOW, NOW + timedelta(days=2)):
        replay = await inbox.submit(as_bytes(copy.deepcopy(envelope)), now=later)
        assert (replay.status, replay.code, replay.accepted) == (200, "REPLAYED", False)
        assert replay.body()["status"] == "duplicate"
    assert await stored_counts(inbox.database) == (1, 3)
    actions = [e.action for e in await gateway_audit(inbox.database)]
    assert actions == ["inbox.accept", "inbox.replay", "inbox.replay"]


async def test_same_message_id_other_content_is_a_conflict(inbox: Inbox, pki: Pki):
    first = submission(pki, message_id="7d0f6a52-3c1e-4f0e-9a57-1a2b3c4d5e6f")
    assert (await inbox.submit(as_bytes(first), now=NOW)).accepted
    other = signed(pki.credentials(BANDUNG), make_records("32.73", 4, prefix="x"),
                   message_id="7d0f6a52-3c1e-4f0e-9a57-1a2b3c4d5e6f")
    before = await stored_counts(inbox.database)
    outcome = await inbox.submit(as_bytes(other), now=NOW)
    assert (outcome.status, outcome.code) == (409, "MESSAGE_ID_CONFLICT")
    assert await stored_counts(inbox.database) == before


async def test_stale_message_outside_the_window(inbox: Inbox, pki: Pki):
    await refused(inbox, submission(pki), "MESSAGE_TOO_OLD", at=NOW + timedelta(days=31))


async def test_unknown_key_id(inbox: Inbox, pki: Pki):
    credentials = pki.credentials(BANDUNG)
    envelope = signed(credentials, make_records("32.73", 2), embed=False)
    from certs.envelope import make_header, sign_envelope
    header = make_header(action="submit", sender_id="32.73", receiver_id="gateway",
                         total_count=2, message_ts=NOW)
    envelope = sign_envelope(header, envelope["message"], credentials.private_key,
                             "32.73#0000000000000000")
    await refused(inbox, envelope, "UNKNOWN_KEY_ID")


async def test_alg_other_than_eddsa(inbox: Inbox, pki: Pki):
    envelope = submission(pki)
    payload = canonical_payload(envelope["header"], envelope["message"])
    compact = jws.serialize_compact({"alg": "HS256", "kid": pki.credentials(BANDUNG).kid},
                                    payload, OctKey.import_key(b"a shared secret"),
                                    algorithms=["HS256"])
    head, _, sig = compact.split(".")
    envelope["signature"] = f"{head}..{sig}"
    await refused(inbox, envelope, "ALG_NOT_ALLOWED")


async def test_posted_over_another_regions_tls_connection(inbox: Inbox, pki: Pki):
    await refused(inbox, submission(pki), "TLS_PEER_MISMATCH", tls_peer="35.78")


async def test_not_json_and_wrong_action(inbox: Inbox, pki: Pki):
    outcome = await inbox.submit(b"{not json", now=NOW)
    assert (outcome.status, outcome.code) == (400, "ENVELOPE_MALFORMED")
    await refused(inbox, submission(pki, action="checkpoint"), "WRONG_ACTION")


async def test_a_record_already_stored_from_another_message_is_a_conflict(inbox: Inbox, pki):
    assert (await inbox.submit(as_bytes(submission(pki)), now=NOW)).accepted
    await refused(inbox, submission(pki), "RECORD_CONFLICT")


async def test_surabaya_records_from_surabaya_are_fine(inbox: Inbox, pki: Pki):
    envelope = signed(pki.credentials(SURABAYA), make_records("35.78", 2))
    assert (await inbox.submit(as_bytes(envelope), now=NOW, tls_peer="35.78")).accepted
