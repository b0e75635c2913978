"""The node's link to the gateway's node-facing listener: HTTPS with mutual TLS (the node's
TLS certificate from the national CA; the gateway's checked against the same CA and CRL).

Every way the link can fail (refused connection, reset, TLS failure, timeout, a 5xx, an
answer that is not JSON) is one :class:`LinkDown`; any other answer comes back as
:class:`Answer` with its status, for the relay to judge.
"""

from __future__ import annotations

import json
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp

from certs.identity import Identity
from certs.layout import PkiLayout
from certs.tls import client_context

JSON_HEADERS = {"Content-Type": "application/json"}


class LinkDown(Exception):
    """The gateway could not be reached, or did not answer usefully: try again later."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class GatewayLink(Protocol):
    async def submit(self, envelope: str) -> Answer: ...

    async def fetch_decisions(self, limit: int) -> Answer: ...

    async def ack_decisions(self, results: list[dict[str, Any]]) -> Answer: ...

    async def checkpoint(self, envelope: str) -> Answer: ...

    async def announce_niks(self, keys: list[str]) -> Answer: ...


def node_tls_context(pki_dir: Path, region: str) -> ssl.SSLContext:
    """The node's mTLS client context from its PKI directory; each new connection uses the
    files as they are on disk then (a renewed CRL, a rotated key: no restart)."""
    return client_context(PkiLayout(Path(pki_dir)).tls_files(Identity.region(region)))


class HttpGatewayLink:
    """Open it (``async with``) for a pooled keep-alive session; one instance per relay."""

    def __init__(self, base_url: str, ssl_context: ssl.SSLContext | None, *,
                 timeout_s: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._ssl = ssl_context
        self._timeout = aiohttp.ClientTimeout(total=timeout_s, sock_connect=min(10, timeout_s))
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> HttpGatewayLink:
        connector = aiohttp.TCPConnector(ssl=self._ssl if self._ssl is not None else True,
                                         limit=4, keepalive_timeout=15)
        self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def submit(self, envelope: str) -> Answer:
        return await self._call("POST", "/inbox", envelope)

    async def fetch_decisions(self, limit: int) -> Answer:
        return await self._call("GET", f"/decisions?limit={int(limit)}")

    async def ack_decisions(self, results: list[dict[str, Any]]) -> Answer:
        return await self._call("POST", "/decisions/ack", json.dumps({"results": results}))

    async def checkpoint(self, envelope: str) -> Answer:
        return await self._call("POST", "/checkpoints", envelope)

    async def announce_niks(self, keys: list[str]) -> Answer:
        return await self._call("POST", "/directory/announce", json.dumps({"keys": keys}))

    async def _call(self, method: str, path: str, body: str | None = None) -> Answer:
        if self._session is None:
            raise RuntimeError("open the link first: async with HttpGatewayLink(...)")
        try:
            async with self._session.request(method, self.base_url + path,
                                             data=body.encode() if body is not None else None,
                                             headers=JSON_HEADERS) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError, ssl.SSLError, OSError) as exc:
            raise LinkDown(f"{exc.__class__.__name__}: {exc}"[:300] or "link down") from None
        if status >= 500 or status in (408, 425, 429):
            raise LinkDown(f"gateway answered HTTP {status}")
        try:
            parsed = json.loads(raw) if raw else {}
        except ValueError:
            raise LinkDown(f"gateway answered HTTP {status} with a body that is not JSON") \
                from None
        return Answer(status, parsed if isinstance(parsed, dict) else {"value": parsed})
