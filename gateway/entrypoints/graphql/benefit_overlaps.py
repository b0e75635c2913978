"""``benefitOverlaps`` at the gateway (docs/partners.md): per double-benefit rule between two
Kemensos programs, the households or persons receiving both, counted at each node and summed
per kab/kota, province or nationally (Kemensos)."""

from __future__ import annotations

from strawberry.types import Info

from gateway.entrypoints.graphql.context import GatewayContext
from gateway.entrypoints.graphql.data_quality import DataQualityLevel
from gateway.service_layer import benefit_overlaps as service
from schema.benefit_overlap_types import BenefitOverlap


async def benefit_overlaps(info: Info[GatewayContext, None],
                           level: DataQualityLevel = DataQualityLevel.KABKOTA,
                           region: str | None = None) -> list[BenefitOverlap] | None:
    totals = await service.benefit_overlaps(info.context.services, info.context.scope,
                                            level.value, region=region,
                                            path=info.path.as_list())
    return [BenefitOverlap(region_code=t.region, program=t.program, excludes=t.excludes,
                           scope=t.scope, count=t.count) for t in totals]
