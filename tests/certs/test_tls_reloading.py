"""Security review (issue 16) item 7: the mutual-TLS contexts follow the PKI directory.

Real aiohttp listeners (``TCPSite``) and clients (``TCPConnector``) on loopback, real
certificates and CRLs: a certificate revoked after the listener started is refused on its next
connection; a CRL that passes its ``nextUpdate`` while the listener runs refuses every
handshake (fail closed) until a renewed CRL is written, which is then used with no restart;
the same for the client side (the node's ``node_tls_context``)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from certs import CertificateAuthority, Identity, RevocationReason
from certs.authority import utc_now
from certs.revocation import CRL_VALIDITY
from certs.tls import peer_identity, server_context, static_server_context
from regional_node.adapters.gateway_link import node_tls_context

GATEWAY, BANDUNG, CIMAHI = Identity.gateway(), Identity.region("32.73"), Identity.region("32.77")
CRL_LEFT = 2.0  # seconds a short-lived CRL has left when it is published


async def who(request: web.Request) -> web.Response:
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    assert ssl_object is not None
    return web.Response(text=peer_identity(ssl_object).id)


async def listen(context: ssl.SSLContext) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_get("/", who)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    return runner, f"https://127.0.0.1:{runner.addresses[0][1]}/"


async def ask(url: str, context: ssl.SSLContext) -> str | Exception:
    """One request on a new connection: the peer the server saw, or what went wrong."""
    connector = aiohttp.TCPConnector(ssl=context, force_close=True)
    try:
        async with aiohttp.ClientSession(connector=connector,
                                         timeout=aiohttp.ClientTimeout(total=10)) as session, \
                session.get(url) as response:
            return await response.text()
    except (aiohttp.ClientError, ssl.SSLError, OSError) as error:
        return error


@pytest.fixture
def authority(pki_dir: Path) -> CertificateAuthority:
    authority = CertificateAuthority.create(pki_dir)
    for holder in (GATEWAY, BANDUNG, CIMAHI):
        authority.issue(holder)
    return authority


def short_lived_crl(authority: CertificateAuthority) -> None:
    """Re-sign the CRL so that its nextUpdate comes ``CRL_LEFT`` seconds from now."""
    authority.publish_crl(now=utc_now() - CRL_VALIDITY + timedelta(seconds=CRL_LEFT))


@pytest.fixture
async def gateway_listener(authority: CertificateAuthority) -> AsyncIterator[str]:
    runner, url = await listen(server_context(authority.layout.tls_files(GATEWAY)))
    yield url
    await runner.cleanup()


def node(authority: CertificateAuthority, holder: Identity) -> ssl.SSLContext:
    return node_tls_context(authority.layout.root, holder.id)


async def test_a_certificate_revoked_after_start_is_refused_on_its_next_connection(
        authority: CertificateAuthority, gateway_listener: str):
    bandung, cimahi = node(authority, BANDUNG), node(authority, CIMAHI)
    assert await ask(gateway_listener, bandung) == "32.73"
    authority.revoke_holder(BANDUNG, RevocationReason.KEY_COMPROMISE)
    assert isinstance(await ask(gateway_listener, bandung), Exception)
    assert await ask(gateway_listener, cimahi) == "32.77"  # the listener still serves others


async def test_a_crl_renewed_on_disk_after_nextupdate_keeps_handshakes_working(
        authority: CertificateAuthority):
    short_lived_crl(authority)  # what the listener starts with
    runner, url = await listen(server_context(authority.layout.tls_files(GATEWAY)))
    try:
        bandung = node(authority, BANDUNG)
        assert await ask(url, bandung) == "32.73"
        await asyncio.sleep(CRL_LEFT + 0.5)
        assert isinstance(await ask(url, bandung), Exception), "an expired CRL must fail closed"
        authority.publish_crl()  # the operator's renewal: fresh nextUpdate, no restart
        assert await ask(url, bandung) == "32.73"
        assert await ask(url, node(authority, CIMAHI)) == "32.77"
    finally:
        await runner.cleanup()


async def test_the_node_client_context_follows_the_crl_too(authority: CertificateAuthority):
    """The server here never reloads and checks no CRL: only the node's context decides."""
    plain = static_server_context(authority.layout.tls_files(GATEWAY))
    plain.verify_flags &= ~ssl.VERIFY_CRL_CHECK_LEAF
    short_lived_crl(authority)
    runner, url = await listen(plain)
    try:
        bandung = node(authority, BANDUNG)  # made once, as the relay does
        assert await ask(url, bandung) == "32.73"
        await asyncio.sleep(CRL_LEFT + 0.5)
        assert isinstance(await ask(url, bandung), ssl.SSLError | aiohttp.ClientError)
        authority.publish_crl()
        assert await ask(url, bandung) == "32.73"
        authority.revoke_holder(GATEWAY, RevocationReason.KEY_COMPROMISE)
        refused = await ask(url, bandung)
        assert isinstance(refused, aiohttp.ClientConnectorCertificateError), refused
    finally:
        await runner.cleanup()

