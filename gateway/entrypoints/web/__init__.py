"""The gateway's web pages (docs/web.md): the public's cekbansos, usul, sanggah and receipt
check, and the partner ministries' NIK file cross-check, in Indonesian first.

Pages are a client of the gateway's own GraphQL schema: each handler runs an operation with
``schema.execute`` and the context the GraphQL view builds, as the session's principal, so
the field policy, the audit and the node calls are exactly those of ``/graphql``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from strawberry.schema.base import BaseSchema

from gateway.config import GatewayConfig
from gateway.entrypoints.graphql.context import GatewayContext
from gateway.entrypoints.web import kemensos, partner, partner_jobs, public
from gateway.federation.deadline import Deadline
from gateway.federation.fanout import RequestScope
from gateway.federation.node_client import CallMeta
from gateway.identity.http import PUBLIC_LIMIT, TOKENS
from gateway.service_layer.services import GatewayServices
from schema.errors import Unauthenticated
from schema.roles import Principal, Role
from service_kit.http_guards import rate_limited
from service_kit.logs import REQUEST_ID
from service_kit.web.pages import Outcome, add_web_routes
from service_kit.web.session import session_key

RATE_LIMITED = Outcome(None, [{"extensions": {"code": "RATE_LIMITED"}}])


def add_gateway_web(app: web.Application, schema: BaseSchema, config: GatewayConfig,
                    services_key: web.AppKey[GatewayServices]) -> None:
    """Mount the gateway's pages under ``/web/``."""

    async def execute(request: web.Request, principal: Principal, document: str,
                      variables: Mapping[str, Any]) -> Outcome:
        if principal.role is Role.PUBLIC and rate_limited(
                request.app[PUBLIC_LIMIT], request, "requests without a token") is not None:
            return RATE_LIMITED
        meta = CallMeta(request_id=REQUEST_ID.get() or "-", principal=principal)
        context = GatewayContext(request=request, response=None,
                                 services=request.app[services_key],
                                 scope=RequestScope(Deadline.after_ms(config.deadline_ms), meta))
        result = await schema.execute(document, variable_values=dict(variables),
                                      context_value=context)
        return Outcome(result.data, [dict(error.formatted) for error in result.errors or []])

    async def verify(token: str) -> Principal | None:
        try:
            return await app[TOKENS].verify(token)
        except Unauthenticated:
            return None

    add_web_routes(app, site="gateway", session_key=session_key(config.web_session_secret),
                   executor=execute, verify=verify)
    public.add_routes(app)
    partner.add_routes(app, lambda application: application[services_key].database)
    partner_jobs.add_routes(app, lambda application: application[services_key])
    kemensos.add_routes(app)
