"""Is a PKI directory usable by its holder? Checked once when a node or the gateway starts, so
that a wrong path, a certificate of another region or a key that does not match its
certificate is one line at start-up, not a failed handshake or signature hours later."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography import x509

from certs import files
from certs.authority import utc_now
from certs.errors import PkiError
from certs.identity import Identity, identity_of, serial_hex
from certs.layout import PkiLayout
from certs.trust import CertificateStore


def check_holder_files(directory: Path, holder: Identity, *,
                       now: datetime | None = None) -> None:
    """The CA certificate, and the holder's signing and TLS certificates with their keys:
    present, issued by that CA, naming ``holder``, valid now, each key matching."""
    layout = PkiLayout(Path(directory))
    if not layout.root.is_dir():
        raise PkiError(f"{layout.root} is not a directory")
    if not layout.ca_certificate.is_file():
        raise PkiError(f"no national CA certificate at {layout.ca_certificate}")
    ca = CertificateStore(files.read_certificate(layout.ca_certificate))
    moment = now or utc_now()
    pairs = ((layout.signing_certificate(holder), layout.signing_key(holder)),
             (layout.tls_certificate(holder), layout.tls_key(holder)))
    for certificate_path, key_path in pairs:
        certificate = files.read_certificate(certificate_path)
        _check_certificate(certificate_path, certificate, ca, holder, moment)
        if files.read_private_key(key_path).public_key() != certificate.public_key():
            raise PkiError(f"{key_path} does not belong to {certificate_path}")


def _check_certificate(path: Path, certificate: x509.Certificate, ca: CertificateStore,
                       holder: Identity, now: datetime) -> None:
    if not ca.is_chained(certificate):
        raise PkiError(f"{path} was not issued by the national CA in this directory")
    named = identity_of(certificate)
    if named != holder:
        raise PkiError(f"{path} is a certificate of {named.display_name}, not of "
                       f"{holder.display_name}")
    if certificate.not_valid_after_utc < now:
        raise PkiError(f"{path} (serial {serial_hex(certificate)}) expired on "
                       f"{certificate.not_valid_after_utc:%Y-%m-%d}: renew it "
                       f"(siks certs request {holder})")
