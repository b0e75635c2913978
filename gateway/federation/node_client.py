"""HTTP to the nodes: one pooled, keep-alive ``aiohttp`` session for every node, over mutual
TLS when the gateway has a certificate.

A call sends a GraphQL document with the remaining deadline (``X-SIKS-Deadline-Ms``), the
request id (``X-Request-Id``) and the user context, and turns every way it can go wrong into
one :class:`~gateway.errors.NodeCallError` subclass. Queries are retried on a transport failure
while budget remains; mutations never are (``retries=0``).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from certs.errors import CertificateRejected
from certs.identity import HolderKind, Identity, identity_of
from gateway.errors import (
    NodeCallError,
    NodeIncompatible,
    NodeQueryTooComplex,
    NodeTimeout,
    NodeUnavailable,
)
from gateway.federation.deadline import DEADLINE_HEADER, Deadline
from gateway.federation.user_context import UnsignedContextHeader, UserContextForwarder
from schema.roles import Principal

REQUEST_ID_HEADER = "X-Request-Id"
RETRY_BACKOFF_S = 0.05
# An idle connection to a node is kept this long. Longer than the health probe period (30 s by
# default) and than the gap between fan-outs, so each registered node keeps one warm TLS
# connection instead of a new handshake (~2 ms of gateway CPU) per fan-out. aiohttp's
# ``limit`` counts connections in use only, not idle ones: every node keeps its own.
KEEPALIVE_S = 120.0
_TRANSPORT_ERRORS = (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError, ssl.SSLError,
                     ConnectionError)


@dataclass(frozen=True, slots=True)
class CallMeta:
    """Who asks, for tracing and authorization at the node."""

    request_id: str
    principal: Principal
    # the public's own address, forwarded in the signed token so that a node's per-address
    # limits (usul, sanggah) count each citizen, not the gateway (None: not forwarded)
    client_address: str | None = None


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    identity: Identity
    fingerprint: str


@dataclass(frozen=True, slots=True)
class NodeAnswer:
    data: dict[str, Any]
    peer: PeerCertificate | None  # the node's TLS certificate, when called over mTLS


@functools.lru_cache(maxsize=4096)
def _peer_from_der(der: bytes) -> PeerCertificate:
    from cryptography import x509

    return PeerCertificate(identity_of(x509.load_der_x509_certificate(der)),
                           hashlib.sha256(der).hexdigest())


PeerKey = tuple[str | None, int | None]


class _PeerRecordingConnector(aiohttp.TCPConnector):
    """Remembers the certificate each new TLS connection presented, per host and port, so a
    call can check it names the region the node is registered for (a pooled connection is
    checked once, when it is made)."""

    def __init__(self, *, peers: dict[PeerKey, PeerCertificate | str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._peers = peers

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:  # noqa: ASYNC109
        protocol = await super()._create_connection(req, traces, timeout)
        transport = protocol.transport
        ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
        key = (req.url.host, req.url.port)
        if ssl_object is None:
            self._peers[key] = "the node answered without TLS"
        else:
            try:
                self._peers[key] = _peer_from_der(ssl_object.getpeercert(binary_form=True))
            except CertificateRejected as exc:
                self._peers[key] = f"unusable certificate: {exc.message}"
        return protocol


class NodeClient:
    """Owns the connection pool; open it in the app's ``cleanup_ctx``, close it after.

    ``pool_size``: connections in use at once, in all and per node (the gateway passes
    ``MAX_CONCURRENCY``, which its semaphore enforces anyway); idle ones are not limited."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, pool_size: int = 64,
                 keepalive_s: float = KEEPALIVE_S,
                 user_context: UserContextForwarder | None = None) -> None:
        self._ssl = ssl_context
        self._user_context = user_context or UnsignedContextHeader()
        self._pool_size = pool_size
        self._keepalive_s = keepalive_s
        self._session: aiohttp.ClientSession | None = None
        self._peers: dict[PeerKey, PeerCertificate | str] = {}

    @property
    def mutual_tls(self) -> bool:
        return self._ssl is not None

    async def open(self) -> None:
        connector = _PeerRecordingConnector(
            peers=self._peers, limit=self._pool_size, limit_per_host=self._pool_size,
            keepalive_timeout=self._keepalive_s,
            ssl=self._ssl if self._ssl is not None else True, ttl_dns_cache=300)
        self._session = aiohttp.ClientSession(connector=connector, raise_for_status=False,
                                              json_serialize=json.dumps)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("NodeClient.open() was not called")
        return self._session

    async def graphql(self, region: str, base_url: str, document: str,
                      variables: Mapping[str, Any] | None, *, deadline: Deadline,
                      meta: CallMeta, retries: int = 0) -> NodeAnswer:
        """``data`` of the node's answer (and the peer certificate seen), or a NodeCallError."""
        attempt = 0
        while True:
            try:
                return await self._graphql_once(region, base_url, document, variables,
                                                deadline=deadline, meta=meta)
            except NodeUnavailable:
                attempt += 1
                if attempt > retries or deadline.remaining() < 2 * RETRY_BACKOFF_S:
                    raise
                await asyncio.sleep(RETRY_BACKOFF_S * attempt)

    async def get_json(self, region: str, url: str, *, deadline: Deadline,
                       meta: CallMeta) -> tuple[int, dict[str, Any]]:
        """A plain GET (``/readyz``), bounded by the deadline; transport errors as above."""
        try:
            async with asyncio.timeout(deadline.remaining()):
                async with self.session.get(
                        url, headers=self._headers(region, deadline, meta)) as resp:
                    self._check_peer(region, resp)
                    body = await resp.json(content_type=None)
                    return resp.status, body if isinstance(body, dict) else {}
        except TimeoutError:
            raise NodeTimeout(region, "no answer before the deadline") from None
        except _TRANSPORT_ERRORS as exc:
            raise NodeUnavailable(region, _describe(exc)) from None
        except ValueError:
            raise NodeCallError(region, "the node sent something that is not JSON") from None

    async def _graphql_once(self, region: str, base_url: str, document: str,
                            variables: Mapping[str, Any] | None, *, deadline: Deadline,
                            meta: CallMeta) -> NodeAnswer:
        if deadline.expired():
            raise NodeTimeout(region, "the deadline ran out before the call")
        payload = {"query": document, "variables": dict(variables or {})}
        try:
            async with asyncio.timeout(deadline.remaining()):
                async with self.session.post(base_url.rstrip("/") + "/graphql", json=payload,
                                             headers=self._headers(region, deadline, meta)
                                             ) as resp:
                    peer = self._check_peer(region, resp)
                    status = resp.status
                    text = await resp.text()
        except TimeoutError:
            raise NodeTimeout(region, "no answer before the deadline") from None
        except _TRANSPORT_ERRORS as exc:
            raise NodeUnavailable(region, _describe(exc)) from None
        return NodeAnswer(_parse_answer(region, status, text), peer)

    def _headers(self, region: str, deadline: Deadline, meta: CallMeta) -> dict[str, str]:
        return {DEADLINE_HEADER: str(deadline.forwarded_ms()), REQUEST_ID_HEADER: meta.request_id,
                **self._user_context.headers(region, meta.principal, meta.client_address)}

    def _check_peer(self, region: str, resp: aiohttp.ClientResponse) -> PeerCertificate | None:
        """Over mTLS the node's certificate must name the region it is registered for."""
        if self._ssl is None:
            return None
        peer = self._peers.get((resp.url.host, resp.url.port))
        if peer is None:
            return None  # plain http:// registration (refused in production by config)
        if isinstance(peer, str):
            raise NodeIncompatible(region, peer)
        if peer.identity.kind is not HolderKind.REGION or peer.identity.id != region:
            raise NodeIncompatible(region, f"the node's certificate names {peer.identity.id}, "
                                           f"not {region}")
        return peer


def _parse_answer(region: str, status: int, text: str) -> dict[str, Any]:
    if status == 504:
        raise NodeTimeout(region, "the node gave up at the forwarded deadline")
    if status >= 500:
        raise NodeUnavailable(region, f"HTTP {status}")
    try:
        body = json.loads(text)
    except ValueError:
        raise NodeCallError(region, f"HTTP {status}, not a GraphQL answer") from None
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors:
        first = errors[0] if isinstance(errors[0], dict) else {}
        extensions = first.get("extensions")
        extensions = extensions if isinstance(extensions, dict) else {}
        code = extensions.get("code")
        refusal = NodeQueryTooComplex if code == NodeQueryTooComplex.code else NodeCallError
        raise refusal(region, str(first.get("message", "error")), node_code=code,
                      node_extensions=extensions)
    data = body.get("data") if isinstance(body, dict) else None
    if status != 200 or not isinstance(data, dict):
        raise NodeCallError(region, f"HTTP {status} without data")
    return data


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return text if len(text) < 200 else text[:197] + "..."
