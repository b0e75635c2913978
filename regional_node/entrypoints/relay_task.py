"""The relay as a background task of the node app (``cleanup_ctx``): registers the region's
signing key for approvals (the config's PKI directory: ``--pki-dir`` / ``SIKS_NODE_PKI_DIR``),
and when a gateway URL is set (``--gateway-url`` / ``SIKS_NODE_GATEWAY_URL``),
delivers the outbox, pulls decisions and sends checkpoints until the app stops. The node
serves and approves whether or not the gateway is reachable. See docs/sync.md."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from certs.reloading import ReloadingTrust
from regional_node.adapters.gateway_link import HttpGatewayLink, node_tls_context
from regional_node.service_layer.outbox import PkiSigner, forget_signer, use_signer
from regional_node.service_layer.relay import Relay
from regional_node.sync_config import SyncConfig

log = logging.getLogger("siks.node.relay")


def relay_ctx(config_key: web.AppKey[Any], database_key: web.AppKey[Any]
              ) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        config, database = app[config_key], app[database_key]
        if config.pki_dir is None:  # approvals may still find a signer through the
            yield                   # environment, when they happen (service_layer.outbox)
            return
        region, sync = config.region, SyncConfig.from_env()
        pki_dir, gateway_url = Path(config.pki_dir), config.gateway_url
        signer = PkiSigner(pki_dir, region)
        use_signer(database, signer)
        task: asyncio.Task[None] | None = None
        stop = asyncio.Event()
        link = None
        if gateway_url:
            link = HttpGatewayLink(gateway_url, node_tls_context(pki_dir, region))
            await link.__aenter__()
            relay = Relay(database, link, region, signer=signer,
                          trust=ReloadingTrust(pki_dir),
                          checkpoint_interval_s=sync.checkpoint_interval_s,
                          directory_key=sync.directory_key)
            task = asyncio.create_task(relay.run_forever(stop, sync.relay_interval_s))
            log.info("relay to %s started", gateway_url)
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if link is not None:
                await link.__aexit__(None, None, None)
            forget_signer(database)

    return ctx
