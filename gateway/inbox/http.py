"""The node-facing listener: ``POST /inbox``, ``GET /decisions``, ``POST /decisions/ack``,
``POST /checkpoints``, over mutual TLS only. The caller's region is its TLS certificate's
(``certs.tls.peer_identity``); a submission must be signed by that same region.

Separate from the public GraphQL listener: its own port (``SIKS_GATEWAY_INBOX_PORT``, 8443),
its own body limit (a backlog message may carry thousands of records).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from certs.errors import CertificateRejected
from certs.identity import HolderKind, Identity
from certs.layout import PkiLayout
from certs.signing import SigningCredentials
from certs.tls import peer_identity, server_context
from gateway.adapters.database import Database
from gateway.adapters.directory_store import DirectoryStore
from gateway.config import gateway_env
from gateway.federation.directory import NikDirectoryKey
from gateway.inbox.checkpoints import accept_checkpoint
from gateway.inbox.decisions import DecisionDesk
from gateway.inbox.submissions import Inbox
from gateway.inbox.trust import ReloadingTrust
from gateway.inbox.witness import PeriodicCheckpoints, witness_settings
from schema.errors import ConfigError

log = logging.getLogger("siks.gateway.inbox")

MAX_BODY_BYTES = 64 * 1024 * 1024
DEFAULT_INBOX_PORT = 8443


@dataclass
class SyncServices:
    inbox: Inbox
    desk: DecisionDesk
    directory: DirectoryStore


SYNC = web.AppKey("sync", SyncServices)


class GatewaySigner:
    """The gateway's current signing key, reloaded after a rotation."""

    def __init__(self, pki_dir: Path) -> None:
        self.layout = PkiLayout(Path(pki_dir))
        self._loaded: tuple[int, SigningCredentials] | None = None

    def __call__(self) -> SigningCredentials:
        path = self.layout.signing_certificate(Identity.gateway())
        stamp = os.stat(path).st_mtime_ns if path.exists() else -1
        if self._loaded is None or self._loaded[0] != stamp:
            self._loaded = (stamp, SigningCredentials.load(self.layout.root, Identity.gateway()))
        return self._loaded[1]


def build_sync(database: Database, pki_dir: Path,
               directory_key: NikDirectoryKey | None) -> SyncServices:
    return SyncServices(Inbox(database, ReloadingTrust(pki_dir), directory_key=directory_key),
                        DecisionDesk(database, GatewaySigner(pki_dir)), DirectoryStore(database))


def inbox_tls(pki_dir: Path) -> ssl.SSLContext:
    """Server side of the mTLS listener: the gateway's TLS certificate; clients must present
    one from the national CA that the CRL does not revoke."""
    return server_context(PkiLayout(Path(pki_dir)).tls_files(Identity.gateway()))


def _peer(request: web.Request, *, required: bool) -> str | None:
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    if ssl_object is None:
        if required:
            raise web.HTTPForbidden(text=_error("MTLS_REQUIRED", "mutual TLS is required"),
                                    content_type="application/json")
        return None
    try:
        identity = peer_identity(ssl_object)
    except CertificateRejected as exc:
        raise web.HTTPForbidden(text=_error(exc.code, exc.message),
                                content_type="application/json") from None
    if identity.kind is not HolderKind.REGION:
        raise web.HTTPForbidden(text=_error("NOT_A_NODE", f"{identity} is not a regional node"),
                                content_type="application/json")
    return identity.id


def _error(code: str, reason: str) -> str:
    return json.dumps({"status": "refused", "code": code, "reason": reason})


def _require_tls(request: web.Request) -> bool:
    return bool(request.app.get(REQUIRE_TLS, True))


REQUIRE_TLS = web.AppKey("require_tls", bool)


async def post_inbox(request: web.Request) -> web.Response:
    peer = _peer(request, required=_require_tls(request))
    outcome = await request.app[SYNC].inbox.submit(await request.read(), tls_peer=peer)
    return web.json_response(outcome.body(), status=outcome.status)


async def post_checkpoint(request: web.Request) -> web.Response:
    peer = _peer(request, required=_require_tls(request))
    outcome = await accept_checkpoint(request.app[SYNC].inbox, await request.read(),
                                      tls_peer=peer)
    return web.json_response(outcome.body(), status=outcome.status)


