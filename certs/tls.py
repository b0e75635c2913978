"""``ssl`` contexts for mutual TLS between the gateway and the nodes.

Both sides present a TLS certificate from the national CA and check the other's, including the
CRL. Ed25519 certificates work with OpenSSL 3 in TLS 1.3, so no second key type is needed.
The peer's holder (region or gateway) comes from its certificate's URI SAN.
"""

from __future__ import annotations

import ssl

from cryptography import x509

from certs.errors import CertificateRejected
from certs.identity import Identity, identity_of
from certs.layout import TlsFiles


def server_context(tls: TlsFiles, *, require_client_certificate: bool = True) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _configure(context, tls)
    context.verify_mode = ssl.CERT_REQUIRED if require_client_certificate else ssl.CERT_OPTIONAL
    return context


def client_context(tls: TlsFiles) -> ssl.SSLContext:
    """Checks the server's name against its DNS/IP SANs (``localhost``/``127.0.0.1`` in dev)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    _configure(context, tls)
    return context


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
