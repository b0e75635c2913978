"""Security review (issue 16) item 7, on the gateway's node-facing listener itself
(``run_inbox_listener``) and the node's link (``HttpGatewayLink`` with ``node_tls_context``):
a region certificate revoked after the listener started no longer gets ``GET /decisions``;
a CRL renewed on disk after the old one's nextUpdate is used with no restart."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from certs.authority import CertificateAuthority, utc_now
from certs.dev import ensure_dev_pki
from certs.identity import Identity
from certs.revocation import CRL_VALIDITY, RevocationReason
from gateway.adapters.database import Database
from gateway.inbox.http import build_sync, run_inbox_listener
from regional_node.adapters.gateway_link import (
    Answer,
    HttpGatewayLink,
    LinkDown,
    node_tls_context,
)


async def decisions(url: str, pki_root: Path, region: str) -> Answer | LinkDown:
    """One ``GET /decisions`` on a new connection (a new link, the context made afresh)."""
    async with HttpGatewayLink(url, node_tls_context(pki_root, region), timeout_s=10) as link:
        try:
            return await link.fetch_decisions(10)
        except LinkDown as down:
            return down


async def test_revoked_after_start_and_crl_renewed_after_nextupdate(gateway_db: Database,
                                                                    tmp_path: Path):
    root = ensure_dev_pki(tmp_path / "pki", regions=("32.73", "35.78")).layout.root
    authority = CertificateAuthority.open(root)
    authority.publish_crl(now=utc_now() - CRL_VALIDITY + timedelta(seconds=2))
    async with run_inbox_listener(build_sync(gateway_db, root, None), root,
                                  "127.0.0.1", 0) as runner:
        url = f"https://localhost:{runner.addresses[0][1]}"
        link = HttpGatewayLink(url, node_tls_context(root, "35.78"), timeout_s=10)
        async with link:  # one context and one pool for the whole test, as a relay keeps
            assert (await link.fetch_decisions(10)).status == 200
            assert (await decisions(url, root, "32.73")).status == 200  # type: ignore[union-attr]
            await asyncio.sleep(2.5)  # the CRL the listener started with is now past nextUpdate
            assert isinstance(await decisions(url, root, "32.73"), LinkDown)
            authority.publish_crl()  # renewed on disk; nothing restarted
            assert (await decisions(url, root, "32.73")).status == 200  # type: ignore[union-attr]
            authority.revoke_holder(Identity.region("32.73"), RevocationReason.KEY_COMPROMISE)
            assert isinstance(await decisions(url, root, "32.73"), LinkDown)
            assert (await link.fetch_decisions(10)).status == 200
