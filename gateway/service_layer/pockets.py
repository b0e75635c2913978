"""National poverty pockets of a period (docs/pockets.md): every registered node's counts by
(status, desil) are refreshed into the rollups (as the gateway: exact counts, the way the
rollups always are), each kab/kota's deprivation is the share of its active households with a
desil that are in desil 1–2, Getis-Ord Gi* flags the hot spots (``pockets_stats``) and the
flagged kab/kota are stored for the period. A pocket is "new" when the latest period computed
before this one did not flag that kab/kota (with no earlier period, every pocket is new).

Every kab/kota with a rollup snapshot takes part: a node that does not answer keeps its
previous snapshot (and is named in the report); a kab/kota with no snapshot, or no active
household with a desil, takes no part.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from gateway.adapters.pocket_store import PocketRecord, PocketStore, RegionCounts, RunRecord
from gateway.federation.fanout import RequestScope
from gateway.federation.node_client import CallMeta
from gateway.service_layer import rollups
from gateway.service_layer.node_health import GATEWAY_PRINCIPAL
from gateway.service_layer.pockets_stats import (
    DEFAULT_ALPHA,
    DEFAULT_PERMUTATIONS,
    DEFAULT_SEED,
    RegionTest,
    hot_spots,
)
from gateway.service_layer.pockets_weights import contiguity
from gateway.service_layer.services import GatewayServices
from schema.benefits import parse_period
from schema.pockets import NATIONAL_REASON, NEAREST_LINK, joined, percent, reason


@dataclass(frozen=True, slots=True)
class PocketSettings:
    alpha: float = DEFAULT_ALPHA
    permutations: int = DEFAULT_PERMUTATIONS
    seed: int = DEFAULT_SEED
    cache_dir: Path | None = None  # where the contiguity is kept between processes


async def compute_pockets(services: GatewayServices, scope: RequestScope, period: str,
                          settings: PocketSettings = PocketSettings()
                          ) -> tuple[RunRecord, list[PocketRecord]]:
    code = parse_period(period).code
    regions = services.registry.regions()
    as_gateway = RequestScope(scope.deadline, CallMeta(scope.meta.request_id, GATEWAY_PRINCIPAL),
                              scope.report)
    await rollups.refresh(services.federation, services.rollups, regions, as_gateway)
    store = PocketStore(services.database)
    counts = await store.region_counts()
    queen = await asyncio.to_thread(contiguity, settings.cache_dir)
    tests = await asyncio.to_thread(
        hot_spots, {c: n.poor / n.households for c, n in counts.items()}, queen,
        alpha=settings.alpha, permutations=settings.permutations, seed=settings.seed)
    previous_period, previously = await store.previous(code)
    pockets = [_pocket(t, counts[t.code], settings, is_new=t.code not in previously)
               for t in tests if t.flagged]
    run = RunRecord(code, settings.alpha, settings.permutations, settings.seed, len(tests),
                    queen.boundary_sha256, previous_period)
    await store.replace(run, pockets)
    return run, pockets


def _pocket(test: RegionTest, counts: RegionCounts, settings: PocketSettings, *,
            is_new: bool) -> PocketRecord:
    why = reason(NATIONAL_REASON, share=percent(test.value), poor=counts.poor,
                 households=counts.households, around=percent(test.neighbourhood_value),
                 z=f"{test.z:.2f}", p=f"{test.p_value:.4f}",
                 permutations=settings.permutations, alpha=settings.alpha)
    if test.nearest_link:
        why = joined(why, reason(NEAREST_LINK))
    return PocketRecord(test.code, counts.households, counts.poor, test.value,
                        test.neighbourhood_value, test.z, test.p_value, is_new, why.id, why.en)
