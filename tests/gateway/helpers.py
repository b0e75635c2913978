"""Posting GraphQL to the gateway in tests; a determination as a node keeps it."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp.test_utils import TestClient


async def gql(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    assert response.status == 200, await response.text()
    return await response.json()


def error_codes(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    return sorted((e["extensions"]["code"], e["extensions"].get("region"))
                  for e in body.get("errors", []))


DECREE = {"number": "146/HUK/2026", "date": "2026-12-01", "period": "2026-12",
          "pdf_sha256": "d" * 64}


async def determined_at_the_node(database: Any, household_id: int, desa_code: str) -> str:
    """A proposal on the household determined by ``DECREE``, as a node keeps a national
    decision (the decree in the history's DETERMINE step); returns its id."""
    from regional_node.adapters import orm

    pid = str(uuid.uuid4())
    async with database.writer() as session, session.begin():
        session.add(orm.Proposal(
            id=pid, kind="GRADUATION", state="DETERMINED", desa_code=desa_code,
            household_id=household_id, details={"household_id": household_id, "reason": "-"},
            details_digest="0" * 64, created_by="op", created_role="OPERATOR_DESA"))
        await session.flush()
        session.add(orm.ProposalEvent(
            proposal_id=pid, action="DETERMINE", from_state="RECEIVED_NATIONAL",
            to_state="DETERMINED", actor="system:national-decision", role="SYSTEM",
            detail={"decree": DECREE}))
    return pid
