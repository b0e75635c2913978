"""Helpers for node tests: store households through the real service layer, post GraphQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp.test_utils import TestClient

from regional_node.adapters.database import Database
from regional_node.domain.audit import Actor
from regional_node.domain.records import HouseholdRecord
from regional_node.service_layer.registry import register_households
from regional_node.service_layer.unit_of_work import UnitOfWork

TEST_ACTOR = Actor("test:operator", "DINSOS")


async def store(database: Database, records: Sequence[HouseholdRecord],
                region: str = "32.73") -> list[int]:
    async with UnitOfWork(database, TEST_ACTOR) as uow:
        ids = await register_households(uow, records, region)
        await uow.commit()
    return ids


async def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status == 200, await response.text()
    return await response.json()


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
