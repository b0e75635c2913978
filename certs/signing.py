"""A holder's current signing key and certificate, as a node or the gateway loads them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certs import files
from certs.errors import PkiError
from certs.identity import Identity, identity_of, kid_of
from certs.layout import PkiLayout


@dataclass(frozen=True, slots=True)
class SigningCredentials:
    private_key: Ed25519PrivateKey
    certificate: x509.Certificate

    @property
    def kid(self) -> str:
        return kid_of(self.certificate)

    @property
    def holder(self) -> Identity:
        return identity_of(self.certificate)

    @classmethod
    def load(cls, directory: Path, holder: Identity) -> SigningCredentials:
        """The current ``signing.crt`` / ``signing.key`` of ``holder`` in a PKI directory."""
        layout = PkiLayout(Path(directory))
        certificate = files.read_certificate(layout.signing_certificate(holder))
        private_key = files.read_private_key(layout.signing_key(holder))
        if private_key.public_key() != certificate.public_key():
            raise PkiError(
                f"{layout.signing_key(holder)} does not belong to "
                f"{layout.signing_certificate(holder)} (a rotation was interrupted?)"
            )
        return cls(private_key, certificate)
