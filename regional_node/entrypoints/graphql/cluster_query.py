"""``householdClusters``: the clusters of poor households of a period in this kab/kota, as
``siks node pockets compute`` stored them (Dinas Sosial only, by the field policy;
docs/pockets.md). Never a household id: sizes, rounded centroids, the desa covered."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from regional_node.adapters.orm import HouseholdCluster as ClusterRow
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.service_layer.household_clusters import stored_clusters
from schema.benefits import parse_period
from schema.errors import InvalidInput, OutOfScope
from schema.scope import window


@strawberry.type(description="A cluster of poor households flagged in a period")
class HouseholdCluster:
    size: int = strawberry.field(description="Poor households (desil 1–2) in the cluster")
    latitude: float = strawberry.field(description="Centroid, rounded to 2 decimals (~1 km)")
    longitude: float
    desa_codes: list[str] = strawberry.field(description="The desa its households live in")
    households_in_area: int = strawberry.field(
        description="All households (with a desil) inside the cluster's outline")
    poor_in_area: int
    share: float = strawberry.field(description="poorInArea / householdsInArea")
    kabkota_share: float = strawberry.field(description="The share of poor in the kab/kota")
    p_value: float = strawberry.field(description="Permutation p-value")
    new: bool = strawberry.field(
        description="Shares no household with a cluster of the previous period computed")
    reason: str = strawberry.field(description="Why it was flagged (Bahasa Indonesia)")
    reason_en: str = strawberry.field(description="Why it was flagged (English)")

    @classmethod
    def of(cls, row: ClusterRow) -> HouseholdCluster:
        return cls(size=row.size, latitude=row.latitude, longitude=row.longitude,
                   desa_codes=list(row.desa_codes), households_in_area=row.households_in_area,
                   poor_in_area=row.poor_in_area,
                   share=row.poor_in_area / row.households_in_area,
                   kabkota_share=row.kabkota_share, p_value=row.p_value, new=row.is_new,
                   reason=row.reason_id, reason_en=row.reason_en)


@strawberry.type(description="A period's clusters of poor households and how they were found")
class HouseholdClusters:
    period: str
    previous_period: str | None
    min_cluster_size: int
    alpha: float
    permutations: int
    seed: int
    households: int = strawberry.field(description="Active households with a desil and "
                                                   "coordinates")
    poor_households: int
    candidates: int = strawberry.field(description="Clusters HDBSCAN found, flagged or not")
    clusters: list[HouseholdCluster]


@strawberry.type
class ClusterQuery:
    @strawberry.field(description="The clusters of poor households of a period (YYYY-S1 / "
                                  "YYYY-S2) in this kab/kota (Dinas Sosial; docs/pockets.md)")
    async def household_clusters(self, info: Info[NodeContext, None],
                                 period: str) -> HouseholdClusters | None:
        rows_seen = window(info.context.principal, info.context.region)
        if rows_seen.nothing or rows_seen.region is not None or rows_seen.household_ids:
            raise OutOfScope(f"klaster mencakup seluruh kab/kota {info.context.region} / the "
                             f"clusters cover the whole kab/kota {info.context.region}")
        code = parse_period(period).code
        run, rows = await stored_clusters(info.context.database, code)
        if run is None:
            raise InvalidInput(f"klaster periode {code} belum dihitung / the clusters of {code} "
                               f"have not been computed (siks node pockets compute --period "
                               f"{code})", reason="not_computed", field="period")
        return HouseholdClusters(
            period=run.period, previous_period=run.previous_period,
            min_cluster_size=run.min_cluster_size, alpha=run.alpha,
            permutations=run.permutations, seed=run.seed, households=run.households,
            poor_households=run.poor_households, candidates=run.candidates,
            clusters=[HouseholdCluster.of(r) for r in rows])
