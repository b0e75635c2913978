"""The national certificate authority: create it, issue and rotate holder keys, revoke."""

from __future__ import annotations

import ipaddress
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from certs import files
from certs.errors import PkiAlreadyExists, PkiError, PkiNotFound
from certs.identity import Identity, identity_of, kid_of, serial_hex
from certs.issue import (
    CA_VALIDITY,
    SIGNING_VALIDITY,
    TLS_VALIDITY,
    Purpose,
    build_ca_certificate,
    build_holder_certificate,
)
from certs.layout import PkiLayout
from certs.revocation import RevocationReason, build_crl, crl_number, revoked_entry
from schema.errors import InvalidInput

DEFAULT_CA_NAME = "SIKS-NG National CA"
LOOPBACK_DNS_NAMES = ("localhost",)
LOOPBACK_IP_ADDRESSES = ("127.0.0.1", "::1")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class IssuedCertificate:
    purpose: Purpose
    certificate: x509.Certificate
    certificate_path: Path
    key_path: Path

    @property
    def kid(self) -> str:
        return kid_of(self.certificate)

    @property
    def serial(self) -> str:
        return serial_hex(self.certificate)


@dataclass(frozen=True, slots=True)
class HolderCredentials:
    holder: Identity
    signing: IssuedCertificate
    tls: IssuedCertificate


@dataclass(frozen=True, slots=True)
class TlsNames:
    dns_names: Sequence[str] = LOOPBACK_DNS_NAMES
    ip_addresses: Sequence[str] = LOOPBACK_IP_ADDRESSES

    def __post_init__(self) -> None:
        for address in self.ip_addresses:
            try:
                ipaddress.ip_address(address)
            except ValueError:
                raise InvalidInput(
                    f"{address!r} is not an IP address", reason="malformed", field="ip"
                ) from None


