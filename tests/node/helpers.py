"""Helpers for node tests: store households through the real service layer, mint real tokens,
post GraphQL (as Dinas Sosial of 32.73 unless told otherwise)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from aiohttp.test_utils import TestClient

from regional_node.adapters.database import Database
from regional_node.domain.audit import Actor
from regional_node.domain.records import HouseholdRecord
from regional_node.entrypoints.http_security import TOKEN_TRUST
from regional_node.service_layer.registry import register_households
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.roles import Principal, Role
from schema.tokens import ACCESS_TOKEN_LIFETIME, claims_for
from service_kit import jwt

TEST_ACTOR = Actor("test:operator", "DINSOS")


async def store(database: Database, records: Sequence[HouseholdRecord],
                region: str = "32.73") -> list[int]:
    async with UnitOfWork(database, TEST_ACTOR) as uow:
        ids = await register_households(uow, records, region)
        await uow.commit()
    return ids


def token_for(client: TestClient, principal: Principal, *,
              lifetime: dt.timedelta = ACCESS_TOKEN_LIFETIME,
              now: dt.datetime | None = None) -> str:
    """A real token from the node's own issuer (the key login signs with)."""
    trust = client.app[TOKEN_TRUST]
    claims = claims_for(principal, issuer=trust.issuer, audience=trust.audience,
                        now=now or dt.datetime.now(dt.UTC), lifetime=lifetime)
    return jwt.sign(claims, trust.own.private_key, kid=trust.own.kid)


DINSOS_BANDUNG = Principal("user:dinsos-bandung", Role.DINSOS, "32.73")


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token is not None else {}


async def gql(client: TestClient, query: str, *, principal: Principal | None = DINSOS_BANDUNG,
              headers: dict[str, str] | None = None, **variables: Any) -> dict[str, Any]:
    """POST a query as ``principal`` (default: Dinas Sosial of 32.73; None: no token)."""
    token = token_for(client, principal) if principal is not None else None
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers={**bearer(token), **(headers or {})})
    assert response.status == 200, await response.text()
    return await response.json()


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
