"""The node's data-quality summary (issue 15; docs/import.md "Kualitas data / Data quality"):
per region in your scope the households, the members by Dukcapil outcome, the data ganda and
the open warnings; and what the imports refused."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from regional_node.adapters import quality_queries as q
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.id_pages import scoped_households
from regional_node.entrypoints.graphql.types import MatchStatus, region_name
from regional_node.entrypoints.graphql.warning_api import WarningKind


@strawberry.enum(description="The region data quality is counted by")
class QualityLevel(Enum):
    KABKOTA = "KABKOTA"
    KECAMATAN = "KECAMATAN"
    DESA = "DESA"


@strawberry.type
class MatchStatusCount:
    status: MatchStatus
    members: int


@strawberry.type
class WarningKindCount:
    kind: WarningKind
    warnings: int


@strawberry.type(description="The data quality of one region")
class RegionDataQuality:
    region_code: str
    households: int
    members: int
    match_status: list[MatchStatusCount] = strawberry.field(
        description="Members by the outcome of their last Dukcapil check")
    duplicates: int = strawberry.field(description="Members found data ganda (DUPLICATE)")
    open_warnings: list[WarningKindCount]

    @strawberry.field
    def region_name(self) -> str:
        return region_name(self.region_code)

    @classmethod
    def of(cls, row: q.RegionQuality) -> RegionDataQuality:
        statuses = row.members_by_status
        return cls(region_code=row.region, households=row.households,
                   members=sum(statuses.values()),
                   match_status=[MatchStatusCount(status=MatchStatus(s), members=n)
                                 for s, n in sorted(statuses.items())],
                   duplicates=statuses.get("DUPLICATE", 0),
                   open_warnings=[WarningKindCount(kind=WarningKind(k), warnings=n)
                                  for k, n in sorted(row.open_warnings.items())])


@strawberry.type
class ReasonCount:
    reason: str
    errors: int


@strawberry.type(description="What the imports into this node stored and refused")
class ImportQuality:
    runs: int
    households_stored: int
    households_refused: int = strawberry.field(
        description="Households an import refused (an all-or-nothing import with errors "
                    "refuses them all)")
    errors: int
    errors_by_reason: list[ReasonCount]
    last_import_at: dt.datetime | None


@strawberry.type
class QualityQuery:
    @strawberry.field(description="Data quality per region of `level` (default DESA) in your "
                                  "scope, or inside `region`")
    async def data_quality(self, info: Info[NodeContext, None],
                           level: QualityLevel = QualityLevel.DESA,
                           region: str | None = None) -> list[RegionDataQuality] | None:
        context = info.context
        scope = scoped_households(context, region)
        async with context.database.reader() as session:
            found = await q.region_quality(session, scope, level.value)
        return [RegionDataQuality.of(row) for row in found]

    @strawberry.field(description="What the imports into this node stored and refused "
                                  "(Dinas Sosial and Kemensos)")
    async def import_quality(self, info: Info[NodeContext, None]) -> ImportQuality | None:
        async with info.context.database.reader() as session:
            totals = await q.import_totals(session)
        return ImportQuality(
            runs=totals.runs, households_stored=totals.households_stored,
            households_refused=totals.households_refused, errors=totals.errors,
            errors_by_reason=[ReasonCount(reason=r, errors=n)
                              for r, n in totals.errors_by_reason.items()],
            last_import_at=totals.last_at)
