from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID

from certs import CertificateAuthority, Identity, RevocationReason, TlsNames, fingerprint, kid_of
from certs.errors import PkiAlreadyExists, PkiError, PkiNotFound
from certs.files import read_certificate, read_private_key, write_private_key
from certs.identity import identity_of
from schema.errors import InvalidInput, InvalidRegionCode


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def uris(certificate: x509.Certificate) -> list[str]:
    san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return san.get_values_for_type(x509.UniformResourceIdentifier)


def test_national_ca_is_a_self_signed_ed25519_ca_with_private_key_0600(
    authority: CertificateAuthority,
) -> None:
    ca = authority.certificate
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value

    assert constraints.critical and constraints.value.ca
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    assert isinstance(ca.public_key(), Ed25519PublicKey)
    ca.verify_directly_issued_by(ca)
    assert mode_of(authority.layout.ca_key) == 0o600
    assert authority.crl().is_signature_valid(ca.public_key())  # type: ignore[arg-type]
    assert len(authority.crl()) == 0


def test_creating_a_second_ca_in_the_same_directory_is_refused(
    authority: CertificateAuthority, pki_dir: Path
) -> None:
    before = authority.layout.ca_certificate.read_bytes()
    with pytest.raises(PkiAlreadyExists, match="already exists"):
        CertificateAuthority.create(pki_dir)
    assert authority.layout.ca_certificate.read_bytes() == before


def test_opening_a_ca_whose_key_does_not_match_its_certificate_fails(
    authority: CertificateAuthority, pki_dir: Path, tmp_path: Path
) -> None:
    other = CertificateAuthority.create(tmp_path / "other")
    write_private_key(authority.layout.ca_key, read_private_key(other.layout.ca_key))
    with pytest.raises(PkiError, match="does not belong"):
        CertificateAuthority.open(pki_dir)


def test_opening_a_missing_ca_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(PkiNotFound, match="create-ca"):
        CertificateAuthority.open(tmp_path)


