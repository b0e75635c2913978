"""Clusters of poor households of a period at the node (docs/pockets.md): the active
households with a desil and coordinates are read, ``cluster_stats`` finds the pockets, and the
flagged clusters are stored for the period. A cluster is new when it shares no household with
a cluster of the latest period computed before this one (with no earlier period, all are).
Household ids stay in this database; the API shows sizes, rounded centroids and desa."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household, HouseholdCluster, HouseholdClusterRun
from regional_node.service_layer.cluster_stats import (
    DEFAULT_ALPHA,
    DEFAULT_MIN_CLUSTER_SIZE,
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    Cluster,
    HouseholdPoint,
    clusters,
)
from schema.benefits import parse_period
from schema.pockets import CLUSTER_REASON, POOR_DESIL, percent, reason


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    min_cluster_size: int = DEFAULT_MIN_CLUSTER_SIZE
    alpha: float = DEFAULT_ALPHA
    permutations: int = DEFAULT_PERMUTATIONS
    seed: int = DEFAULT_SEED


async def compute_clusters(database: Database, period: str,
                           settings: ClusterSettings = ClusterSettings()
                           ) -> tuple[HouseholdClusterRun, list[HouseholdCluster]]:
    code = parse_period(period).code
    points = await _points(database)
    found = await asyncio.to_thread(
        clusters, points, min_cluster_size=settings.min_cluster_size, alpha=settings.alpha,
        permutations=settings.permutations, seed=settings.seed)
    async with database.writer() as session, session.begin():
        previous = (await session.execute(select(func.max(HouseholdClusterRun.period)).where(
            HouseholdClusterRun.period < code))).scalar_one_or_none()
        before: set[int] = set()
        if previous is not None:
            for ids in (await session.execute(select(HouseholdCluster.household_ids).where(
                    HouseholdCluster.period == previous))).scalars():
                before.update(ids)
        await session.execute(delete(HouseholdCluster).where(HouseholdCluster.period == code))
        await session.execute(delete(HouseholdClusterRun).where(
            HouseholdClusterRun.period == code))
        run = HouseholdClusterRun(
            period=code, computed_at=dt.datetime.now(dt.UTC),
            min_cluster_size=settings.min_cluster_size, alpha=settings.alpha,
            permutations=settings.permutations, seed=settings.seed, households=len(points),
            poor_households=sum(p.poor for p in points), candidates=len(found),
            previous_period=previous)
        session.add(run)
        rows = [_row(code, c, settings, is_new=not before & set(c.household_ids))
                for c in found if c.flagged]
        if rows:
            await session.execute(insert(HouseholdCluster), rows)
    stored_run, stored = await stored_clusters(database, code)
    assert stored_run is not None
    return stored_run, stored


async def _points(database: Database) -> list[HouseholdPoint]:
    query = (select(Household.id, Household.desa_code, Household.latitude,
                    Household.longitude, Household.desil)
             .where(Household.status == "ACTIVE", Household.desil.is_not(None),
                    Household.latitude.is_not(None), Household.longitude.is_not(None))
             .order_by(Household.id))
    async with database.reader() as session:
        rows = (await session.execute(query)).all()
    return [HouseholdPoint(int(i), desa, float(lat), float(lon), desil in POOR_DESIL)
            for i, desa, lat, lon, desil in rows if lat is not None and lon is not None]


def _row(period: str, cluster: Cluster, settings: ClusterSettings, *,
         is_new: bool) -> dict[str, object]:
    why = reason(CLUSTER_REASON, size=cluster.size, households=cluster.households_in_area,
                 share=percent(cluster.share), overall=percent(cluster.overall_share),
                 p=f"{cluster.p_value:.3f}", permutations=settings.permutations,
                 alpha=settings.alpha)
    return {"period": period, "size": cluster.size, "latitude": cluster.centroid[0],
            "longitude": cluster.centroid[1], "desa_codes": list(cluster.desa_codes),
            "households_in_area": cluster.households_in_area,
            "poor_in_area": cluster.poor_in_area, "kabkota_share": cluster.overall_share,
            "p_value": cluster.p_value, "is_new": is_new, "reason_id": why.id,
            "reason_en": why.en, "household_ids": list(cluster.household_ids)}


async def stored_clusters(database: Database, period: str
                          ) -> tuple[HouseholdClusterRun | None, list[HouseholdCluster]]:
    code = parse_period(period).code
    async with database.reader() as session:
        run = (await session.execute(select(HouseholdClusterRun).where(
            HouseholdClusterRun.period == code))).scalar_one_or_none()
        rows = (await session.execute(select(HouseholdCluster).where(
            HouseholdCluster.period == code).order_by(HouseholdCluster.id))).scalars().all()
    return run, list(rows)
