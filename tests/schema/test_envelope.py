"""Signed envelopes with real keys and certificates: every refusal has its own code."""

from __future__ import annotations

import base64
import copy
import json
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import OctKey, OKPKey
from joserfc.registry import HeaderParameter

from certs import (
    CertificateAuthority,
    CertificateStore,
    HolderKind,
    Identity,
    RevocationReason,
    SigningCredentials,
)
from certs.envelope import (
    canonical_payload,
    envelope_digest,
    make_header,
    sign_envelope,
    verify_envelope,
)
from certs.envelope_errors import EnvelopeRefused
from certs.files import read_certificate, read_private_key
from schema.errors import InvalidInput

ISSUED = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = ISSUED + timedelta(days=1)
BANDUNG = Identity.region("32.73")
CIMAHI = Identity.region("32.77")


@dataclass
class Pki:
    authority: CertificateAuthority

    def credentials(self, holder: Identity) -> SigningCredentials:
        return SigningCredentials.load(self.authority.layout.root, holder)

    def store(self) -> CertificateStore:
        return CertificateStore.load(self.authority.layout.root)


def new_pki(directory: Path) -> Pki:
    authority = CertificateAuthority.create(directory, now=ISSUED - timedelta(days=1))
    for holder in (BANDUNG, CIMAHI, Identity.gateway()):
        authority.issue(holder, now=ISSUED)
    return Pki(authority)


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return new_pki(tmp_path / "pki")


def records(desa: str = "32.73.01.1001", count: int = 2) -> list[dict[str, Any]]:
    return [
        {"id": f"usulan-{n}", "desa_code": desa, "nik": f"327301010190{n:04d}", "desil": 1}
        for n in range(count)
    ]


def submission(
    signer: SigningCredentials,
    *,
    sender_id: str = "32.73",
    items: list[dict[str, Any]] | None = None,
    total_count: int | None = None,
    message_ts: datetime = NOW,
    embed_certificate: bool = True,
    receiver_id: str = "gateway",
    action: str = "submit",
) -> dict[str, Any]:
    items = records() if items is None else items
    header = make_header(
        action=action,
        sender_id=sender_id,
        receiver_id=receiver_id,
        total_count=len(items) if total_count is None else total_count,
        message_id="msg-0001",
        message_ts=message_ts,
    )
    certificate = signer.certificate if embed_certificate else None
    return sign_envelope(
        header, {"records": items}, signer.private_key, signer.kid, certificate=certificate
    )


def refusal(
    envelope: Mapping[str, Any], store: CertificateStore, now: datetime = NOW, **options: Any
) -> EnvelopeRefused:
    with pytest.raises(EnvelopeRefused) as refused:
        verify_envelope(envelope, store, now, record_region="desa_code", **options)
    return refused.value


def protected_header(envelope: Mapping[str, Any]) -> dict[str, Any]:
    segment = envelope["signature"].split(".")[0]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(segment + "=="))
    return decoded


def with_signature(envelope: Mapping[str, Any], compact: str) -> dict[str, Any]:
    return {**envelope, "signature": jws.detach_content(compact)}


# --- accepted -------------------------------------------------------------------------------


def test_a_region_submission_verifies_and_returns_what_was_signed(pki: Pki) -> None:
    bandung = pki.credentials(BANDUNG)
    envelope = submission(bandung)

    verified = verify_envelope(
        envelope, pki.store(), NOW, record_region="desa_code", receiver_id="gateway"
    )

    assert verified.signer == BANDUNG
    assert verified.kid == bandung.kid
    assert verified.header["sender_id"] == "32.73"
    assert verified.message["records"] == records()
    assert verified.message_ts == NOW
    assert verified.digest == envelope_digest(envelope)


