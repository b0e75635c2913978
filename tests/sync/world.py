"""A gateway node-facing listener and a node relay, wired over real mutual TLS on loopback,
with the faults the sync must survive: the gateway dying before or after it commits (the
acknowledgement lost), being down, and a flapping link (tests.sync.proxy)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select

from certs.envelope import canonical_json
from certs.identity import Identity
from certs.signing import SigningCredentials
from gateway.adapters.database import Database as GatewayDatabase
from gateway.adapters.orm import NationalRecord
from gateway.federation.directory import NikDirectoryKey
from gateway.inbox.http import build_sync, create_inbox_app, inbox_tls
from regional_node.adapters.database import Database
from regional_node.adapters.gateway_link import HttpGatewayLink, node_tls_context
from regional_node.adapters.orm import OutboxMessage
from regional_node.domain.audit import Actor
from regional_node.domain.sync import Backoff
from regional_node.service_layer.outbox import queue_submission
from regional_node.service_layer.relay import Relay
from regional_node.service_layer.unit_of_work import UnitOfWork

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DINSOS = Actor("test:dinsos", "DINSOS")
SECRET = NikDirectoryKey.from_secret("sync-test-directory-secret-0123456789")


@dataclass
class GatewayFaults:
    before_commit: float = 0.0  # probability the gateway dies before storing
    after_commit: float = 0.0  # probability it dies after storing, before answering
    rng: random.Random = field(default_factory=lambda: random.Random(11))
    killed: int = 0


@dataclass
class GatewayServer:
    database: GatewayDatabase
    pki_root: Path
    faults: GatewayFaults = field(default_factory=GatewayFaults)
    runner: web.AppRunner | None = None
    port: int = 0

    async def start(self) -> str:
        services = build_sync(self.database, self.pki_root, SECRET)
        app = create_inbox_app(services)
        app.middlewares.append(self._middleware())
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port,
                           ssl_context=inbox_tls(self.pki_root))
        await site.start()
        self.port = self.runner.addresses[0][1]
        return self.url

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def _middleware(self) -> Any:
        faults = self.faults

        @web.middleware
        async def crash(request: web.Request, handler: Handler) -> web.StreamResponse:
            if faults.rng.random() < faults.before_commit:
                faults.killed += 1
                assert request.transport is not None
                request.transport.abort()  # died before reading the message
                raise web.HTTPServiceUnavailable()
            response = await handler(request)
            if faults.rng.random() < faults.after_commit:
                faults.killed += 1
                assert request.transport is not None
                request.transport.abort()  # stored, but the acknowledgement is lost
            return response

        return crash


def node_link(pki_root: Path, url: str, region: str = "32.73",
              timeout_s: float = 5.0) -> HttpGatewayLink:
    return HttpGatewayLink(url, node_tls_context(pki_root, region), timeout_s=timeout_s)


def relay(database: Database, link: HttpGatewayLink, pki_root: Path,
          region: str = "32.73", **kwargs: Any) -> Relay:
    from certs.reloading import ReloadingTrust
    from regional_node.service_layer.outbox import PkiSigner

    return Relay(database, link, region, signer=PkiSigner(pki_root, region),
                 trust=ReloadingTrust(pki_root), backoff=Backoff(0.001, 0.01),
                 rng=random.Random(3), **kwargs)


async def queue(database: Database, records: list[dict[str, Any]],
                signer: SigningCredentials, now: dt.datetime | None = None) -> str:
    async with UnitOfWork(database, DINSOS) as uow:
        row = await queue_submission(uow, records, signer=signer, now=now)
        await uow.commit()
    return row.message_id


def signer_of(pki_root: Path, region: str = "32.73") -> SigningCredentials:
    return SigningCredentials.load(pki_root, Identity.region(region))


def record_digest(record: dict[str, Any]) -> str:
    import hashlib

    return hashlib.sha256(canonical_json(record)).hexdigest()


async def node_side(database: Database) -> dict[str, str]:
    """Every record the node signed, by id → digest (from its outbox envelopes)."""
    async with database.reader() as session:
        envelopes = (await session.execute(select(OutboxMessage.envelope))).scalars().all()
    found: dict[str, str] = {}
    for text in envelopes:
        for record in json.loads(text)["message"]["records"]:
            assert record["id"] not in found, f"record {record['id']} queued twice"
            found[record["id"]] = record_digest(record)
    return found


async def gateway_side(database: GatewayDatabase, region: str = "32.73") -> dict[str, str]:
    async with database.reader() as session:
        rows = (await session.execute(select(NationalRecord).where(
            NationalRecord.region == region))).scalars().all()
    return {row.record_id: record_digest(row.payload) for row in rows}
