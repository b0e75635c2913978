"""The gateway part of ``siks demo``: a development PKI, an mTLS listener on every demo node,
and the national gateway over them (GraphiQL on plain HTTP on localhost).

Until logins reach the gateway (issue 6), the demo gateway treats every visitor as national
staff (KEMENSOS) and forwards that principal to the nodes in tokens it signs.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from aiohttp import web

from certs.dev import DevPki, ensure_dev_pki
from certs.identity import Identity
from certs.tls import server_context
from schema.roles import Principal, Role

DEMO_PRINCIPAL = Principal(user_id="demo:kemensos", role=Role.KEMENSOS)
MTLS_PORT_OFFSET = 100  # node 8101 serves the gateway over mTLS on 8201


def demo_pki(directory: Path, regions: tuple[str, ...]) -> DevPki:
    return ensure_dev_pki(directory / "pki", regions=regions)


def demo_principal(request: web.Request) -> Principal:
    return DEMO_PRINCIPAL


async def add_mtls_site(runner: web.AppRunner, pki: DevPki, region: str, host: str,
                        port: int) -> str:
    """A second listener on a node's runner, for the gateway only (client certificate
    required); the plain one stays for the developer's browser."""
    site = web.TCPSite(runner, host, port,
                       ssl_context=server_context(pki.tls(Identity.region(region))))
    await site.start()
    return f"https://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"


def directory_secret(directory: Path) -> str:
    """The NIK directory's HMAC key for the demo, made once and kept beside the data."""
    path = directory / "gateway-directory.secret"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        os.chmod(path, 0o600)
    return path.read_text().strip()


async def start_gateway(directory: Path, pki: DevPki, node_urls: dict[str, str], *,
                        host: str, port: int) -> web.AppRunner:
    from gateway.config import GatewayConfig
    from gateway.entrypoints.app import SERVICES, create_app, refresh_snapshots

    nodes_file = directory / "gateway-nodes.txt"
    nodes_file.write_text("".join(f"{region} {url}\n" for region, url in node_urls.items()))
    config = GatewayConfig(db_url=f"sqlite:///{directory / 'gateway.sqlite'}",
                           directory_secret=directory_secret(directory), host=host, port=port,
                           pki_dir=pki.layout.root, nodes_file=nodes_file)
    app = create_app(config, principal_of=demo_principal)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    await refresh_snapshots(app[SERVICES])  # rollups and NIK directory ready at once
    return runner
