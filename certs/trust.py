"""Trust decisions against the national CA: chained, valid at a time, not revoked, whose.

This needs only public material (CA certificate, CRL, issued certificates), so the gateway and
every node can hold a store without the CA key.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certs import files
from certs.errors import (
    CertificateExpired,
    CertificateNotYetValid,
    CertificateRevoked,
    CertificateUntrusted,
    CertificateWrongPurpose,
    PkiError,
)
from certs.identity import Identity, fingerprint, identity_of, kid_of, serial_hex
from certs.issue import Purpose, purpose_of
from certs.layout import PkiLayout
from certs.revocation import reason_name, revocation_applies


class CertificateStore:
    """The national CA, its CRL, and the holder certificates known by key id."""

    def __init__(
        self,
        ca_certificate: x509.Certificate,
        crl: x509.CertificateRevocationList | None = None,
        certificates: Iterable[x509.Certificate] = (),
    ) -> None:
        self.ca_certificate = ca_certificate
        self._chained: dict[str, bool] = {}
        self._by_kid: dict[str, x509.Certificate] = {}
        self.crl: x509.CertificateRevocationList | None = None
        if crl is not None:
            self.replace_crl(crl)
        for certificate in certificates:
            self.add(certificate)

    @classmethod
    def load(cls, directory: Path) -> CertificateStore:
        """From a PKI directory: ``ca/ca.crt``, ``ca/crl.pem`` and ``ca/issued/*.crt``."""
        layout = PkiLayout(Path(directory))
        ca_certificate = files.read_certificate(layout.ca_certificate)
        crl = files.read_crl(layout.crl) if layout.crl.exists() else None
        issued = [files.read_certificate(path) for path in sorted(layout.issued_dir.glob("*.crt"))]
        return cls(ca_certificate, crl, issued)

    def replace_crl(self, crl: x509.CertificateRevocationList) -> None:
        """Adopt a newer CRL; refuses one the national CA did not sign."""
        if crl.issuer != self.ca_certificate.subject or not crl.is_signature_valid(
            self.ca_certificate.public_key()  # type: ignore[arg-type]
        ):
            raise PkiError("the CRL is not signed by the national CA")
        self.crl = crl

    def add(self, certificate: x509.Certificate) -> str:
        """Remember a holder certificate by its kid (whether or not it is trusted)."""
        kid = kid_of(certificate)
        self._by_kid[kid] = certificate
        return kid

    def find(self, kid: str) -> x509.Certificate | None:
        return self._by_kid.get(kid)

    def is_chained(self, certificate: x509.Certificate) -> bool:
        """Signed directly by the national CA (the hierarchy has one level)."""
        key = fingerprint(certificate)
        if key not in self._chained:
            self._chained[key] = self._verify_issued_by_ca(certificate)
        return self._chained[key]

    def revocation(self, certificate: x509.Certificate) -> x509.RevokedCertificate | None:
        if self.crl is None or not self.is_chained(certificate):
            return None
        return self.crl.get_revoked_certificate_by_serial_number(certificate.serial_number)

    def require_chained(self, certificate: x509.Certificate) -> None:
        if not self.is_chained(certificate):
            raise CertificateUntrusted(
                f"certificate {serial_hex(certificate)} ({certificate.subject.rfc4514_string()}) "
                f"was not issued by {self.ca_certificate.subject.rfc4514_string()}"
            )

    def require_valid_at(self, certificate: x509.Certificate, at: datetime) -> None:
        if at < certificate.not_valid_before_utc:
            raise CertificateNotYetValid(
                f"certificate {serial_hex(certificate)} is valid only from "
                f"{certificate.not_valid_before_utc.isoformat()}, not at {at.isoformat()}"
            )
        if at > certificate.not_valid_after_utc:
            raise CertificateExpired(
                f"certificate {serial_hex(certificate)} expired at "
                f"{certificate.not_valid_after_utc.isoformat()}, before {at.isoformat()}"
            )

    def require_not_revoked(self, certificate: x509.Certificate, at: datetime) -> None:
        entry = self.revocation(certificate)
        if entry is not None and revocation_applies(entry, at):
            raise CertificateRevoked(
                f"certificate {serial_hex(certificate)} was revoked at "
                f"{entry.revocation_date_utc.isoformat()} ({reason_name(entry)})"
            )

    def require_purpose(self, certificate: x509.Certificate, purpose: Purpose) -> None:
        actual = purpose_of(certificate)
        if actual is not purpose or not isinstance(certificate.public_key(), Ed25519PublicKey):
            raise CertificateWrongPurpose(
                f"certificate {serial_hex(certificate)} is a "
                f"{actual.value if actual else 'non-holder'} certificate, not a {purpose.value} one"
            )

    def verify(
        self, certificate: x509.Certificate, at: datetime, purpose: Purpose = Purpose.SIGNING
    ) -> Identity:
        """The holder, if the certificate is trusted for ``purpose`` at ``at``; else a
        :class:`~certs.errors.CertificateRejected` subclass naming the first failed check."""
        self.require_chained(certificate)
        self.require_valid_at(certificate, at)
        self.require_not_revoked(certificate, at)
        self.require_purpose(certificate, purpose)
        return identity_of(certificate)

    def _verify_issued_by_ca(self, certificate: x509.Certificate) -> bool:
        try:
            certificate.verify_directly_issued_by(self.ca_certificate)
        except (ValueError, TypeError, InvalidSignature):
            return False
        return True
