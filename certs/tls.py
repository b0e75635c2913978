"""``ssl`` contexts for mutual TLS between the gateway and the nodes.

Both sides present a TLS certificate from the national CA and check the other's, including the
CRL. Ed25519 certificates work with OpenSSL 3 in TLS 1.3, so no second key type is needed.
The peer's holder (region or gateway) comes from its certificate's URI SAN.

:func:`server_context` and :func:`client_context` follow the files on disk (a revocation, a
renewed CRL, a rotated certificate take effect on the next connection, no restart); the
``static_*`` ones read them once.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from cryptography import x509

from certs.errors import CertificateRejected
from certs.identity import Identity, identity_of
from certs.layout import TlsFiles
from certs.reloading import ReloadingContext


def server_context(tls: TlsFiles, *, require_client_certificate: bool = True) -> ssl.SSLContext:
    """For a listener (aiohttp ``TCPSite(..., ssl_context=...)``): reloads its certificate,
    key, CA and CRL when they change on disk (:class:`certs.reloading.ReloadingContext`), so a
    certificate revoked after start is refused on its next connection and a renewed CRL is used
    with no restart."""
    return ReloadingContext(
        lambda: static_server_context(tls, require_client_certificate=require_client_certificate),
        _watched(tls))


def client_context(tls: TlsFiles) -> ssl.SSLContext:
    """Checks the server's name against its DNS/IP SANs (``localhost``/``127.0.0.1`` in dev).
    Reloads like :func:`server_context`, for each new connection."""
    return ReloadingContext(lambda: static_client_context(tls), _watched(tls))


def static_server_context(tls: TlsFiles, *,
                          require_client_certificate: bool = True) -> ssl.SSLContext:
    """The files as they are now, never reloaded."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _configure(context, tls)
    context.verify_mode = ssl.CERT_REQUIRED if require_client_certificate else ssl.CERT_OPTIONAL
    return context


def static_client_context(tls: TlsFiles) -> ssl.SSLContext:
    """The files as they are now, never reloaded."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _configure(context, tls)
    return context


def _watched(tls: TlsFiles) -> tuple[Path, ...]:
    return (tls.certificate, tls.private_key, tls.ca_certificate, tls.crl)


def peer_identity(connection: ssl.SSLObject | ssl.SSLSocket) -> Identity:
    """The holder on the other end of an established connection."""
    der = connection.getpeercert(binary_form=True)
    if not der:
        raise CertificateRejected("the peer presented no certificate")
    return identity_of(x509.load_der_x509_certificate(der))


def _configure(context: ssl.SSLContext, tls: TlsFiles) -> None:
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.load_cert_chain(tls.certificate, tls.private_key)
    context.load_verify_locations(cafile=tls.ca_certificate)
    if tls.crl.exists():
        context.load_verify_locations(cafile=tls.crl)
        context.verify_flags |= ssl.VERIFY_CRL_CHECK_LEAF