class CertificateAuthority:
    """Works on a PKI directory (see :mod:`certs.layout`); needs the CA private key."""

    def __init__(self, layout: PkiLayout, certificate: x509.Certificate, key: Ed25519PrivateKey):
        self.layout = layout
        self.certificate = certificate
        self._key = key

    @classmethod
    def create(
        cls,
        directory: Path,
        *,
        common_name: str = DEFAULT_CA_NAME,
        now: datetime | None = None,
        valid_for: timedelta = CA_VALIDITY,
    ) -> CertificateAuthority:
        layout = PkiLayout(Path(directory))
        if layout.ca_certificate.exists() or layout.ca_key.exists():
            raise PkiAlreadyExists(f"a national CA already exists in {layout.ca_dir}")
        now = now or utc_now()
        key = Ed25519PrivateKey.generate()
        certificate = build_ca_certificate(key, common_name, now, valid_for)
        files.write_private_key(layout.ca_key, key)
        files.write_certificate(layout.ca_certificate, certificate)
        authority = cls(layout, certificate, key)
        authority.publish_crl(now=now)
        return authority

    @classmethod
    def open(cls, directory: Path) -> CertificateAuthority:
        layout = PkiLayout(Path(directory))
        if not layout.ca_certificate.exists():
            raise PkiNotFound(f"no national CA in {layout.ca_dir}: run `siks certs create-ca`")
        certificate = files.read_certificate(layout.ca_certificate)
        key = files.read_private_key(layout.ca_key)
        if key.public_key() != certificate.public_key():
            raise PkiError(f"{layout.ca_key} does not belong to {layout.ca_certificate}")
        return cls(layout, certificate, key)

    def issue(
        self,
        holder: Identity,
        *,
        tls_names: TlsNames | None = None,
        now: datetime | None = None,
        signing_valid_for: timedelta = SIGNING_VALIDITY,
        tls_valid_for: timedelta = TLS_VALIDITY,
    ) -> HolderCredentials:
        """A holder's first signing and TLS certificates."""
        if self.layout.signing_certificate(holder).exists():
            raise PkiAlreadyExists(
                f"{holder.display_name} already has certificates: use `siks certs rotate {holder}`"
            )
        return self._issue_pair(
            holder, tls_names or TlsNames(), now or utc_now(), signing_valid_for, tls_valid_for
        )

    def rotate(
        self,
        holder: Identity,
        *,
        tls_names: TlsNames | None = None,
        now: datetime | None = None,
        signing_valid_for: timedelta = SIGNING_VALIDITY,
        tls_valid_for: timedelta = TLS_VALIDITY,
    ) -> HolderCredentials:
        """New keys and certificates; the old certificates move to ``retired/`` and stay valid
        (for verifying what they signed) until they expire or are revoked. Old keys are gone."""
        current_signing = self.layout.signing_certificate(holder)
        if not current_signing.exists():
            raise PkiNotFound(
                f"{holder.display_name} has no certificate to rotate: issue one first"
            )
        names = tls_names or self._current_tls_names(holder)
        for path in (current_signing, self.layout.tls_certificate(holder)):
            if path.exists():
                retired = files.read_certificate(path)
                target = self.layout.retired_dir(holder) / f"{serial_hex(retired)}.crt"
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        return self._issue_pair(holder, names, now or utc_now(), signing_valid_for, tls_valid_for)

    def revoke_serial(
        self, serial: str, reason: RevocationReason, *, now: datetime | None = None
    ) -> x509.Certificate:
        certificate = self.issued_certificate(serial)
        if self.crl().get_revoked_certificate_by_serial_number(certificate.serial_number):
            raise PkiAlreadyExists(f"certificate {serial_hex(certificate)} is already revoked")
        self.publish_crl(now=now, revoke=[certificate], reason=reason)
        return certificate

    def revoke_holder(
        self, holder: Identity, reason: RevocationReason, *, now: datetime | None = None
    ) -> list[x509.Certificate]:
        """Every certificate of the holder not revoked yet: current, retired, signing and TLS."""
        crl = self.crl()
        targets = [
            certificate
            for certificate in self.issued_certificates()
            if identity_of(certificate) == holder
            and crl.get_revoked_certificate_by_serial_number(certificate.serial_number) is None
        ]
        if not targets:
            raise PkiNotFound(f"{holder.display_name} has no certificate left to revoke")
        self.publish_crl(now=now, revoke=targets, reason=reason)
        return targets

    def publish_crl(
        self,
        *,
        now: datetime | None = None,
        revoke: Sequence[x509.Certificate] = (),
        reason: RevocationReason = RevocationReason.UNSPECIFIED,
    ) -> x509.CertificateRevocationList:
        """Re-sign the CRL (fresh nextUpdate), adding ``revoke`` to what it already lists."""
        now = now or utc_now()
        previous = self.crl() if self.layout.crl.exists() else None
        entries = list(previous) if previous is not None else []
        entries += [revoked_entry(c.serial_number, now, reason) for c in revoke]
        crl = build_crl(
            ca_certificate=self.certificate,
            ca_key=self._key,
            entries=entries,
            number=(crl_number(previous) + 1) if previous is not None else 1,
            now=now,
        )
        files.write_crl(self.layout.crl, crl)
        return crl

    def crl(self) -> x509.CertificateRevocationList:
        return files.read_crl(self.layout.crl)

    def issued_certificate(self, serial: str) -> x509.Certificate:
        normalized = _normalize_serial(serial)
        path = self.layout.issued_certificate(normalized)
        if not path.exists():
            raise PkiNotFound(f"this CA issued no certificate with serial {normalized}")
        return files.read_certificate(path)

    def issued_certificates(self) -> list[x509.Certificate]:
        paths = sorted(self.layout.issued_dir.glob("*.crt"))
        certificates = [files.read_certificate(path) for path in paths]
        return sorted(certificates, key=lambda c: c.not_valid_before_utc)

    def _issue_pair(
        self,
        holder: Identity,
        tls_names: TlsNames,
        now: datetime,
        signing_valid_for: timedelta,
        tls_valid_for: timedelta,
    ) -> HolderCredentials:
        signing = self._issue_one(holder, Purpose.SIGNING, now, signing_valid_for, TlsNames((), ()))
        tls = self._issue_one(holder, Purpose.TLS, now, tls_valid_for, tls_names)
        return HolderCredentials(holder=holder, signing=signing, tls=tls)

    def _issue_one(
        self,
        holder: Identity,
        purpose: Purpose,
        now: datetime,
        valid_for: timedelta,
        tls_names: TlsNames,
    ) -> IssuedCertificate:
        key = Ed25519PrivateKey.generate()
        certificate = self.certify(holder, purpose, key.public_key(), now=now,
                                   valid_for=valid_for, tls_names=tls_names)
        if purpose is Purpose.SIGNING:
            certificate_path, key_path = (
                self.layout.signing_certificate(holder),
                self.layout.signing_key(holder),
            )
        else:
            certificate_path, key_path = (
                self.layout.tls_certificate(holder),
                self.layout.tls_key(holder),
            )
        files.write_private_key(key_path, key)
        files.write_certificate(certificate_path, certificate)
        return IssuedCertificate(purpose, certificate, certificate_path, key_path)

    def certify(
        self,
        holder: Identity,
        purpose: Purpose,
        public_key: Ed25519PublicKey,
        *,
        now: datetime,
        valid_for: timedelta,
        tls_names: TlsNames,
    ) -> x509.Certificate:
        """A holder certificate for a public key (the CA never needs the private key), kept
        in the CA's register of issued certificates."""
        certificate = build_holder_certificate(
            ca_certificate=self.certificate,
            ca_key=self._key,
            holder=holder,
            purpose=purpose,
            public_key=public_key,
            now=now,
            valid_for=valid_for,
            dns_names=tls_names.dns_names,
            ip_addresses=tls_names.ip_addresses,
        )
        files.write_certificate(
            self.layout.issued_certificate(serial_hex(certificate)), certificate
        )
        return certificate

    def _current_tls_names(self, holder: Identity) -> TlsNames:
        path = self.layout.tls_certificate(holder)
        if not path.exists():
            return TlsNames()
        san = (
            files.read_certificate(path)
            .extensions.get_extension_for_class(x509.SubjectAlternativeName)
            .value
        )
        return TlsNames(
            dns_names=san.get_values_for_type(x509.DNSName),
            ip_addresses=[str(ip) for ip in san.get_values_for_type(x509.IPAddress)],
        )


def _normalize_serial(serial: str) -> str:
    """Accept ``5f3a``, ``0x5F3A`` or ``5F:3A`` (as openssl prints it)."""
    text = serial.strip().lower().removeprefix("0x").replace(":", "")
    try:
        return format(int(text, 16), "x")
    except ValueError:
        raise InvalidInput(
            f"{serial!r} is not a hexadecimal certificate serial",
            reason="malformed",
            field="serial",
        ) from None
