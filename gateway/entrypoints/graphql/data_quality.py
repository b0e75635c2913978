"""Data quality through the gateway (issue 15; docs/import.md "Kualitas data / Data quality"):
what every node in your scope counts of its own data, summed per kab/kota, province or
nationally."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from gateway.entrypoints.graphql.context import GatewayContext
from gateway.entrypoints.graphql.types import MatchStatus, region_name
from gateway.service_layer import data_quality as service
from schema.policy import Access, access


@strawberry.enum(description="The region data quality is summed by at the gateway")
class DataQualityLevel(Enum):
    NATIONAL = "NATIONAL"
    PROVINCE = "PROVINCE"
    KABKOTA = "KABKOTA"


@strawberry.type
class MatchStatusCount:
    status: MatchStatus
    members: int


@strawberry.type
class WarningKindCount:
    kind: str
    warnings: int


@strawberry.type(description="The data quality of one region, summed over the nodes that "
                             "answered")
class RegionDataQuality:
    region_code: str | None = strawberry.field(description="Null at the NATIONAL level")
    households: int
    members: int
    match_status: list[MatchStatusCount]
    duplicates: int
    open_warnings: list[WarningKindCount]
    households_refused: int | None = strawberry.field(
        description="Households the imports refused (Dinas Sosial and Kemensos)")
    import_errors: int | None

    @strawberry.field
    def region_name(self) -> str | None:
        return region_name(self.region_code) if self.region_code else None

    @classmethod
    def of(cls, totals: service.QualityTotals) -> RegionDataQuality:
        statuses = totals.members_by_status
        return cls(region_code=totals.region, households=totals.households,
                   members=sum(statuses.values()),
                   match_status=[MatchStatusCount(status=MatchStatus(s), members=n)
                                 for s, n in sorted(statuses.items())],
                   duplicates=totals.duplicates,
                   open_warnings=[WarningKindCount(kind=k, warnings=n)
                                  for k, n in sorted(totals.open_warnings.items())],
                   households_refused=totals.households_refused,
                   import_errors=totals.import_errors)


async def data_quality(info: Info[GatewayContext, None],
                       level: DataQualityLevel = DataQualityLevel.KABKOTA,
                       region: str | None = None) -> list[RegionDataQuality] | None:
    context = info.context
    imports = access(context.principal.role, "Query", "importQuality") is Access.FULL
    totals = await service.data_quality(context.services, context.scope, level.value,
                                        region=region, imports=imports,
                                        path=info.path.as_list())
    return [RegionDataQuality.of(t) for t in totals]
