"""``nationalDeciles``: the latest national decile computation (docs/deciles.md): the cut
points, N, the rounds, and each kab/kota's households per desil (Kemensos only, by the field
policy). Computing is a command (`siks gateway deciles compute`)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from gateway.entrypoints.graphql.context import GatewayContext
from gateway.service_layer.deciles import latest_run
from schema.deciles import score_of


@strawberry.type(description="One kab/kota's households per desil under the national cut "
                             "points")
class RegionDeciles:
    kabkota_code: str
    households_per_desil: list[int] = strawberry.field(
        description="Households in desil 1 (poorest) to 10, in that order")


@strawberry.type(description="The national decile cut points computed from every node's "
                             "counts (docs/deciles.md)")
class NationalDeciles:
    cut_set_id: str
    computed_at: dt.datetime
    households: int = strawberry.field(description="N: ACTIVE households with a score")
    rounds: int = strawberry.field(description="Rounds of counts the computation took")
    cut_points: list[float] = strawberry.field(
        description="c1..c9: the score (6 decimals) at rank ceil(k·N/10), ascending; desil k "
                    "holds the scores above c(k-1) up to c(k)")
    regions: list[RegionDeciles]


async def national_deciles(info: Info[GatewayContext, None]) -> NationalDeciles | None:
    run = await latest_run(info.context.services.database)
    if run is None:
        return None
    return NationalDeciles(
        cut_set_id=run.cut_set_id, computed_at=run.computed_at, households=run.households,
        rounds=run.rounds, cut_points=[score_of(c) for c in run.cuts],
        regions=[RegionDeciles(kabkota_code=code, households_per_desil=list(counts))
                 for code, counts in sorted(run.regions.items())])