def test_envelope_layout_follows_dci_with_a_detached_eddsa_jws(pki: Pki) -> None:
    bandung = pki.credentials(BANDUNG)
    envelope = submission(bandung)
    protected = protected_header(envelope)

    assert set(envelope) == {"header", "message", "signature"}
    assert set(envelope["header"]) == {
        "version", "message_id", "message_ts", "action", "sender_id", "receiver_id", "total_count"
    }  # fmt: skip
    assert envelope["header"]["message_ts"] == "2026-03-02T08:00:00.000Z"
    assert envelope["signature"].split(".")[1] == ""
    assert protected["alg"] == "EdDSA" and protected["kid"] == bandung.kid
    assert "b64" not in protected and "crit" not in protected
    assert base64.b64decode(protected["x5c"][0]) == bandung.certificate.public_bytes(Encoding.DER)

    # A stock JWS library verifies it given the detached payload (without x5c, which would
    # exceed joserfc's default 512-byte header limit).
    envelope = submission(bandung, embed_certificate=False)
    independent = jws.JWSRegistry(
        header_registry={"hdr#S256": HeaderParameter("", "str"),
                         "msg#S256": HeaderParameter("", "str")},
        algorithms=["EdDSA"],
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        attached = jws.deserialize_compact(
            envelope["signature"],
            OKPKey(bandung.certificate.public_key(), None),  # type: ignore[arg-type]
            payload=canonical_payload(envelope["header"], envelope["message"]),
            registry=independent,
        )
    assert json.loads(attached.payload) == {
        "header": envelope["header"], "message": envelope["message"]
    }  # fmt: skip


def test_transport_through_json_and_key_order_do_not_matter(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG))
    travelled = json.loads(json.dumps(envelope, indent=2, sort_keys=True))
    reordered = {
        "signature": travelled["signature"],
        "message": {
            "records": [dict(reversed(r.items())) for r in travelled["message"]["records"]]
        },
        "header": dict(reversed(travelled["header"].items())),
    }

    assert verify_envelope(reordered, pki.store(), NOW, record_region="desa_code").signer == BANDUNG
    assert envelope_digest(reordered) == envelope_digest(envelope)


def test_a_certificate_the_verifier_has_not_seen_is_accepted_when_embedded(pki: Pki) -> None:
    store_without_holders = CertificateStore(pki.authority.certificate, pki.authority.crl())
    envelope = submission(pki.credentials(BANDUNG), embed_certificate=True)

    assert verify_envelope(envelope, store_without_holders, NOW).signer == BANDUNG


def test_gateway_decisions_are_accepted_only_where_gateway_signers_are_expected(pki: Pki) -> None:
    gateway = pki.credentials(Identity.gateway())
    decision = submission(
        gateway, sender_id="gateway", receiver_id="32.73", action="determine",
        items=records("32.77.01.1001"),
    )  # fmt: skip

    verified = verify_envelope(
        decision, pki.store(), NOW, signers={HolderKind.GATEWAY}, receiver_id="32.73",
        record_region="desa_code",
    )  # fmt: skip
    assert verified.signer == Identity.gateway()
    assert refusal(decision, pki.store()).code == "SIGNER_NOT_ALLOWED"


def test_signatures_made_before_a_rotation_still_verify(pki: Pki) -> None:
    before = submission(pki.credentials(BANDUNG), embed_certificate=False)
    pki.authority.rotate(BANDUNG, now=NOW + timedelta(hours=1))
    after = submission(
        pki.credentials(BANDUNG), message_ts=NOW + timedelta(hours=2), embed_certificate=False
    )
    store = pki.store()
    later = NOW + timedelta(hours=3)

    assert protected_header(before)["kid"] != protected_header(after)["kid"]
    assert verify_envelope(before, store, later).signer == BANDUNG
    assert verify_envelope(after, store, later).signer == BANDUNG


def test_retiring_the_old_key_as_superseded_keeps_its_earlier_signatures(pki: Pki) -> None:
    old = pki.credentials(BANDUNG)
    before = submission(old)
    pki.authority.rotate(BANDUNG, now=NOW + timedelta(hours=1))
    pki.authority.revoke_serial(
        format(old.certificate.serial_number, "x"),
        RevocationReason.SUPERSEDED,
        now=NOW + timedelta(hours=1),
    )
    forged_later = submission(old, message_ts=NOW + timedelta(hours=2))

    assert verify_envelope(before, pki.store(), NOW + timedelta(hours=3)).signer == BANDUNG
    assert refusal(forged_later, pki.store(), NOW + timedelta(hours=3)).code == "CERT_REVOKED"


