"""The national poverty pockets in the gateway's database (``pocket_run``,
``poverty_pocket``) and the rollup counts they are computed from (docs/pockets.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, delete, func, insert, select

from gateway.adapters.database import Database
from gateway.adapters.orm import PocketRun, PovertyPocket, RollupGroup
from schema.pockets import POOR_DESIL


@dataclass(frozen=True, slots=True)
class RegionCounts:
    households: int  # active households with a desil
    poor: int  # of them in desil 1–2


@dataclass(frozen=True, slots=True)
class RunRecord:
    period: str
    alpha: float
    permutations: int
    seed: int
    regions_analysed: int
    boundary_sha256: str
    previous_period: str | None


@dataclass(frozen=True, slots=True)
class PocketRecord:
    kabkota_code: str
    households: int
    poor_households: int
    share: float
    neighbourhood_share: float
    z_score: float
    p_value: float
    is_new: bool
    reason_id: str
    reason_en: str


class PocketStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def region_counts(self) -> dict[str, RegionCounts]:
        """Per kab/kota in the rollups: active households with a desil, and the poor."""
        poor = func.sum(case((RollupGroup.desil.in_(POOR_DESIL), RollupGroup.households),
                             else_=0))
        query = (select(RollupGroup.region, func.sum(RollupGroup.households), poor)
                 .where(RollupGroup.program.is_(None), RollupGroup.status == "ACTIVE",
                        RollupGroup.desil.is_not(None))
                 .group_by(RollupGroup.region))
        async with self.database.reader() as session:
            rows = (await session.execute(query)).all()
        return {region: RegionCounts(int(total), int(poor_count))
                for region, total, poor_count in rows if total}

    async def previous(self, period: str) -> tuple[str | None, set[str]]:
        """The latest period computed before ``period`` and the kab/kota flagged in it."""
        async with self.database.reader() as session:
            before = (await session.execute(select(func.max(PocketRun.period)).where(
                PocketRun.period < period))).scalar_one_or_none()
            if before is None:
                return None, set()
            codes = (await session.execute(select(PovertyPocket.kabkota_code).where(
                PovertyPocket.period == before))).scalars().all()
        return before, set(codes)

    async def replace(self, run: RunRecord, pockets: Sequence[PocketRecord]) -> None:
        """Store a period's run and pockets in place of any earlier computation of it."""
        async with self.database.writer() as session, session.begin():
            await session.execute(delete(PovertyPocket).where(PovertyPocket.period == run.period))
            await session.execute(delete(PocketRun).where(PocketRun.period == run.period))
            await session.execute(insert(PocketRun), [{
                "period": run.period, "alpha": run.alpha, "permutations": run.permutations,
                "seed": run.seed, "regions_analysed": run.regions_analysed,
                "boundary_sha256": run.boundary_sha256,
                "previous_period": run.previous_period}])
            if pockets:
                await session.execute(insert(PovertyPocket), [
                    {"period": run.period, **_values(p)} for p in pockets])

    async def of_period(self, period: str) -> tuple[RunRecord | None, list[PocketRecord]]:
        async with self.database.reader() as session:
            run = (await session.execute(select(PocketRun).where(
                PocketRun.period == period))).scalar_one_or_none()
            if run is None:
                return None, []
            rows = (await session.execute(select(PovertyPocket).where(
                PovertyPocket.period == period).order_by(PovertyPocket.kabkota_code))
                    ).scalars().all()
        return (RunRecord(run.period, run.alpha, run.permutations, run.seed,
                          run.regions_analysed, run.boundary_sha256, run.previous_period),
                [PocketRecord(r.kabkota_code, r.households, r.poor_households, r.share,
                              r.neighbourhood_share, r.z_score, r.p_value, r.is_new,
                              r.reason_id, r.reason_en) for r in rows])


def _values(pocket: PocketRecord) -> dict[str, object]:
    return {"kabkota_code": pocket.kabkota_code, "households": pocket.households,
            "poor_households": pocket.poor_households, "share": pocket.share,
            "neighbourhood_share": pocket.neighbourhood_share, "z_score": pocket.z_score,
            "p_value": pocket.p_value, "is_new": pocket.is_new, "reason_id": pocket.reason_id,
            "reason_en": pocket.reason_en}
