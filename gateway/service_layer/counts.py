"""National household counts: from rollups without fan-out when they can answer, pushed down
to the nodes otherwise; ``max_age_s`` demands fresher rollups, which refreshes (fans out to)
only the regions whose snapshot is older than that."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.errors import NodeIncompatible
from gateway.federation.aggregates import (
    CountGroup,
    Dimension,
    combine,
    groups_from_node,
    node_dimensions,
    rollups_can_answer,
)
from gateway.federation.fanout import RequestScope
from gateway.federation.filters import HouseholdFilter
from gateway.federation.model import NodeStatus
from gateway.federation.node_queries import COUNTS_DOCUMENT
from gateway.federation.planner import plan_for_region
from gateway.federation.report import Path
from gateway.service_layer import rollups
from gateway.service_layer.households import note_unregistered
from gateway.service_layer.row_scope import scoped_filter
from gateway.service_layer.services import GatewayServices


@dataclass(frozen=True, slots=True)
class CountsAnswer:
    groups: list[CountGroup]
    source: str  # "rollup" or "live"
    refreshed: tuple[str, ...] = ()


async def household_counts(services: GatewayServices, scope: RequestScope,
                           dimensions: Sequence[Dimension], flt: HouseholdFilter, *,
                           max_age_s: int | None, path: Path | None = None) -> CountsAnswer:
    dimensions = list(dict.fromkeys(dimensions))
    principal = scope.meta.principal
    flt = scoped_filter(principal, flt)
    plan = plan_for_region(flt.region, services.registry.regions())
    note_unregistered(plan, scope, path)
    # rollups know regions, not a pendamping's assigned families: those are counted live
    if rollups_can_answer(dimensions, flt) and not principal.household_ids:
        return await _from_rollups(services, scope, dimensions, flt, plan.targets,
                                   max_age_s, path)
    as_of = dt.datetime.now(dt.UTC)
    answers = await services.federation.scatter(
        plan.targets, COUNTS_DOCUMENT,
        {"groupBy": node_dimensions(dimensions), "filter": flt.for_node()}, scope, path=path)
    groups = [g for region, data in answers.items()
              for g in groups_from_node(region, data["householdCounts"], dimensions, as_of)]
    return CountsAnswer(combine(groups), "live")


async def _from_rollups(services: GatewayServices, scope: RequestScope,
                        dimensions: list[Dimension], flt: HouseholdFilter,
                        targets: Sequence[str], max_age_s: int | None,
                        path: Path | None) -> CountsAnswer:
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
    refreshed = await rollups.refresh(services.federation, services.rollups, stale, scope)
    answering = [r for r in callable_targets if r in snapshots or r in refreshed]
    groups = await services.rollups.grouped(dimensions, flt, answering)
    return CountsAnswer(combine(groups), "rollup", tuple(refreshed))