def test_digest_names_the_content_not_the_signature(pki: Pki) -> None:
    first = submission(pki.credentials(BANDUNG))
    again = submission(pki.credentials(BANDUNG))
    changed = submission(pki.credentials(BANDUNG), items=records(count=3))

    assert envelope_digest(first) == envelope_digest(again)
    assert envelope_digest(first) != envelope_digest(changed)
    assert len(envelope_digest(first)) == 64


# --- refused --------------------------------------------------------------------------------


def test_tampered_payload(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG))
    envelope["message"]["records"][1]["desil"] = 4

    refused = refusal(envelope, pki.store())

    assert refused.code == "PAYLOAD_TAMPERED"
    assert refused.message_id == "msg-0001"


def test_an_added_record_is_a_tampered_payload(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG))
    envelope["message"]["records"].append(records()[0])

    assert refusal(envelope, pki.store()).code == "PAYLOAD_TAMPERED"


@pytest.mark.parametrize(
    ("field", "value"),
    [("receiver_id", "32.77"), ("action", "delete"), ("message_id", "msg-9999"),
     ("message_ts", "2026-03-02T07:59:00.000Z"), ("sender_id", "32.77")],
)  # fmt: skip
def test_tampered_header(pki: Pki, field: str, value: str) -> None:
    envelope = submission(pki.credentials(BANDUNG))
    envelope["header"][field] = value

    assert refusal(envelope, pki.store()).code == "HEADER_TAMPERED"


def test_signature_by_another_regions_key(pki: Pki) -> None:
    bandung, cimahi = pki.credentials(BANDUNG), pki.credentials(CIMAHI)
    header = make_header(action="submit", sender_id="32.73", receiver_id="gateway", total_count=2)
    forged = sign_envelope(
        header, {"records": records()}, cimahi.private_key, bandung.kid, certificate=None
    )

    refused = refusal(forged, pki.store())

    assert refused.code == "SIGNATURE_INVALID"
    assert bandung.kid in refused.message


def test_another_region_signing_in_its_own_name_for_this_region(pki: Pki) -> None:
    envelope = submission(pki.credentials(CIMAHI), sender_id="32.73")

    assert refusal(envelope, pki.store()).code == "SENDER_REGION_MISMATCH"


def test_certificate_from_another_ca(pki: Pki, tmp_path: Path) -> None:
    impostor = new_pki(tmp_path / "impostor").credentials(BANDUNG)
    envelope = submission(impostor, embed_certificate=True)

    refused = refusal(envelope, pki.store())

    assert refused.code == "CERT_UNTRUSTED"
    assert "was not issued by" in refused.message


def test_certificate_from_another_ca_even_when_the_store_knows_it(pki: Pki, tmp_path: Path) -> None:
    impostor = new_pki(tmp_path / "impostor").credentials(BANDUNG)
    store = pki.store()
    store.add(impostor.certificate)

    assert refusal(submission(impostor), store).code == "CERT_UNTRUSTED"


def test_expired_certificate(pki: Pki) -> None:
    pki.authority.rotate(BANDUNG, now=ISSUED, signing_valid_for=timedelta(days=3))
    signer = pki.credentials(BANDUNG)
    late = ISSUED + timedelta(days=4)
    envelope = submission(signer, message_ts=late)

    assert refusal(envelope, pki.store(), now=late).code == "CERT_EXPIRED"


def test_certificate_not_yet_valid_at_message_ts(pki: Pki) -> None:
    early = ISSUED - timedelta(days=1)
    envelope = submission(pki.credentials(BANDUNG), message_ts=early)

    assert refusal(envelope, pki.store(), now=early).code == "CERT_NOT_YET_VALID"


def test_revoked_certificate(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG))
    pki.authority.revoke_holder(BANDUNG, RevocationReason.KEY_COMPROMISE, now=NOW)

    assert refusal(envelope, pki.store()).code == "CERT_REVOKED"


