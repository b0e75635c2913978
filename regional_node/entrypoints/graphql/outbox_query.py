"""``outbox``: the signed submissions waiting for the gateway (docs/sync.md, "Backlog"), read
from :func:`regional_node.service_layer.outbox.backlog`. For Dinas Sosial of this node's
kab/kota (or its province) and Kemensos; everyone else is DENIED by the field policy."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.errors import OutOfScope
from regional_node.service_layer.outbox import backlog
from schema.scope import overlaps


@strawberry.type(description="The node's outbox of signed submissions to the gateway")
class OutboxBacklog:
    pending: int | None = strawberry.field(
        description="Messages not yet acknowledged by the gateway")
    pending_records: int | None = strawberry.field(description="Records in those messages")
    oldest_at: dt.datetime | None = strawberry.field(
        description="When the oldest pending message was approved")
    last_error: str | None = strawberry.field(
        description="Why the last delivery attempt failed (null when the outbox is empty)")
    next_attempt_at: dt.datetime | None = strawberry.field(
        description="When the relay tries the oldest pending message again (backoff)")
    delivered: int | None = strawberry.field(description="Messages acknowledged")
    refused: int | None = strawberry.field(
        description="Messages the gateway refused for good: fix the cause, re-approve")


@strawberry.type
class OutboxQuery:
    @strawberry.field(description="The backlog of signed submissions waiting for the gateway")
    async def outbox(self, info: Info[NodeContext, None]) -> OutboxBacklog | None:
        principal = info.context.principal
        if not overlaps(principal, info.context.region):
            raise OutOfScope(f"the outbox of {info.context.region} is outside your scope")
        state = await backlog(info.context.database)
        return OutboxBacklog(pending=state.pending, pending_records=state.pending_records,
                             oldest_at=state.oldest_at, last_error=state.last_error,
                             next_attempt_at=state.next_attempt_at, delivered=state.delivered,
                             refused=state.refused)
