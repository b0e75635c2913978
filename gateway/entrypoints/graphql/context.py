"""The per-request context: the gateway's services, who asks (a ``schema.roles.Principal``,
forwarded to every node; enforcement comes with the identity work), and the request's
federation scope (one deadline, the request id, what happened to each node call)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from gateway.federation.fanout import RequestScope
from gateway.service_layer.services import GatewayServices
from schema.roles import Principal


@dataclass
class GatewayContext:
    request: web.Request
    response: web.StreamResponse | None
    services: GatewayServices
    scope: RequestScope

    @property
    def principal(self) -> Principal:
        return self.scope.meta.principal
