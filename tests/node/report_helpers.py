"""A node for the community-report and offline tests: real app over HTTP, a clock the test
moves, principals set through the test hook of ``proposal_helpers`` (or none at all: the
anonymous public, exactly as the internet reaches the node)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Base
from regional_node.config import NodeConfig
from regional_node.entrypoints import app as node_app
from regional_node.entrypoints.graphql.clock import CLOCK
from regional_node.entrypoints.graphql.community_report_mutations import SUBMISSION_LIMIT
from regional_node.service_layer.clock import Clock
from schema.roles import Principal
from service_kit.ratelimit import Rate, TokenBuckets
from tests.node.proposal_helpers import HEADER, header_principal

START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"sanggah photo" * 20
BANDUNG = (-6.9147, 107.6098)  # inside Kota Bandung
JAKARTA = (-6.1754, 106.8272)  # in Indonesia, outside Kota Bandung


@dataclass
class ReportNode:
    client: TestClient
    database: Database
    clock: Clock

    async def call(self, principal: Principal | None, query: str,
                   **variables: Any) -> dict[str, Any]:
        """POST as ``principal`` (None: no credentials at all, the public)."""
        headers = {} if principal is None else {HEADER: json.dumps({
            "user_id": principal.user_id, "role": principal.role.value,
            "region": principal.region, "household_ids": list(principal.household_ids)})}
        response = await self.client.post("/graphql", json={"query": query,
                                                            "variables": variables},
                                          headers=headers)
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


async def report_node(database_url: str, aiohttp_client: Any, tmp_path: Path
                      ) -> AsyncIterator[ReportNode]:
    app = node_app.create_app(NodeConfig(region="32.73", db_url=database_url,
                                         data_dir=str(tmp_path / "node")),
                              principal_of=header_principal)
    clock = Clock(START)
    app[CLOCK] = clock
    app[SUBMISSION_LIMIT] = TokenBuckets(Rate(per_minute=600, burst=1000))
    client = await aiohttp_client(app)
    yield ReportNode(client, app[node_app.DATABASE], clock)


async def row_counts(database: Database) -> dict[str, int]:
    """How many rows each table holds."""
    counts = {}
    async with database.reader() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int((await session.execute(
                select(func.count()).select_from(table))).scalar_one())
    return counts