def test_tls_certificate_cannot_sign_envelopes(pki: Pki) -> None:
    layout = pki.authority.layout
    tls = SigningCredentials(
        read_private_key(layout.tls_key(BANDUNG)), read_certificate(layout.tls_certificate(BANDUNG))
    )

    assert refusal(submission(tls), pki.store()).code == "CERT_WRONG_PURPOSE"


def test_record_outside_the_signers_region(pki: Pki) -> None:
    items = records() + records("32.77.01.1001", count=1)
    envelope = submission(pki.credentials(BANDUNG), items=items)

    refused = refusal(envelope, pki.store())

    assert refused.code == "RECORD_REGION_MISMATCH"
    assert "record 2 is in region 32.77.01.1001" in refused.message


def test_record_regions_from_a_function(pki: Pki) -> None:
    items = [{"id": "a", "address": {"desa": "32.73.01.1001"}},
             {"id": "b", "address": {"desa": "32.77.01.1001"}}]  # fmt: skip
    envelope = submission(pki.credentials(BANDUNG), items=items)

    def desa_codes(message: Mapping[str, Any]) -> list[str]:
        return [record["address"]["desa"] for record in message["records"]]

    with pytest.raises(EnvelopeRefused) as refused:
        verify_envelope(envelope, pki.store(), NOW, record_region=desa_codes)
    assert refused.value.code == "RECORD_REGION_MISMATCH"


def test_record_without_its_region_field_is_malformed(pki: Pki) -> None:
    items = [{"id": "a"}]
    envelope = submission(pki.credentials(BANDUNG), items=items)

    refused = refusal(envelope, pki.store())

    assert refused.code == "ENVELOPE_MALFORMED"
    assert "record 0 has no 'desa_code'" in refused.message


def test_unknown_key_id(pki: Pki, tmp_path: Path) -> None:
    envelope = submission(pki.credentials(BANDUNG), embed_certificate=False)
    store_without_holders = CertificateStore(pki.authority.certificate, pki.authority.crl())

    refused = refusal(envelope, store_without_holders)

    assert refused.code == "UNKNOWN_KEY_ID"
    assert pki.credentials(BANDUNG).kid in refused.message


def test_embedded_certificate_must_be_the_one_the_kid_names(pki: Pki) -> None:
    bandung, cimahi = pki.credentials(BANDUNG), pki.credentials(CIMAHI)
    header = make_header(action="submit", sender_id="32.73", receiver_id="gateway", total_count=2)
    envelope = sign_envelope(
        header, {"records": records()}, bandung.private_key, "32.73#0000000000000000",
        certificate=cimahi.certificate,
    )  # fmt: skip

    assert refusal(envelope, pki.store()).code == "KID_MISMATCH"


def test_hmac_alg_is_refused(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG))
    payload = canonical_payload(envelope["header"], envelope["message"])
    compact = jws.serialize_compact(
        {"alg": "HS256", "kid": pki.credentials(BANDUNG).kid},
        payload,
        OctKey.import_key(b"a shared secret anyone could know"),
        algorithms=["HS256"],
    )

    refused = refusal(with_signature(envelope, compact), pki.store())

    assert refused.code == "ALG_NOT_ALLOWED"
    assert "'HS256'" in refused.message


def test_alg_none_is_refused(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG))
    header = {"alg": "none", "kid": pki.credentials(BANDUNG).kid}
    segment = base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()

    refused = refusal({**envelope, "signature": f"{segment}.."}, pki.store())

    assert refused.code == "ALG_NOT_ALLOWED"


def test_fully_specified_ed25519_alg_is_not_the_contract(pki: Pki) -> None:
    bandung = pki.credentials(BANDUNG)
    envelope = submission(bandung)
    payload = canonical_payload(envelope["header"], envelope["message"])
    compact = jws.serialize_compact(
        {"alg": "Ed25519", "kid": bandung.kid}, payload,
        OKPKey(bandung.private_key, None), algorithms=["Ed25519"],
    )  # fmt: skip

    assert refusal(with_signature(envelope, compact), pki.store()).code == "ALG_NOT_ALLOWED"


