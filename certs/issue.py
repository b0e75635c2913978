"""Building certificates: the national CA and the two kinds of holder certificate.

A holder gets two Ed25519 keys: one that signs envelopes (keyUsage digitalSignature +
contentCommitment, no extendedKeyUsage) and one for mutual TLS (extendedKeyUsage serverAuth +
clientAuth). Separate keys keep a TLS compromise from forging submissions and let each be
rotated on its own schedule.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from certs.identity import Identity

ORGANIZATION = "SIKS-NG"
CA_VALIDITY = timedelta(days=3650)
SIGNING_VALIDITY = timedelta(days=730)
TLS_VALIDITY = timedelta(days=397)
# Certificates start a little in the past so a holder whose clock runs behind can use them.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)


class Purpose(StrEnum):
    SIGNING = "signing"
    TLS = "tls"


def _key_usage(*, signing: bool = False, tls: bool = False, ca: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing or tls,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _name(common_name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def build_ca_certificate(
    key: Ed25519PrivateKey, common_name: str, now: datetime, valid_for: timedelta = CA_VALIDITY
) -> x509.Certificate:
    subject = _name(common_name, "National CA")
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW_ALLOWANCE)
        .not_valid_after(now + valid_for)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, algorithm=None)
    )


def build_holder_certificate(
    *,
    ca_certificate: x509.Certificate,
    ca_key: Ed25519PrivateKey,
    holder: Identity,
    purpose: Purpose,
    public_key: Ed25519PublicKey,
    now: datetime,
    valid_for: timedelta,
    dns_names: Sequence[str] = (),
    ip_addresses: Sequence[str] = (),
) -> x509.Certificate:
    """A leaf certificate; its validity never outlasts the CA's."""
    not_after = min(now + valid_for, ca_certificate.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(holder.display_name, purpose.value))
        .issuer_name(ca_certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW_ALLOWANCE)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_subject_alt_name(holder, purpose, dns_names, ip_addresses), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if purpose is Purpose.SIGNING:
        builder = builder.add_extension(_key_usage(signing=True), critical=True)
    else:
        builder = builder.add_extension(_key_usage(tls=True), critical=True).add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
    return builder.sign(ca_key, algorithm=None)


def _subject_alt_name(
    holder: Identity, purpose: Purpose, dns_names: Sequence[str], ip_addresses: Sequence[str]
) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = [x509.UniformResourceIdentifier(holder.uri)]
    if purpose is Purpose.TLS:
        names += [x509.DNSName(name) for name in dns_names]
        names += [x509.IPAddress(ipaddress.ip_address(address)) for address in ip_addresses]
    return x509.SubjectAlternativeName(names)


def purpose_of(certificate: x509.Certificate) -> Purpose | None:
    """SIGNING or TLS from the extensions this module writes; None for anything else (a CA)."""
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if constraints.ca or not usage.digital_signature:
        return None
    try:
        certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    except x509.ExtensionNotFound:
        return Purpose.SIGNING if usage.content_commitment else None
    return None if usage.content_commitment else Purpose.TLS
