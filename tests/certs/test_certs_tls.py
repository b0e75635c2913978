"""Mutual TLS on loopback with the national CA's Ed25519 certificates, CRL included."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from certs import CertificateAuthority, Identity, RevocationReason
from certs.layout import TlsFiles
from certs.tls import client_context, peer_identity, server_context

Outcome = Identity | Exception


def connect(server: TlsFiles, client: TlsFiles) -> tuple[Outcome, Outcome]:
    """One connection; what the server and the client each saw (a peer, or an error)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)
    server_outcome: list[Outcome] = []

    def serve() -> None:
        connection, _ = listener.accept()
        try:
            with server_context(server).wrap_socket(connection, server_side=True) as tls:
                server_outcome.append(peer_identity(tls))
                tls.sendall(b"ok")
        except (ssl.SSLError, OSError) as error:
            server_outcome.append(error)

    thread = threading.Thread(target=serve)
    thread.start()
    client_outcome: Outcome
    try:
        raw = socket.create_connection(listener.getsockname(), timeout=5)
        with client_context(client).wrap_socket(raw, server_hostname="localhost") as tls:
            assert tls.recv(2) == b"ok"
            assert tls.version() == "TLSv1.3"
            client_outcome = peer_identity(tls)
    except (ssl.SSLError, OSError) as error:
        client_outcome = error
    finally:
        thread.join(timeout=5)
        listener.close()
    return server_outcome[0], client_outcome


@pytest.fixture
def gateway_and_node(
    authority: CertificateAuthority, bandung: Identity
) -> tuple[TlsFiles, TlsFiles]:
    authority.issue(Identity.gateway())
    authority.issue(bandung)
    layout = authority.layout
    return layout.tls_files(Identity.gateway()), layout.tls_files(bandung)


def test_gateway_and_node_authenticate_each_other(
    gateway_and_node: tuple[TlsFiles, TlsFiles], bandung: Identity
) -> None:
    gateway, node = gateway_and_node
    assert connect(server=gateway, client=node) == (bandung, Identity.gateway())
    assert connect(server=node, client=gateway) == (Identity.gateway(), bandung)


def test_a_revoked_node_cannot_connect(
    authority: CertificateAuthority,
    gateway_and_node: tuple[TlsFiles, TlsFiles],
    bandung: Identity,
) -> None:
    gateway, node = gateway_and_node
    authority.revoke_holder(bandung, RevocationReason.KEY_COMPROMISE)

    seen_by_gateway, seen_by_node = connect(server=gateway, client=node)

    assert isinstance(seen_by_gateway, ssl.SSLError)
    assert "certificate revoked" in str(seen_by_gateway)
    assert isinstance(seen_by_node, OSError)


def test_a_client_from_another_ca_cannot_connect(
    gateway_and_node: tuple[TlsFiles, TlsFiles], bandung: Identity, tmp_path: Path
) -> None:
    gateway, _ = gateway_and_node
    foreign = CertificateAuthority.create(tmp_path / "foreign")
    foreign.issue(bandung)

    seen_by_gateway, seen_by_client = connect(
        server=gateway, client=foreign.layout.tls_files(bandung)
    )

    assert isinstance(seen_by_gateway, ssl.SSLError)
    assert isinstance(seen_by_client, OSError)
