"""Federated household reads: a national (or provincial, or regional) list merged from the
nodes, and one household by its global id."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.errors import NodeNotRegistered
from gateway.federation.cursor import GatewayCursor
from gateway.federation.fanout import RequestScope
from gateway.federation.filters import HouseholdFilter
from gateway.federation.global_id import split
from gateway.federation.merge import MergedPage, NodeEdge, NodePage, merge_pages
from gateway.federation.node_queries import (
    HouseholdSelection,
    household_document,
    households_document,
)
from gateway.federation.planner import Plan, plan_for_region
from gateway.federation.report import Path
from gateway.service_layer.program_scope import limit_household
from gateway.service_layer.row_scope import (
    require_in_scope,
    reraise_refusal,
    scoped_filter,
)
from gateway.service_layer.services import GatewayServices

MAX_PAGE = 500
SORT_FIELDS = {"ID": None, "KK_NUMBER": "kkNumber", "DESA": "desaCode"}


@dataclass(frozen=True, slots=True)
class FederatedPage:
    merged: MergedPage
    start: GatewayCursor  # where this page started
    total_count: int | None

    def cursor_after(self, index: int) -> str:
        """The gateway cursor just after the ``index``-th edge of this page."""
        return self.start.advanced(self.merged.positions(index + 1)).encode()

    @property
    def end_cursor(self) -> str | None:
        return self.cursor_after(len(self.merged.edges) - 1) if self.merged.edges else None


def note_unregistered(plan: Plan, scope: RequestScope, path: Path | None) -> None:
    for region in plan.unregistered:
        scope.report.planned(1)
        scope.report.failed_with(
            NodeNotRegistered(region, "no node is registered for this region"), path)


def _edge(region: str, order: str, raw: dict[str, Any], index: int) -> NodeEdge:
    """One node edge for the merge. A viewer who may not see the id or the sort key (the
    public's search, which always targets one node) is merged in the node's own order."""
    record = raw["node"]
    local_id = int(record["id"]) if record.get("id") is not None else index
    field = SORT_FIELDS[order]
    key = local_id if field is None else record.get(field)
    return NodeEdge(region, index if key is None else key, local_id, raw["cursor"], record)


async def list_households(services: GatewayServices, scope: RequestScope, flt: HouseholdFilter,
                          *, first: int, after: str | None, order: str,
                          selection: HouseholdSelection, want_total: bool,
                          path: Path | None = None) -> FederatedPage:
    flt = scoped_filter(scope.meta.principal, flt, listing=True)
    start = (GatewayCursor.decode(after, order=order, filter_digest=flt.digest())
             if after else GatewayCursor(order, flt.digest()))
    plan = plan_for_region(flt.region, services.registry.regions())
    note_unregistered(plan, scope, path)
    node_filter = flt.for_node()

    def variables(region: str) -> dict[str, Any]:
        return {"filter": node_filter, "first": first, "after": start.positions.get(region),
                "orderBy": order}

    answers = await services.federation.scatter(
        plan.targets, households_document(selection, total=want_total,
                                         sort_key=SORT_FIELDS[order]), variables, scope,
        path=path)
    principal = scope.meta.principal
    for region, data in answers.items():  # before the merge: nothing out of scope is kept
        for edge in data["households"]["edges"]:
            limit_household(principal, region, edge["node"])
    pages = [NodePage(region, [_edge(region, order, e, i)
                               for i, e in enumerate(data["households"]["edges"])],
                      bool(data["households"]["pageInfo"]["hasNextPage"]))
             for region, data in answers.items()]
    total = (sum(int(d["households"]["totalCount"]) for d in answers.values())
             if want_total else None)
    return FederatedPage(merge_pages(pages, first), start, total)


async def get_household(services: GatewayServices, scope: RequestScope, global_id: str,
                        selection: HouseholdSelection, path: Path | None = None
                        ) -> tuple[str, dict[str, Any]] | None:
    region, local_id = split(global_id)
    require_in_scope(scope.meta.principal, region)
    plan = plan_for_region(region, services.registry.regions())
    note_unregistered(plan, scope, path)
    if not plan.targets:
        return None
    data = await services.federation.route(region, household_document(selection),
                                           {"id": local_id}, scope, path=path)
    if data is None:
        reraise_refusal(scope, region)
    if data is None or data.get("household") is None:
        return None
    return region, limit_household(scope.meta.principal, region, data["household"])
