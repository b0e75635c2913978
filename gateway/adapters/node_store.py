"""The node registry table: register, remove, list, and record what health probes saw."""

from __future__ import annotations

from sqlalchemy import delete, select

from gateway.adapters.database import Database
from gateway.adapters.orm import RegisteredNode as NodeRow
from gateway.adapters.orm import RollupSnapshot, utcnow
from gateway.errors import UnknownNode
from gateway.federation.model import NodeStatus, RegisteredNode


def _from_row(row: NodeRow) -> RegisteredNode:
    return RegisteredNode(region=row.region, url=row.url, status=NodeStatus(row.status),
                          refused_reason=row.refused_reason, schema_version=row.schema_version,
                          certificate_fingerprint=row.certificate_fingerprint,
                          last_seen=row.last_seen, latency_ms=row.latency_ms,
                          outbox_backlog=row.outbox_backlog, last_error=row.last_error)


class NodeStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def add(self, region: str, url: str) -> RegisteredNode:
        """Register (or re-point) a node; its health is unknown until the next probe."""
        async with self.database.writer() as session, session.begin():
            row = await session.get(NodeRow, region)
            if row is None:
                row = NodeRow(region=region, url=url, status=NodeStatus.PENDING.value,
                              registered_at=utcnow())
                session.add(row)
            elif row.url != url:
                row.url = url
                row.status = NodeStatus.PENDING.value
                row.refused_reason = row.schema_version = row.certificate_fingerprint = None
            await session.flush()
            return _from_row(row)

    async def remove(self, region: str) -> None:
        async with self.database.writer() as session, session.begin():
            removed = await session.execute(delete(NodeRow).where(NodeRow.region == region))
            if not removed.rowcount:  # type: ignore[attr-defined]
                raise UnknownNode(f"no node is registered for {region}")
            await session.execute(delete(RollupSnapshot).where(RollupSnapshot.region == region))

    async def all(self) -> list[RegisteredNode]:
        async with self.database.reader() as session:
            rows = await session.execute(select(NodeRow).order_by(NodeRow.region))
            return [_from_row(row) for row in rows.scalars()]

    async def get(self, region: str) -> RegisteredNode | None:
        async with self.database.reader() as session:
            row = await session.get(NodeRow, region)
            return _from_row(row) if row is not None else None

    async def save_health(self, node: RegisteredNode) -> None:
        """Store what a probe found (status, version, latency, ...); the URL stays as is."""
        async with self.database.writer() as session, session.begin():
            row = await session.get(NodeRow, node.region)
            if row is None:
                return  # removed meanwhile
            row.status = node.status.value
            row.refused_reason = node.refused_reason
            row.schema_version = node.schema_version
            row.certificate_fingerprint = node.certificate_fingerprint
            row.last_seen = node.last_seen
            row.latency_ms = node.latency_ms
            row.outbox_backlog = node.outbox_backlog
            row.last_error = node.last_error
