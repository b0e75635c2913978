"""The node's web pages (docs/web.md): login with the node's user accounts, and the
Operator Desa's households (list, search by name, detail), in Indonesian first.

Pages are a client of the node's own GraphQL schema: each handler runs an operation with
``schema.execute`` and the context the GraphQL view builds, as the session's principal, so
the field policy, the scope (an operator sees the desa's households only) and the read audit
are exactly those of ``/graphql``.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from cryptography.hazmat.primitives import serialization
from strawberry.schema.base import BaseSchema

from regional_node.adapters.database import Database
from regional_node.config import NodeConfig
from regional_node.entrypoints.graphql.context import NodeContext, make_loaders
from regional_node.entrypoints.http_security import PUBLIC_LIMIT, TOKEN_TRUST
from regional_node.entrypoints.web import (
    households,
    inbox,
    pendamping,
    proposals,
    quality,
    review,
    users,
)
from regional_node.service_layer.users import authenticate
from schema.errors import Unauthenticated
from schema.roles import Principal, Role
from schema.tokens import MAX_TOKEN_LIFETIME, claims_for
from service_kit import jwt
from service_kit.http_guards import rate_limited
from service_kit.web.login import Authenticate, Issue, add_login_routes
from service_kit.web.pages import Outcome, add_web_routes
from service_kit.web.session import session_key

RATE_LIMITED = Outcome(None, [{"extensions": {"code": "RATE_LIMITED"}}])


LANDING = {Role.PENDAMPING: "/web/verifikasi", Role.DINSOS: "/web/dinsos/usulan"}
"""Where a role lands after a login that names no page (an Operator Desa: the households)."""


def _session_secret(app: web.Application, config: NodeConfig) -> str:
    """The configured secret, else one derived from the node's token-signing key (which
    the node keeps across restarts), so sessions survive a restart without a new setting."""
    if config.web_session_key:
        return config.web_session_key
    raw = app[TOKEN_TRUST].own.private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption())
    return base64.b64encode(raw).decode("ascii")


def add_node_web(app: web.Application, schema: BaseSchema, config: NodeConfig,
                 database_key: web.AppKey[Database]) -> None:
    """Mount the node's pages under ``/web/``."""

    async def execute(request: web.Request, principal: Principal, document: str,
                      variables: Mapping[str, Any]) -> Outcome:
        if principal.role is Role.PUBLIC and rate_limited(
                request.app[PUBLIC_LIMIT], request, "requests without a token") is not None:
            return RATE_LIMITED
        database = request.app[database_key]
        context = NodeContext(request=request, response=None, database=database,
                              region=config.region, loaders=make_loaders(database),
                              principal=principal)
        result = await schema.execute(document, variable_values=dict(variables),
                                      context_value=context)
        return Outcome(result.data, [dict(error.formatted) for error in result.errors or []])

    async def verify(token: str) -> Principal | None:
        try:
            return await app[TOKEN_TRUST].verify(token)
        except Unauthenticated:
            return None

    def authenticate_of(request: web.Request) -> Authenticate:
        async def check(username: str, password: str) -> Principal:
            return await authenticate(request.app[database_key], username, password)

        return check

    def issue_of(request: web.Request) -> Issue:
        trust = request.app[TOKEN_TRUST]

        def issue(who: Principal) -> str:
            claims = claims_for(who, issuer=trust.issuer, audience=trust.audience,
                                now=dt.datetime.now(dt.UTC), lifetime=MAX_TOKEN_LIFETIME)
            return jwt.sign(claims, trust.own.private_key, kid=trust.own.kid)

        return issue

    add_web_routes(app, site="node", session_key=session_key(_session_secret(app, config)),
                   executor=execute, verify=verify)
    add_login_routes(app, authenticate_of, issue_of, "/web/rumah-tangga", LANDING)
    households.add_routes(app)
    pendamping.add_routes(app, database_key, config.region)  # field visits, offline
    proposals.add_routes(app)  # the Operator Desa's proposals
    inbox.add_routes(app)  # notifications and community reports
    review.add_routes(app)
    quality.add_routes(app)
    users.add_routes(app)
