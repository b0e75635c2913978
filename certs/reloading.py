"""A :class:`~certs.trust.CertificateStore` that follows its PKI directory: reloaded when
``ca/crl.pem`` or ``ca/issued/`` change on disk, so a revocation or a rotation takes effect in
a running gateway or node without a restart. Call it to get the current store."""

from __future__ import annotations

import os
from pathlib import Path

from certs.layout import PkiLayout
from certs.trust import CertificateStore


def _stamp(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


class ReloadingTrust:
    def __init__(self, pki_dir: Path) -> None:
        self.layout = PkiLayout(Path(pki_dir))
        self._stamps: tuple[int, int] | None = None
        self._store: CertificateStore | None = None

    def __call__(self) -> CertificateStore:
        stamps = (_stamp(self.layout.crl), _stamp(self.layout.issued_dir))
        if self._store is None or stamps != self._stamps:
            self._store = CertificateStore.load(self.layout.root)
            self._stamps = stamps
        return self._store
