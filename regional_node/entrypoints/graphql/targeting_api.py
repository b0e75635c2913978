"""``targetingIndicators`` at the node (docs/targeting.md): the error indicators of the
regions of ``level`` in your scope for one period, counted from this node's households (Dinas
Sosial of the region, and Kemensos; never the public here: the gateway asks each node as
Kemensos and adds the rows up)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from regional_node.adapters.targeting_queries import desa_targeting
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.id_pages import scoped_households
from schema.benefits import parse_period
from schema.disclosure import withholds_small_cells
from schema.errors import Forbidden
from schema.targeting import combine
from schema.targeting_types import TargetingIndicators, TargetingLevel


@strawberry.type
class TargetingQuery:
    @strawberry.field(description="Inclusion and exclusion errors and coverage per region of "
                                  "`level` (default DESA) in your scope, or inside `region`, "
                                  "for the memberships of `period` (YYYY-S1 / YYYY-S2) and "
                                  "the households' stored desil (docs/targeting.md)")
    async def targeting_indicators(self, info: Info[NodeContext, None], period: str,
                                   level: TargetingLevel = TargetingLevel.DESA,
                                   region: str | None = None
                                   ) -> list[TargetingIndicators] | None:
        if withholds_small_cells(info.context.principal):
            raise Forbidden("indikator penargetan di node hanya untuk Dinas Sosial dan "
                            "Kemensos / targeting indicators at a node are for Dinas Sosial "
                            "and Kemensos only", reason="policy")
        parsed = parse_period(period)
        scope = scoped_households(info.context, region)
        async with info.context.database.reader() as session:
            rows = await desa_targeting(session, scope, parsed.code)
        return [TargetingIndicators.of(row, parsed.code) for row in combine(rows, level.value)]
