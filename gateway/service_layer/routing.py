"""Writes that belong to a region go to that region's node and nowhere else.

The primitive: resolve the owning kab/kota of any region code, refuse when no node serves it,
call exactly that node once (never retried, never broadcast). The public's usul and sanggah
go through it (``community_reports``); Kemensos' decisions travel the signed decision channel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.errors import NodeNotRegistered
from gateway.federation.fanout import RequestScope
from gateway.federation.planner import plan_for_region
from gateway.service_layer.services import GatewayServices
from schema.errors import InvalidInput
from schema.regions import RegionLevel, level_of


async def route_to_owner(services: GatewayServices, scope: RequestScope, region: str,
                         document: str, variables: Mapping[str, Any]) -> dict[str, Any]:
    if level_of(region) is RegionLevel.PROVINSI:
        raise InvalidInput(f"{region} is a province: a write belongs to one kab/kota",
                           reason="not_routable", field="region")
    plan = plan_for_region(region, services.registry.regions())
    if not plan.targets:
        raise NodeNotRegistered(plan.unregistered[0], "no node is registered for this region")
    return await services.federation.mutate(plan.targets[0], document, variables, scope)
