"""The population registry (Dukcapil) in the node app (``cleanup_ctx``).

When ``SIKS_NODE_DUKCAPIL_URL`` is set, the app opens one DCI client for its lifetime, so that
submitting a proposal checks its NIKs at once, and a background task re-checks proposals left
waiting in SUBMITTED (the registry was slow or down) every ``SIKS_NODE_DUKCAPIL_RECHECK_S``
seconds (default 60). Without the variable the node runs as before: proposals wait in
SUBMITTED until a registry is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from aiohttp import web

from regional_node.adapters.dukcapil_dci import ENV_PREFIX, DciDukcapilClient, DukcapilConfig
from regional_node.entrypoints.graphql.mutations import POPULATION_REGISTRY
from regional_node.service_layer.proposal_nik_check import check_waiting_proposals
from service_kit.settings import Env

log = logging.getLogger("siks.node.dukcapil")
DEFAULT_RECHECK_S = 60.0


def recheck_interval(environ: Mapping[str, str] | None = None) -> float:
    """``SIKS_NODE_DUKCAPIL_RECHECK_S``: seconds between re-checks of waiting proposals."""
    return Env.of(ENV_PREFIX, environ).number("recheck_s", DEFAULT_RECHECK_S, positive=True)


def registry_configured(environ: Mapping[str, str] | None = None) -> bool:
    return Env.of(ENV_PREFIX, environ).text("url") is not None


async def _recheck_forever(app: web.Application, database_key: web.AppKey[Any],
                           client: DciDukcapilClient, interval: float,
                           stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            run = await check_waiting_proposals(app[database_key], client)
            if run.checked or run.postponed:
                log.info("NIK re-check: %d checked, %d still waiting",
                         len(run.checked), len(run.postponed))
        except Exception:  # keep the loop alive; the next round tries again
            log.exception("NIK re-check failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


def registry_ctx(database_key: web.AppKey[Any]
                 ) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        if not registry_configured() or POPULATION_REGISTRY in app:
            yield  # no registry configured, or one supplied by the caller
            return
        config, interval = DukcapilConfig.from_env(), recheck_interval()
        client = DciDukcapilClient(config)
        app[POPULATION_REGISTRY] = client
        stop = asyncio.Event()
        task = asyncio.create_task(
            _recheck_forever(app, database_key, client, interval, stop))
        log.info("population registry at %s, re-check every %.0f s", config.url, interval)
        try:
            yield
        finally:
            stop.set()
            await task
            await client.close()

    return ctx
