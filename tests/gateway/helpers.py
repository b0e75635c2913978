"""Posting GraphQL to the gateway in tests."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient


async def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status == 200, await response.text()
    return await response.json()


def error_codes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return sorted((e["extensions"]["code"], e["extensions"].get("region"))
                  for e in body.get("errors", []))
