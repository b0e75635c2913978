"""Where a PKI directory keeps its files.

::

    <root>/ca/ca.crt              national CA certificate (public)
    <root>/ca/ca.key              national CA private key (0600; stays with the CA operator)
    <root>/ca/crl.pem             certificate revocation list signed by the CA
    <root>/ca/issued/<serial>.crt every certificate the CA issued (public register)
    <root>/regions/32.73/signing.crt, signing.key   current envelope-signing certificate + key
    <root>/regions/32.73/tls.crt, tls.key           current mTLS certificate + key
    <root>/regions/32.73/retired/<serial>.crt       certificates replaced by a rotation
    <root>/gateway/...                              the same for the national gateway
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from certs.identity import HolderKind, Identity


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Paths an ``ssl.SSLContext`` needs for mutual TLS."""

    certificate: Path
    private_key: Path
    ca_certificate: Path
    crl: Path


@dataclass(frozen=True, slots=True)
class PkiLayout:
    root: Path

    @property
    def ca_dir(self) -> Path:
        return self.root / "ca"

    @property
    def ca_certificate(self) -> Path:
        return self.ca_dir / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.ca_dir / "ca.key"

    @property
    def crl(self) -> Path:
        return self.ca_dir / "crl.pem"

    @property
    def issued_dir(self) -> Path:
        return self.ca_dir / "issued"

    def issued_certificate(self, serial: str) -> Path:
        return self.issued_dir / f"{serial}.crt"

    def holder_dir(self, identity: Identity) -> Path:
        if identity.kind is HolderKind.GATEWAY:
            return self.root / "gateway"
        return self.root / "regions" / identity.id

    def signing_certificate(self, identity: Identity) -> Path:
        return self.holder_dir(identity) / "signing.crt"

    def signing_key(self, identity: Identity) -> Path:
        return self.holder_dir(identity) / "signing.key"

    def tls_certificate(self, identity: Identity) -> Path:
        return self.holder_dir(identity) / "tls.crt"

    def tls_key(self, identity: Identity) -> Path:
        return self.holder_dir(identity) / "tls.key"

    def retired_dir(self, identity: Identity) -> Path:
        return self.holder_dir(identity) / "retired"

    def tls_files(self, identity: Identity) -> TlsFiles:
        return TlsFiles(
            certificate=self.tls_certificate(identity),
            private_key=self.tls_key(identity),
            ca_certificate=self.ca_certificate,
            crl=self.crl,
        )
