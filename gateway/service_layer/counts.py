"""National household counts: from rollups without fan-out when they can answer, pushed down
to the nodes otherwise; ``max_age_s`` demands fresher rollups, which refreshes (fans out to)
only the regions whose snapshot is older than that.

The aggregate rule of ``schema.disclosure`` is checked before any node is asked, and applied
again to what the nodes and the rollups answer (defence in depth): for a role that sees small
cells withheld, nodes are asked for the cells of its grain and the rollups read at that grain,
every cell of fewer than ``SMALL_CELL_HOUSEHOLDS`` households (or of a program outside a
partner's) is left out, and only then are the groups asked for summed, so a count from the
rollups equals the one counted live. Rollups are refreshed as the gateway itself (exact
counts), whoever's request found them stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway.errors import NodeIncompatible
from gateway.federation.aggregates import (
    NODE_DIMENSIONS,
    ROLLUP_DIMENSIONS,
    CountGroup,
    Dimension,
    combine,
    groups_from_node,
    node_dimensions,
    project,
    rollups_can_answer,
)
from gateway.federation.fanout import RequestScope
from gateway.federation.filters import HouseholdFilter
from gateway.federation.model import NodeStatus
from gateway.federation.node_client import CallMeta
from gateway.federation.node_queries import counts_document
from gateway.federation.planner import plan_for_region
from gateway.federation.report import Path
from gateway.service_layer import rollups
from gateway.service_layer.households import note_unregistered
from gateway.service_layer.node_health import GATEWAY_PRINCIPAL
from gateway.service_layer.row_scope import scoped_filter
from gateway.service_layer.services import GatewayServices
from schema.disclosure import (
    check_counts,
    count_grain,
    grain_dimensions,
    published,
    withholds_small_cells,
)
from schema.roles import Principal


@dataclass(frozen=True, slots=True)
class CountsAnswer:
    groups: list[CountGroup]
    source: str  # "rollup" or "live"
    refreshed: tuple[str, ...] = ()
    small_cells_withheld: bool = False  # cells of < SMALL_CELL_HOUSEHOLDS were left out


async def household_counts(services: GatewayServices, scope: RequestScope,
                           dimensions: Sequence[Dimension], flt: HouseholdFilter, *,
                           max_age_s: int | None, path: Path | None = None) -> CountsAnswer:
    dimensions = list(dict.fromkeys(dimensions))
    principal = scope.meta.principal
    check_counts(principal, dimensions, flt.given())
    flt = scoped_filter(principal, flt)
    plan = plan_for_region(flt.region, services.registry.regions())
    note_unregistered(plan, scope, path)
    withheld = withholds_small_cells(principal)
    grain = grain_dimensions(principal) if withheld else frozenset()
    # rollups know regions, not a pendamping's assigned families: those are counted live
    if rollups_can_answer(dimensions, flt, grain) and not principal.household_ids:
        groups, refreshed = await _from_rollups(services, scope, dimensions, flt,
                                                plan.targets, max_age_s, path)
        return CountsAnswer(groups, "rollup", refreshed, withheld)
    as_of = dt.datetime.now(dt.UTC)
    asked = [Dimension(d) for d in count_grain(principal, dimensions, NODE_DIMENSIONS)]
    answers = await services.federation.scatter(
        plan.targets, counts_document(principal.role),
        {"groupBy": node_dimensions(asked), "filter": flt.for_node()}, scope, path=path)
    groups = [g for region, data in answers.items()
              for g in groups_from_node(region, _published(principal, data["householdCounts"]),
                                        dimensions, as_of)]
    return CountsAnswer(combine(groups), "live", small_cells_withheld=withheld)


def _published(principal: Principal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A node's cells the principal may see (the node left the others out already)."""
    return [row for row in rows
            if published(principal, int(row["households"]), row.get("program"))]


async def _from_rollups(services: GatewayServices, scope: RequestScope,
                        dimensions: list[Dimension], flt: HouseholdFilter,
                        targets: Sequence[str], max_age_s: int | None,
                        path: Path | None) -> tuple[list[CountGroup], tuple[str, ...]]:
    callable_targets = []
    for region in targets:
        node = services.registry.get(region)
        if node is not None and node.status is NodeStatus.REFUSED:
            scope.report.planned(1)
            scope.report.failed_with(NodeIncompatible(region, node.refused_reason or "refused"),
                                     path)
        else:
            callable_targets.append(region)
    snapshots = await services.rollups.snapshots()
    now = dt.datetime.now(dt.UTC)
    stale = [r for r in callable_targets if r not in snapshots or (
        max_age_s is not None and (now - snapshots[r]).total_seconds() > max_age_s)]
    # as the gateway (exact counts, whoever asks), within this request's deadline and report
    as_gateway = RequestScope(scope.deadline, CallMeta(scope.meta.request_id, GATEWAY_PRINCIPAL),
                              scope.report)
    refreshed = await rollups.refresh(services.federation, services.rollups, stale, as_gateway)
    answering = [r for r in callable_targets if r in snapshots or r in refreshed]
    principal = scope.meta.principal
    grain = [Dimension(d) for d in count_grain(principal, dimensions, list(ROLLUP_DIMENSIONS))]
    cells = await services.rollups.grouped(grain, flt, answering)
    kept = [c for c in cells if published(principal, c.households, c.program)]
    return combine(project(kept, dimensions)), tuple(refreshed)
