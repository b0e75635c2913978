"""``povertyPockets``: the national poverty pockets of a period, as ``siks gateway pockets
compute`` stored them (Kemensos only, by the field policy; docs/pockets.md)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.adapters.pocket_store import PocketRecord, PocketStore
from gateway.entrypoints.graphql.context import GatewayContext
from gateway.entrypoints.graphql.types import region_name
from schema.benefits import parse_period
from schema.errors import InvalidInput


@strawberry.type(description="A kab/kota flagged as a hot spot of deprivation in a period")
class PovertyPocket:
    kabkota_code: str
    households: int = strawberry.field(description="Active households with a desil")
    poor_households: int = strawberry.field(description="Of them in desil 1–2")
    share: float = strawberry.field(description="poorHouseholds / households")
    neighbourhood_share: float = strawberry.field(
        description="The mean share of its neighbouring kab/kota")
    z_score: float = strawberry.field(description="Getis-Ord Gi* z")
    p_value: float = strawberry.field(description="Pseudo p-value of the permutations")
    new: bool = strawberry.field(description="Not a pocket in the previous period computed")
    reason: str = strawberry.field(description="Why it was flagged (Bahasa Indonesia)")
    reason_en: str = strawberry.field(description="Why it was flagged (English)")

    @strawberry.field
    def kabkota_name(self) -> str:
        return region_name(self.kabkota_code)

    @classmethod
    def of(cls, p: PocketRecord) -> PovertyPocket:
        return cls(kabkota_code=p.kabkota_code, households=p.households,
                   poor_households=p.poor_households, share=p.share,
                   neighbourhood_share=p.neighbourhood_share, z_score=p.z_score,
                   p_value=p.p_value, new=p.is_new, reason=p.reason_id, reason_en=p.reason_en)


@strawberry.type(description="A period's poverty pockets and how they were computed")
class PovertyPockets:
    period: str
    previous_period: str | None = strawberry.field(
        description="The period \"new\" is measured against (null: none computed before)")
    alpha: float = strawberry.field(description="False discovery rate (Benjamini–Hochberg)")
    permutations: int
    seed: int
    regions_analysed: int = strawberry.field(description="Kab/kota with data in the analysis")
    pockets: list[PovertyPocket]


async def poverty_pockets(info: Info[GatewayContext, None], period: str
                          ) -> PovertyPockets | None:
    code = parse_period(period).code
    run, pockets = await PocketStore(info.context.services.database).of_period(code)
    if run is None:
        raise InvalidInput(f"kantong kemiskinan periode {code} belum dihitung / the poverty "
                       f"pockets of {code} have not been computed (siks gateway pockets "
                       f"compute --period {code})", reason="not_computed", field="period")
    return PovertyPockets(period=run.period, previous_period=run.previous_period,
                          alpha=run.alpha, permutations=run.permutations, seed=run.seed,
                          regions_analysed=run.regions_analysed,
                          pockets=[PovertyPocket.of(p) for p in pockets])
