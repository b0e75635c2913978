"""Trust material that follows its PKI directory, so a revocation, a renewed CRL or a rotation
takes effect in a running gateway or node without a restart.

- :class:`ReloadingTrust`: a :class:`~certs.trust.CertificateStore` (envelope checks),
  reloaded when ``ca/crl.pem`` or ``ca/issued/`` change. Call it to get the current store.
- :class:`ReloadingContext`: an ``ssl.SSLContext`` whose every new connection (``wrap_bio``,
  which asyncio and so aiohttp's ``TCPSite`` and ``TCPConnector`` use, or ``wrap_socket``) is
  made from a context rebuilt when one of its files (certificate, key, CA, CRL) changes.

A file is "changed" when its inode, size or modification time differ (the PKI tools write by
rename, so a new file is a new inode). Checking costs a few ``stat`` calls per handshake.
"""

from __future__ import annotations

import logging
import os
import socket
import ssl
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from certs.layout import PkiLayout
from certs.trust import CertificateStore

log = logging.getLogger("siks.certs")

Stamp = tuple[int, int, int]


def _stamp(path: Path) -> Stamp:
    try:
        status = os.stat(path)
    except OSError:
        return (-1, -1, -1)
    return (status.st_ino, status.st_size, status.st_mtime_ns)


class ReloadingTrust:
    def __init__(self, pki_dir: Path) -> None:
        self.layout = PkiLayout(Path(pki_dir))
        self._stamps: tuple[Stamp, Stamp] | None = None
        self._store: CertificateStore | None = None

    def __call__(self) -> CertificateStore:
        stamps = (_stamp(self.layout.crl), _stamp(self.layout.issued_dir))
        if self._store is None or stamps != self._stamps:
            self._store = CertificateStore.load(self.layout.root)
            self._stamps = stamps
        return self._store


class ReloadingContext(ssl.SSLContext):
    """Built by ``build`` (a function that reads ``files``) and rebuilt when they change.

    The outer object is itself configured by ``build``'s settings only as far as its
    constructor goes; connections are always made by :meth:`current`. A rebuild that fails
    (say, a rotation wrote the certificate and not yet its key) keeps the previous context and
    is retried when the files change again.
    """

    _build: Callable[[], ssl.SSLContext]
    _files: tuple[Path, ...]
    _stamps: tuple[Stamp, ...]
    _current: ssl.SSLContext

    def __new__(cls, build: Callable[[], ssl.SSLContext],
                files: Sequence[Path]) -> ReloadingContext:
        first = build()
        self = super().__new__(cls, first.protocol)
        self._build, self._files = build, tuple(files)
        self._stamps, self._current = self._stamps_now(), first
        self.verify_mode = first.verify_mode
        return self

    def __init__(self, build: Callable[[], ssl.SSLContext], files: Sequence[Path]) -> None:
        pass  # everything happens in __new__ (ssl.SSLContext is built there)

    def _stamps_now(self) -> tuple[Stamp, ...]:
        return tuple(_stamp(path) for path in self._files)

    def current(self) -> ssl.SSLContext:
        """The context for a new connection, rebuilt first if a file changed on disk."""
        stamps = self._stamps_now()
        if stamps != self._stamps:
            self._stamps = stamps
            try:
                self._current = self._build()
            except (OSError, ssl.SSLError, ValueError) as error:
                log.warning("TLS files changed but could not be loaded (%s); keeping the "
                            "previous ones until they change again", error)
        return self._current

    def wrap_bio(self, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO,
                 server_side: bool = False, server_hostname: str | bytes | None = None,
                 session: ssl.SSLSession | None = None) -> ssl.SSLObject:
        return self.current().wrap_bio(incoming, outgoing, server_side=server_side,
                                       server_hostname=server_hostname, session=session)

    def wrap_socket(self, sock: socket.socket, server_side: bool = False,
                    do_handshake_on_connect: bool = True, suppress_ragged_eofs: bool = True,
                    server_hostname: str | bytes | None = None,
                    session: ssl.SSLSession | None = None) -> ssl.SSLSocket:
        return self.current().wrap_socket(
            sock, server_side=server_side, do_handshake_on_connect=do_handshake_on_connect,
            suppress_ragged_eofs=suppress_ragged_eofs, server_hostname=server_hostname,
            session=session)

    def __reduce__(self) -> Any:  # an SSLContext cannot be pickled; neither can this
        raise TypeError("cannot pickle a ReloadingContext")