def test_message_too_old(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG))

    assert refusal(envelope, pki.store(), now=NOW + timedelta(days=31)).code == "MESSAGE_TOO_OLD"
    accepted = verify_envelope(
        envelope, pki.store(), NOW + timedelta(days=31), max_age=timedelta(days=60)
    )
    assert accepted.signer == BANDUNG


def test_message_from_the_future(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG))

    too_early = NOW - timedelta(minutes=6)
    assert refusal(envelope, pki.store(), now=too_early).code == "MESSAGE_FROM_FUTURE"
    assert verify_envelope(envelope, pki.store(), NOW - timedelta(minutes=4)).signer == BANDUNG


def test_total_count_must_match_the_records(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG), total_count=3)

    assert refusal(envelope, pki.store()).code == "TOTAL_COUNT_MISMATCH"


def test_envelope_addressed_to_someone_else(pki: Pki) -> None:
    envelope = submission(pki.credentials(BANDUNG), receiver_id="32.77")

    refused = refusal(envelope, pki.store(), receiver_id="gateway")

    assert refused.code == "RECEIVER_MISMATCH"


def test_an_attached_payload_cannot_replace_the_envelope_content(pki: Pki) -> None:
    """A JWS that carries its own payload must not be verified against that payload."""
    bandung = pki.credentials(BANDUNG)
    genuine = submission(bandung)
    other = submission(bandung, items=records(count=1))
    header_segment, _, signature_segment = genuine["signature"].split(".")
    payload = (
        base64.urlsafe_b64encode(canonical_payload(genuine["header"], genuine["message"]))
        .rstrip(b"=")
        .decode()
    )

    smuggled = {**other, "signature": f"{header_segment}.{payload}.{signature_segment}"}

    assert refusal(smuggled, pki.store()).code == "ENVELOPE_MALFORMED"


@pytest.mark.parametrize(
    "extra",
    [{"b64": False, "crit": ["b64"]}, {"jku": "https://attacker.example/keys"}, {"typ": "JWT"}],
)
def test_unexpected_protected_header_parameters_are_malformed(
    pki: Pki, extra: dict[str, Any]
) -> None:
    bandung = pki.credentials(BANDUNG)
    envelope = submission(bandung)
    protected = {**protected_header(envelope), **extra}
    segment = base64.urlsafe_b64encode(json.dumps(protected).encode()).rstrip(b"=").decode()
    signature_segment = envelope["signature"].split(".")[2]

    refused = refusal({**envelope, "signature": f"{segment}..{signature_segment}"}, pki.store())

    assert refused.code == "ENVELOPE_MALFORMED"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda e: e.pop("signature"), "detached"),
        (lambda e: e["header"].pop("sender_id"), "header.sender_id"),
        (lambda e: e["header"].update(total_count=True), "total_count"),
        (lambda e: e["header"].update(version="2.0.0"), "not supported"),
        (lambda e: e["header"].update(message_ts="2026-03-02T08:00:00"), "no time zone"),
        (lambda e: e["header"].update(message_ts="yesterday"), "not ISO 8601"),
        (lambda e: e.update(message=[]), "'message' object"),
        (lambda e: e.update(signature="not.a.jws.at.all"), "detached"),
    ],
)
def test_malformed_envelopes(pki: Pki, mutate: Any, message: str) -> None:
    envelope = copy.deepcopy(submission(pki.credentials(BANDUNG)))
    mutate(envelope)

    refused = refusal(envelope, pki.store())

    assert refused.code == "ENVELOPE_MALFORMED"
    assert message in refused.message


def test_signing_refuses_what_cannot_be_canonical_json(pki: Pki) -> None:
    bandung = pki.credentials(BANDUNG)
    header = make_header(action="submit", sender_id="32.73", receiver_id="gateway", total_count=1)

    with pytest.raises(InvalidInput, match="canonical JSON"):
        sign_envelope(header, {"records": [{"big": 2**60}]}, bandung.private_key, bandung.kid)
    with pytest.raises(InvalidInput, match="total_count"):
        sign_envelope({**header, "total_count": "1"}, {}, bandung.private_key, bandung.kid)
