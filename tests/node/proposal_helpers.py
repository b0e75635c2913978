"""Helpers for the proposal tests: who acts, the node with a sandbox Dukcapil, GraphQL calls
as a given principal, and a dump of the whole database to prove that refusals change nothing.

The principal is set through the app factory's seam for tests (``create_app(principal_of=…)``,
the gateway's too): a request without a bearer token is who its ``X-Test-Principal`` header
(JSON) says, else the public. A bearer token is still verified; ``serve`` never sets the seam.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditEntry, Base
from regional_node.config import NodeConfig
from regional_node.domain.records import HouseholdRecord, MemberRecord
from regional_node.entrypoints import app as node_app
from regional_node.entrypoints.graphql.mutations import POPULATION_REGISTRY
from schema.roles import ANONYMOUS, Principal, Role
from tests.registry.sandbox import Sandbox, running_sandbox

HEADER = "X-Test-Principal"

OPERATOR = Principal("op-bandung-1001", Role.OPERATOR_DESA, region="32.73.01.1001")
OTHER_OPERATOR = Principal("op-bandung-2001", Role.OPERATOR_DESA, region="32.73.02.1001")
PENDAMPING = Principal("pd-kec-01", Role.PENDAMPING, region="32.73.01")
OTHER_PENDAMPING = Principal("pd-kec-02", Role.PENDAMPING, region="32.73.02")
DINSOS = Principal("dinsos-bandung", Role.DINSOS, region="32.73")
OTHER_DINSOS = Principal("dinsos-surabaya", Role.DINSOS, region="35.78")
KEMENSOS = Principal("kemensos-1", Role.KEMENSOS)
PUBLIC = Principal("anonymous", Role.PUBLIC)

MINUTES_PDF = b"%PDF-1.4\n% berita acara musyawarah desa\n%%EOF\n"


def header_principal(request: web.Request) -> Principal:
    """Who a tokenless test request is: its ``X-Test-Principal`` header, else the public."""
    raw = request.headers.get(HEADER)
    if raw is None:
        return ANONYMOUS
    data = json.loads(raw)
    return Principal(data["user_id"], Role(data["role"]), data.get("region"),
                     household_ids=tuple(data.get("household_ids", ())))


@dataclass
class Node:
    client: TestClient
    database: Database
    sandbox: Sandbox

    async def call(self, principal: Principal, query: str, **variables: Any) -> dict[str, Any]:
        header = json.dumps({"user_id": principal.user_id, "role": principal.role.value,
                             "region": principal.region,
                             "household_ids": list(principal.household_ids)})
        response = await self.client.post("/graphql", json={"query": query,
                                                            "variables": variables},
                                          headers={HEADER: header})
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


async def running_node(database_url: str, aiohttp_client: Any, tmp_path: Path
                       ) -> AsyncIterator[Node]:
    async with running_sandbox(tmp_path) as sandbox:
        registry = sandbox.client()
        app = node_app.create_app(NodeConfig(region="32.73", db_url=database_url,
                                             data_dir=str(tmp_path / "node")),
                                  principal_of=header_principal)
        app[POPULATION_REGISTRY] = registry
        client = await aiohttp_client(app)
        try:
            yield Node(client, app[node_app.DATABASE], sandbox)
        finally:
            await registry.close()


def member_input(member: MemberRecord) -> dict[str, Any]:
    return {"nik": member.nik, "name": member.name, "birthDate": member.birth_date.isoformat(),
            "sex": member.sex.value, "relationship": member.relationship.value}


def household_input(record: HouseholdRecord) -> dict[str, Any]:
    return {"kkNumber": record.kk_number, "desaCode": record.desa_code,
            "address": record.address, "desil": record.desil,
            "members": [member_input(m) for m in record.members]}


async def upload_minutes(node: Node, principal: Principal = OPERATOR,
                         content: bytes = MINUTES_PDF) -> str:
    body = await node.call(principal, """
        mutation($c: String!) { uploadAttachment(contentBase64: $c, mediaType: "application/pdf",
                                                 filename: "ba-musdes.pdf") { sha256 } }""",
                           c=base64.b64encode(content).decode())
    assert "errors" not in body, body
    sha: str = body["data"]["uploadAttachment"]["sha256"]
    return sha


PROPOSAL_FIELDS = """id kind state desaCode householdId reason version details
  nikChecks { nik outcome acceptable detail } musdes { minutesSha256 }
  history { action fromState toState actor role reason }"""

CREATE = f"""mutation($input: ProposalInput!) {{ createProposal(input: $input) {{
  {PROPOSAL_FIELDS} }} }}"""
SUBMIT = f"mutation($id: ID!) {{ submitProposal(id: $id) {{ {PROPOSAL_FIELDS} }} }}"
RESUBMIT = f"""mutation($id: ID!, $details: ProposalDetailsInput) {{
  resubmitProposal(id: $id, details: $details) {{ {PROPOSAL_FIELDS} }} }}"""
VERIFY = f"mutation($id: ID!) {{ verifyProposal(id: $id) {{ {PROPOSAL_FIELDS} }} }}"
REJECT = f"""mutation($id: ID!, $reason: String!) {{ rejectProposal(id: $id, reason: $reason) {{
  {PROPOSAL_FIELDS} }} }}"""
APPROVE = f"mutation($id: ID!) {{ approveProposal(id: $id) {{ {PROPOSAL_FIELDS} }} }}"


def data(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    value: dict[str, Any] = body["data"][field]
    return value


async def database_dump(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    dump: dict[str, list[tuple[Any, ...]]] = {}
    async with database.reader() as session:
        for table in Base.metadata.sorted_tables:
            rows = await session.execute(select(table).order_by(*table.primary_key.columns))
            dump[table.name] = [tuple(row) for row in rows]
    return dump


async def audit_length(database: Database) -> int:
    async with database.reader() as session:
        return int((await session.execute(select(func.count()).select_from(AuditEntry)))
                   .scalar_one())