async def get_decisions(request: web.Request) -> web.Response:
    region = _peer(request, required=True)
    assert region is not None
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        limit = 50
    decisions = await request.app[SYNC].desk.pending(region, limit)
    return web.json_response({"decisions": decisions})


async def post_decisions_ack(request: web.Request) -> web.Response:
    region = _peer(request, required=True)
    assert region is not None
    try:
        body = json.loads(await request.read())
        results = body["results"]
        if not isinstance(results, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return web.json_response({"status": "refused", "code": "ACK_MALFORMED",
                                  "reason": "expected {\"results\": [...]}"}, status=400)
    done = await request.app[SYNC].desk.acknowledge(
        region, [r for r in results if isinstance(r, dict)])
    return web.json_response({"status": "ok", "acknowledged": done})


MAX_ANNOUNCED = 1_000


async def post_directory_announce(request: web.Request) -> web.Response:
    """``{"keys": [hex HMAC of a NIK, …]}`` (at most 1,000) from a node: the directory learns
    that the node holds them; a key held elsewhere too becomes a finding, signed down to the
    regions with the decisions. The answer counts the keys held elsewhere; it names no
    region (the notice does, signed)."""
    region = _peer(request, required=True)
    assert region is not None
    try:
        keys = json.loads(await request.read())["keys"]
        if not (isinstance(keys, list) and 0 < len(keys) <= MAX_ANNOUNCED
                and all(_is_key(k) for k in keys)):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return web.json_response({"status": "refused", "code": "ANNOUNCE_MALFORMED",
                                  "reason": "expected {\"keys\": [1 to 1000 NIK keys, 64 "
                                            "hexadecimal characters each]}"}, status=400)
    elsewhere = await request.app[SYNC].directory.announce(region, keys)
    return web.json_response({"status": "ok", "announced": len(set(keys)),
                              "heldElsewhere": len(elsewhere)})


def _is_key(value: object) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(
        c in "0123456789abcdef" for c in value)


def create_inbox_app(services: SyncServices, *, require_tls: bool = True) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[SYNC] = services
    app[REQUIRE_TLS] = require_tls
    app.router.add_post("/inbox", post_inbox)
    app.router.add_post("/checkpoints", post_checkpoint)
    app.router.add_get("/decisions", get_decisions)
    app.router.add_post("/decisions/ack", post_decisions_ack)
    app.router.add_post("/directory/announce", post_directory_announce)
    return app


@asynccontextmanager
async def run_inbox_listener(services: SyncServices, pki_dir: Path, host: str, port: int, *,
                             environ: Mapping[str, str] | None = None
                             ) -> AsyncIterator[web.AppRunner]:
    """Start the mTLS listener (``port`` 0: any free port, see ``runner.addresses``); yields
    its runner; cleans up after. ``siks gateway serve`` runs it beside the GraphQL port. With
    it, the gateway's audit chain is checkpointed to its witness file periodically
    (:mod:`gateway.inbox.witness`, ``SIKS_GATEWAY_AUDIT_WITNESS``,
    ``SIKS_GATEWAY_AUDIT_CHECKPOINT_INTERVAL_S``)."""
    witness, interval_s = witness_settings(pki_dir, environ)
    runner = web.AppRunner(create_inbox_app(services), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port, ssl_context=inbox_tls(pki_dir)).start()
    log.info("node inbox listening with mutual TLS on %s:%s", host, port)
    checkpoints = None
    if interval_s > 0:
        periodic = PeriodicCheckpoints(services.inbox.database, services.desk.signer,
                                       services.inbox.trust, witness, interval_s)
        checkpoints = asyncio.create_task(periodic.run())
        log.info("audit checkpoints every %.0f s to %s", interval_s, witness)
    try:
        yield runner
    finally:
        if checkpoints is not None:
            checkpoints.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checkpoints
        await runner.cleanup()


def inbox_port(environ: dict[str, str] | None = None) -> int:
    """``SIKS_GATEWAY_INBOX_PORT``: where nodes deliver signed submissions over mutual TLS."""
    port = gateway_env(environ).whole("inbox_port", DEFAULT_INBOX_PORT)
    if not 0 < port < 65536:
        raise ConfigError(f"SIKS_GATEWAY_INBOX_PORT: {port} is not a TCP port")
    return port
