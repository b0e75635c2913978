"""The per-request context: the gateway's services, who asks (a ``schema.roles.Principal``
from a verified bearer token, forwarded to every node in a token the gateway signs), the
request's federation scope (one deadline, the request id, what happened to each node call),
and what the field policy needs (strict mode, the reads to audit)."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from gateway.federation.fanout import RequestScope
from gateway.service_layer.services import GatewayServices
from schema.roles import Principal
from service_kit.graphql_policy import ReadLog


@dataclass
class GatewayContext:
    request: web.Request
    response: web.StreamResponse | None
    services: GatewayServices
    scope: RequestScope
    strict: bool = False  # X-SIKS-Strict: 1 — refuse an operation selecting a DENIED field
    reads: ReadLog = field(default_factory=ReadLog)

    @property
    def principal(self) -> Principal:
        return self.scope.meta.principal
