"""A complete development PKI generated on demand, for ``siks demo`` and tests.

Idempotent: what exists is kept, what is missing is issued, certificates that expire soon are
rotated and a CRL near its nextUpdate is re-signed (OpenSSL refuses TLS with a stale CRL).
A lock file serializes concurrent callers, e.g. several nodes starting at once.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from certs import files
from certs.authority import CertificateAuthority, utc_now
from certs.identity import Identity
from certs.layout import PkiLayout, TlsFiles
from certs.trust import CertificateStore

DEV_CA_NAME = "SIKS-NG Development CA (not for production)"
RENEW_BEFORE_EXPIRY = timedelta(days=14)
REFRESH_CRL_BEFORE = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class DevPki:
    layout: PkiLayout
    regions: tuple[str, ...]

    def store(self) -> CertificateStore:
        return CertificateStore.load(self.layout.root)

    def tls(self, holder: Identity) -> TlsFiles:
        return self.layout.tls_files(holder)


def ensure_dev_pki(
    directory: Path, regions: Sequence[str] = ("32.73",), *, now: datetime | None = None
) -> DevPki:
    """CA, gateway and the given kab/kota regions, each with signing and TLS credentials."""
    layout = PkiLayout(Path(directory))
    now = now or utc_now()
    holders = [Identity.gateway(), *(Identity.region(code) for code in regions)]
    with _locked(layout):
        authority = _open_or_create(layout, now)
        for holder in holders:
            _ensure_holder(authority, holder, now)
        crl = authority.crl()
        if crl.next_update_utc is None or crl.next_update_utc - now < REFRESH_CRL_BEFORE:
            authority.publish_crl(now=now)
    return DevPki(layout, tuple(regions))


def _open_or_create(layout: PkiLayout, now: datetime) -> CertificateAuthority:
    if layout.ca_certificate.exists():
        return CertificateAuthority.open(layout.root)
    return CertificateAuthority.create(layout.root, common_name=DEV_CA_NAME, now=now)


def _ensure_holder(authority: CertificateAuthority, holder: Identity, now: datetime) -> None:
    layout = authority.layout
    if not layout.signing_certificate(holder).exists():
        authority.issue(holder, now=now)
        return
    current = [layout.signing_certificate(holder), layout.tls_certificate(holder)]
    keys = [layout.signing_key(holder), layout.tls_key(holder)]
    soon = now + RENEW_BEFORE_EXPIRY
    stale = any(
        not path.exists() or files.read_certificate(path).not_valid_after_utc < soon
        for path in current
    )
    revoked = any(
        authority.crl().get_revoked_certificate_by_serial_number(
            files.read_certificate(path).serial_number
        )
        for path in current
        if path.exists()
    )
    if stale or revoked or not all(path.exists() for path in keys):
        authority.rotate(holder, now=now)


@contextmanager
def _locked(layout: PkiLayout) -> Iterator[None]:
    layout.root.mkdir(parents=True, exist_ok=True)
    with open(layout.root / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