def test_region_signing_certificate_binds_exactly_one_region_uri(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    credentials = authority.issue(bandung)
    signing = credentials.signing.certificate

    assert uris(signing) == ["urn:kemendagri:region:32.73"]
    assert identity_of(signing) == bandung
    signing.verify_directly_issued_by(authority.certificate)
    usage = signing.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    with pytest.raises(x509.ExtensionNotFound):
        signing.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert credentials.signing.kid == f"32.73#{fingerprint(signing)[:16]}"
    assert read_private_key(credentials.signing.key_path).public_key() == signing.public_key()
    assert mode_of(credentials.signing.key_path) == 0o600
    assert authority.layout.issued_certificate(credentials.signing.serial).exists()


def test_region_tls_certificate_serves_and_authenticates_on_loopback(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    tls = authority.issue(bandung).tls.certificate
    san = tls.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    usages = tls.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value

    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert ipaddress.ip_address("127.0.0.1") in san.get_values_for_type(x509.IPAddress)
    assert uris(tls) == ["urn:kemendagri:region:32.73"]
    assert list(usages) == [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
    assert mode_of(authority.layout.tls_key(bandung)) == 0o600


def test_gateway_certificate_names_the_gateway_and_its_tls_names(
    authority: CertificateAuthority,
) -> None:
    names = TlsNames(dns_names=["gateway.siks.example"], ip_addresses=["10.1.2.3"])
    credentials = authority.issue(Identity.gateway(), tls_names=names)
    san = credentials.tls.certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value

    assert uris(credentials.signing.certificate) == ["urn:siks:gateway"]
    assert credentials.signing.kid.startswith("gateway#")
    assert san.get_values_for_type(x509.DNSName) == ["gateway.siks.example"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.1.2.3")]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("99.99", "unknown"),
        ("32", "wrong_level"),
        ("32.73.01", "wrong_level"),
        ("3273", "malformed"),
    ],
)
def test_only_existing_kabkota_codes_get_region_certificates(code: str, reason: str) -> None:
    with pytest.raises(InvalidRegionCode) as refused:
        Identity.region(code)
    assert refused.value.reason == reason


def test_issuing_twice_points_to_rotation(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    authority.issue(bandung)
    with pytest.raises(PkiAlreadyExists, match="siks certs rotate 32.73"):
        authority.issue(bandung)


def test_a_bad_ip_address_is_refused_before_anything_is_written(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    with pytest.raises(InvalidInput, match="not an IP address"):
        authority.issue(bandung, tls_names=TlsNames(ip_addresses=["300.1.1.1"]))
    assert not authority.layout.holder_dir(bandung).exists()


def test_rotation_replaces_keys_and_keeps_the_old_certificate_on_file(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    first = authority.issue(bandung, tls_names=TlsNames(dns_names=["node.bandung"]))
    second = authority.rotate(bandung)
    layout = authority.layout

    assert second.signing.kid != first.signing.kid
    assert read_certificate(layout.signing_certificate(bandung)) == second.signing.certificate
    assert read_private_key(layout.signing_key(bandung)).public_key() == (
        second.signing.certificate.public_key()
    )
    retired = read_certificate(layout.retired_dir(bandung) / f"{first.signing.serial}.crt")
    assert retired == first.signing.certificate
    assert layout.issued_certificate(first.signing.serial).exists()
    tls_san = second.tls.certificate.extensions.get_extension_for_class(
        x509.SubjectAlternativeName
    ).value
    assert tls_san.get_values_for_type(x509.DNSName) == ["node.bandung"]


def test_rotating_a_holder_without_certificates_is_refused(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    with pytest.raises(PkiNotFound, match="issue one first"):
        authority.rotate(bandung)


def test_revoking_a_serial_lists_it_in_a_new_ca_signed_crl(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    credentials = authority.issue(bandung)
    number_before = authority.crl().extensions.get_extension_for_class(x509.CRLNumber).value
    colon_serial = ":".join(
        credentials.signing.serial.zfill(40)[i : i + 2] for i in range(0, 40, 2)
    ).upper()

    authority.revoke_serial(colon_serial, RevocationReason.KEY_COMPROMISE)

    crl = authority.crl()
    entry = crl.get_revoked_certificate_by_serial_number(
        credentials.signing.certificate.serial_number
    )
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == (
        x509.ReasonFlags.key_compromise
    )
    assert (
        crl.get_revoked_certificate_by_serial_number(credentials.tls.certificate.serial_number)
        is None
    )
    assert crl.is_signature_valid(authority.certificate.public_key())  # type: ignore[arg-type]
    number_after = crl.extensions.get_extension_for_class(x509.CRLNumber).value
    assert number_after.crl_number == number_before.crl_number + 1


def test_revoking_twice_unknown_or_malformed_serials_is_refused(
    authority: CertificateAuthority, bandung: Identity
) -> None:
    serial = authority.issue(bandung).signing.serial
    authority.revoke_serial(serial, RevocationReason.UNSPECIFIED)
    with pytest.raises(PkiAlreadyExists, match="already revoked"):
        authority.revoke_serial(serial, RevocationReason.UNSPECIFIED)
    with pytest.raises(PkiNotFound, match="no certificate with serial abc123"):
        authority.revoke_serial("abc123", RevocationReason.UNSPECIFIED)
    with pytest.raises(InvalidInput, match="hexadecimal"):
        authority.revoke_serial("not-a-serial", RevocationReason.UNSPECIFIED)
    assert len(authority.crl()) == 1


def test_revoking_a_region_revokes_its_current_and_retired_certificates_only(
    authority: CertificateAuthority, bandung: Identity, cimahi: Identity
) -> None:
    first = authority.issue(bandung)
    second = authority.rotate(bandung)
    other = authority.issue(cimahi)

    revoked = authority.revoke_holder(bandung, RevocationReason.SUPERSEDED)

    expected = {c.certificate.serial_number for c in (first.signing, first.tls)}
    expected |= {c.certificate.serial_number for c in (second.signing, second.tls)}
    assert {c.serial_number for c in revoked} == expected
    assert {entry.serial_number for entry in authority.crl()} == expected
    assert other.signing.certificate.serial_number not in expected
    with pytest.raises(PkiNotFound, match="no certificate left"):
        authority.revoke_holder(bandung, RevocationReason.SUPERSEDED)


def test_kid_names_one_certificate(authority: CertificateAuthority, bandung: Identity) -> None:
    first = authority.issue(bandung).signing.certificate
    second = authority.rotate(bandung).signing.certificate
    assert kid_of(first) != kid_of(second)
    assert kid_of(first).split("#")[0] == kid_of(second).split("#")[0] == "32.73"
