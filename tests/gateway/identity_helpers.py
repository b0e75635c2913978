"""Gateway tests with real identities: tokens from the gateway's own issuer, a gateway app
that takes the principal only from them (no test hook), and GraphQL posts as a principal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from certs.dev import DevPki
from gateway.entrypoints.app import create_app
from gateway.identity.http import TOKENS
from schema.roles import Principal, Role
from schema.tokens import ACCESS_TOKEN_LIFETIME
from tests.gateway.cluster import NodeCluster
from tests.gateway.conftest import gateway_config

KEMENSOS = Principal("user:kemensos", Role.KEMENSOS)
MITRA = Principal("user:mitra-kementan", Role.MITRA, programs=("PKH",))
DINSOS_BANDUNG = Principal("user:dinsos-3273", Role.DINSOS, "32.73")


def token_for(client: TestClient, principal: Principal, *,
              lifetime: dt.timedelta = ACCESS_TOKEN_LIFETIME,
              now: dt.datetime | None = None) -> str:
    """A real token from the gateway's login issuer (the key /auth/login signs with)."""
    return client.app[TOKENS].issue(principal, now=now, lifetime=lifetime)


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token is not None else {}


async def gql_as(client: TestClient, query: str, principal: Principal | None, *,
                 headers: dict[str, str] | None = None, **variables: Any) -> dict[str, Any]:
    """POST ``query`` as ``principal`` (None: no token, the public)."""
    token = token_for(client, principal) if principal is not None else None
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers={**bearer(token), **(headers or {})})
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def secure_gateway(aiohttp_client: Any, tmp_path: Path, pki: DevPki,
                         cluster: NodeCluster | None = None, **overrides: object) -> TestClient:
    """A gateway as production runs it: the principal only from a verified token."""
    config = gateway_config(tmp_path, pki, cluster, **overrides)
    return await aiohttp_client(create_app(config, background=False))  # type: ignore[no-any-return]


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
