"""Reading and writing PEM files. Private keys are created with mode 0600 from the start."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certs.errors import PkiError, PkiNotFound

PRIVATE_KEY_MODE = 0o600


def write_private_key(path: Path, key: Ed25519PrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomically(path, pem, PRIVATE_KEY_MODE)


def write_certificate(path: Path, certificate: x509.Certificate) -> None:
    _write_atomically(path, certificate.public_bytes(serialization.Encoding.PEM), 0o644)


def write_crl(path: Path, crl: x509.CertificateRevocationList) -> None:
    _write_atomically(path, crl.public_bytes(serialization.Encoding.PEM), 0o644)


def read_certificate(path: Path) -> x509.Certificate:
    data = _read(path, "certificate")
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise PkiError(f"{path} is not a PEM certificate: {exc}") from None


def read_private_key(path: Path) -> Ed25519PrivateKey:
    data = _read(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise PkiError(f"{path} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise PkiError(f"{path} holds a {type(key).__name__}, expected an Ed25519 key")
    return key


def read_crl(path: Path) -> x509.CertificateRevocationList:
    data = _read(path, "CRL")
    try:
        return x509.load_pem_x509_crl(data)
    except ValueError as exc:
        raise PkiError(f"{path} is not a PEM CRL: {exc}") from None


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise PkiNotFound(f"no {what} at {path}") from None


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Write beside the target and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
