from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from certs import CertificateAuthority, CertificateStore, Identity, Purpose, RevocationReason
from certs.errors import (
    CertificateExpired,
    CertificateIdentityInvalid,
    CertificateNotYetValid,
    CertificateRevoked,
    CertificateUntrusted,
    CertificateWrongPurpose,
    PkiError,
)
from certs.files import read_private_key

SIGNING_KEY_USAGE = x509.KeyUsage(
    digital_signature=True,
    content_commitment=True,
    key_encipherment=False,
    data_encipherment=False,
    key_agreement=False,
    key_cert_sign=False,
    crl_sign=False,
    encipher_only=False,
    decipher_only=False,
)


def certificate_with_uris(authority: CertificateAuthority, uris: list[str]) -> x509.Certificate:
    """A certificate the tooling would never issue, signed with the real CA key."""
    key = Ed25519PrivateKey.generate()
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rogue")]))
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=1))
    )
    builder = builder.add_extension(
        x509.BasicConstraints(ca=False, path_length=None), critical=True
    ).add_extension(SIGNING_KEY_USAGE, critical=True)
    if uris:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.UniformResourceIdentifier(u) for u in uris]),
            critical=False,
        )
    return builder.sign(read_private_key(authority.layout.ca_key), algorithm=None)


@pytest.fixture
def store(authority: CertificateAuthority) -> CertificateStore:
    return CertificateStore.load(authority.layout.root)


def test_a_fresh_region_certificate_is_trusted_and_names_its_region(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    signing = authority.issue(bandung).signing
    store = CertificateStore.load(authority.layout.root)

    assert store.find(signing.kid) == signing.certificate
    assert store.verify(signing.certificate, datetime.now(UTC)) == bandung


def test_a_certificate_from_another_ca_is_untrusted(
    store: CertificateStore, bandung: Identity, tmp_path: Path
) -> None:
    foreign = CertificateAuthority.create(tmp_path / "foreign").issue(bandung).signing
    assert not store.is_chained(foreign.certificate)
    with pytest.raises(CertificateUntrusted, match="was not issued by"):
        store.verify(foreign.certificate, datetime.now(UTC))


def test_validity_is_judged_at_the_time_asked(
    authority: CertificateAuthority, store: CertificateStore, bandung: Identity
) -> None:
    issued_at = datetime(2026, 1, 10, tzinfo=UTC)
    certificate = authority.issue(
        bandung, now=issued_at, signing_valid_for=timedelta(days=30)
    ).signing.certificate

    assert store.verify(certificate, issued_at + timedelta(days=29)) == bandung
    with pytest.raises(CertificateExpired, match="expired at 2026-02-09"):
        store.verify(certificate, issued_at + timedelta(days=31))
    with pytest.raises(CertificateNotYetValid):
        store.verify(certificate, issued_at - timedelta(days=1))


def test_compromise_revocation_refuses_every_use_even_backdated(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    certificate = authority.issue(bandung).signing.certificate
    revoked_at = datetime.now(UTC) + timedelta(hours=1)
    authority.revoke_serial(
        format(certificate.serial_number, "x"), RevocationReason.KEY_COMPROMISE, now=revoked_at
    )
    store = CertificateStore.load(authority.layout.root)

    with pytest.raises(CertificateRevoked, match="key-compromise"):
        store.verify(certificate, datetime.now(UTC))


def test_orderly_revocation_keeps_earlier_uses_valid(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    certificate = authority.issue(bandung).signing.certificate
    revoked_at = datetime.now(UTC) + timedelta(hours=1)
    authority.revoke_holder(bandung, RevocationReason.SUPERSEDED, now=revoked_at)
    store = CertificateStore.load(authority.layout.root)

    assert store.verify(certificate, revoked_at - timedelta(minutes=1)) == bandung
    with pytest.raises(CertificateRevoked, match="superseded"):
        store.verify(certificate, revoked_at + timedelta(minutes=1))


def test_each_key_is_trusted_only_for_its_purpose(
    authority: CertificateAuthority, store: CertificateStore, bandung: Identity
) -> None:
    credentials = authority.issue(bandung)
    now = datetime.now(UTC)

    assert store.verify(credentials.tls.certificate, now, Purpose.TLS) == bandung
    with pytest.raises(CertificateWrongPurpose, match="is a tls certificate, not a signing"):
        store.verify(credentials.tls.certificate, now, Purpose.SIGNING)
    with pytest.raises(CertificateWrongPurpose):
        store.verify(credentials.signing.certificate, now, Purpose.TLS)
    with pytest.raises(CertificateWrongPurpose, match="non-holder"):
        store.verify(authority.certificate, now, Purpose.SIGNING)


@pytest.mark.parametrize(
    ("uris", "message"),
    [
        ([], "no subjectAltName"),
        (["urn:kemendagri:region:32.73", "urn:kemendagri:region:32.77"], "2 URI SANs"),
        (["urn:kemendagri:region:32"], "names neither"),
        (["urn:kemendagri:region:32.73.01.1001"], "names neither"),
        (["https://example.org/"], "names neither"),
    ],
)
def test_a_certificate_must_name_exactly_one_kabkota_or_the_gateway(
    authority: CertificateAuthority, uris: list[str], message: str
) -> None:
    store = CertificateStore.load(authority.layout.root)
    certificate = certificate_with_uris(authority, uris)
    with pytest.raises(CertificateIdentityInvalid, match=message):
        store.verify(certificate, datetime.now(UTC), Purpose.SIGNING)


def test_a_crl_not_signed_by_the_ca_is_refused(
    authority: CertificateAuthority, tmp_path: Path
) -> None:
    other = CertificateAuthority.create(tmp_path / "other")
    with pytest.raises(PkiError, match="not signed by the national CA"):
        CertificateStore(authority.certificate, other.crl())


def test_a_newer_crl_can_be_adopted_without_reloading(
    authority: CertificateAuthority, store: CertificateStore, bandung: Identity
) -> None:
    certificate = authority.issue(bandung).signing.certificate
    store.add(certificate)
    authority.revoke_holder(bandung, RevocationReason.KEY_COMPROMISE)

    store.replace_crl(authority.crl())

    with pytest.raises(CertificateRevoked):
        store.verify(certificate, datetime.now(UTC))
