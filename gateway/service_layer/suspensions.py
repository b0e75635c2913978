"""Suspended aid counted nationally: each node in scope counts its active memberships and the
suspended ones by reason at the asked level (pushed down: one grouped query per node), and
the gateway sums regions that several nodes share (a province, the national total).

The region asked for is narrowed to the caller's scope first (``row_scope``), so only nodes
in scope are asked; each node narrows again to the caller, whose identity travels with the
call. A node that does not answer is left out and named in ``extensions.federation``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.federation.fanout import RequestScope
from gateway.federation.node_queries import suspension_summary_document
from gateway.federation.planner import plan_for_region
from gateway.federation.report import Path
from gateway.service_layer.households import note_unregistered
from gateway.service_layer.row_scope import scoped_region
from gateway.service_layer.services import GatewayServices
from schema.regions import regions
from schema.suspension import (
    SuspensionCell,
    SuspensionLevel,
    SuspensionReason,
    SuspensionTotals,
    summarise,
)


async def suspension_summary(services: GatewayServices, scope: RequestScope,
                             level: SuspensionLevel, *, region: str | None = None,
                             program: str | None = None, path: Path | None = None
                             ) -> list[SuspensionTotals]:
    if region is not None:
        regions().require(region)  # INVALID_REGION before any node is asked
    region = scoped_region(scope.meta.principal, region)
    plan = plan_for_region(region, services.registry.regions())
    note_unregistered(plan, scope, path)
    node_filter = {name: value for name, value in (("region", region), ("program", program))
                   if value is not None}
    answers = await services.federation.scatter(
        plan.targets, suspension_summary_document(),
        {"level": level.value, "filter": node_filter or None}, scope, path=path)
    return summarise(cell for data in answers.values()
                     for row in data.get("suspensionSummary") or ()
                     for cell in _cells(row))


def _cells(row: dict[str, Any]) -> Iterable[SuspensionCell]:
    """A node's summary row back into cells (to sum with other nodes')."""
    return SuspensionTotals(
        row["regionCode"], row["program"], int(row["active"]),
        tuple((SuspensionReason(c["reason"]), int(c["memberships"]))
              for c in row["byReason"])).cells()
