"""The certificate revocation list and what a revocation means at a given time.

A certificate revoked for key compromise (or with no reason given) is refused for every
signature, whatever its claimed time, because a thief can backdate ``message_ts``. One revoked
as superseded, for cessation of operation or for a change of affiliation was retired in good
order: signatures dated before the revocation stay valid, later ones are refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

CRL_VALIDITY = timedelta(days=7)


class RevocationReason(StrEnum):
    UNSPECIFIED = "unspecified"
    KEY_COMPROMISE = "key-compromise"
    SUPERSEDED = "superseded"
    CESSATION_OF_OPERATION = "cessation-of-operation"
    AFFILIATION_CHANGED = "affiliation-changed"

    @property
    def flag(self) -> x509.ReasonFlags | None:
        return _FLAGS[self]


_FLAGS: dict[RevocationReason, x509.ReasonFlags | None] = {
    RevocationReason.UNSPECIFIED: None,
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
}
_ORDERLY_RETIREMENT = {
    x509.ReasonFlags.superseded,
    x509.ReasonFlags.cessation_of_operation,
    x509.ReasonFlags.affiliation_changed,
}


def revoked_entry(
    serial_number: int, when: datetime, reason: RevocationReason
) -> x509.RevokedCertificate:
    builder = x509.RevokedCertificateBuilder().serial_number(serial_number).revocation_date(when)
    if reason.flag is not None:
        builder = builder.add_extension(x509.CRLReason(reason.flag), critical=False)
    return builder.build()


def build_crl(
    *,
    ca_certificate: x509.Certificate,
    ca_key: Ed25519PrivateKey,
    entries: Iterable[x509.RevokedCertificate],
    number: int,
    now: datetime,
    valid_for: timedelta = CRL_VALIDITY,
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_certificate.subject)
        .last_update(now)
        .next_update(now + valid_for)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    for entry in entries:
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(ca_key, algorithm=None)


def crl_number(crl: x509.CertificateRevocationList) -> int:
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return 0


def reason_of(entry: x509.RevokedCertificate) -> x509.ReasonFlags | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return None


def reason_name(entry: x509.RevokedCertificate) -> str:
    """The reason in the CLI's words (``key-compromise``), ``unspecified`` when none is given."""
    flag = reason_of(entry)
    named = [reason for reason, reason_flag in _FLAGS.items() if reason_flag is flag]
    return named[0].value if flag is not None and named else RevocationReason.UNSPECIFIED.value


def revocation_applies(entry: x509.RevokedCertificate, at: datetime) -> bool:
    """Whether a listed certificate must be refused for a use at time ``at``."""
    if reason_of(entry) in _ORDERLY_RETIREMENT:
        return at >= entry.revocation_date_utc
    return True
