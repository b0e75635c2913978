"""Clusters of poor households inside a kab/kota (docs/pockets.md), at the node.

1. The households with coordinates are projected to metres (equirectangular around their
   mean latitude: within one regency the error is well under 1%).
2. HDBSCAN (scikit-learn) runs over the poor ones (desil 1–2) alone, with
   ``min_cluster_size`` a setting: the core of each cluster it finds (the members it holds
   with a strength of at least ``CORE_PROBABILITY``) is a candidate.
3. Poor households cluster wherever people do (a town), so a candidate is scored by how much
   poorer the households inside the convex hull of its members, poor or not, are than the
   kab/kota: the one-sided binomial p-value of the poor among them against the kab/kota's
   share. That p-value is biased (the hull is drawn around poor households), so it is only a
   score: the same search runs again over ``permutations`` random reassignments of which
   households are poor (fixed ``seed``), and a candidate is a pocket when the share of
   reassignments whose best candidate scores as well as it, ``(1 + b) / (1 + permutations)``,
   is at most ``alpha``. Taking each reassignment's best candidate makes this one test for
   the whole kab/kota (family-wise), whatever the number of candidates, as a scan
   statistic does.

The heavy libraries are imported inside the function, never when the module is imported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_000.0
DEFAULT_MIN_CLUSTER_SIZE = 10
DEFAULT_ALPHA = 0.05
DEFAULT_PERMUTATIONS = 99
# a cluster's core: its members HDBSCAN holds with at least this strength (a dense pocket in
# a sparse background otherwise absorbs the nearby poor households and dilutes the test)
CORE_PROBABILITY = 0.5
DEFAULT_SEED = 14
CENTROID_DECIMALS = 2  # about 1.1 km: where a pocket is, not whose house


@dataclass(frozen=True, slots=True)
class HouseholdPoint:
    household_id: int
    desa_code: str
    latitude: float
    longitude: float
    poor: bool


@dataclass(frozen=True, slots=True)
class Cluster:
    household_ids: tuple[int, ...]  # the poor households HDBSCAN grouped (stay at the node)
    desa_codes: tuple[str, ...]
    centroid: tuple[float, float]  # (lat, lon), rounded to CENTROID_DECIMALS
    households_in_area: int  # all households inside the members' convex hull
    poor_in_area: int
    overall_share: float  # of the kab/kota's households with coordinates
    score: float  # the binomial p-value in the hull (biased: a score, not a test)
    p_value: float  # the permutation p-value, family-wise over the kab/kota
    permutations: int
    flagged: bool

    @property
    def size(self) -> int:
        return len(self.household_ids)

    @property
    def share(self) -> float:
        return self.poor_in_area / self.households_in_area if self.households_in_area else 0.0


@dataclass(frozen=True, slots=True)
class _Candidate:
    members: tuple[int, ...]  # indices into the points
    households: int
    poor: int
    score: float


def clusters(points: Sequence[HouseholdPoint], *,
             min_cluster_size: int = DEFAULT_MIN_CLUSTER_SIZE, alpha: float = DEFAULT_ALPHA,
             permutations: int = DEFAULT_PERMUTATIONS, seed: int = DEFAULT_SEED
             ) -> list[Cluster]:
    """Every candidate cluster, ``flagged`` when it is a pocket."""
    import numpy as np

    if sum(p.poor for p in points) < max(min_cluster_size, 2):
        return []
    xy = _projected(points)
    poor = np.array([p.poor for p in points])
    found = _candidates(xy, poor, min_cluster_size)
    if not found:
        return []
    rng = np.random.default_rng(seed)
    best_under_null = np.array([
        min((c.score for c in _candidates(xy, rng.permutation(poor), min_cluster_size)),
            default=1.0) for _ in range(permutations)])
    overall = float(poor.mean())
    result = []
    for candidate in found:
        p_value = (1 + int((best_under_null <= candidate.score).sum())) / (1 + permutations)
        result.append(_cluster(points, candidate, overall, p_value, permutations,
                               p_value <= alpha))
    return result


def _candidates(xy, poor, min_cluster_size: int) -> list[_Candidate]:
    import numpy as np
    from scipy.stats import binom
    from sklearn.cluster import HDBSCAN

    overall = float(poor.mean())
    poor_index = np.flatnonzero(poor)
    fitted = HDBSCAN(min_cluster_size=min_cluster_size, copy=True).fit(xy[poor_index])
    labels, strength = fitted.labels_, fitted.probabilities_
    found = []
    for label in sorted(set(labels.tolist()) - {-1}):
        members = poor_index[(labels == label) & (strength >= CORE_PROBABILITY)]
        if len(members) < 3:
            members = poor_index[labels == label]
        inside = _inside_hull(xy[members], xy)
        n, k = int(inside.sum()), int((inside & poor).sum())
        score = float(binom.sf(k - 1, n, overall))  # P(X >= k)
        found.append(_Candidate(tuple(int(i) for i in members), n, k, score))
    return found


def _cluster(points: Sequence[HouseholdPoint], candidate: _Candidate, overall: float,
             p_value: float, permutations: int, flagged: bool) -> Cluster:
    chosen = [points[i] for i in candidate.members]
    lat = sum(p.latitude for p in chosen) / len(chosen)
    lon = sum(p.longitude for p in chosen) / len(chosen)
    return Cluster(household_ids=tuple(sorted(p.household_id for p in chosen)),
                   desa_codes=tuple(sorted({p.desa_code for p in chosen})),
                   centroid=(round(lat, CENTROID_DECIMALS), round(lon, CENTROID_DECIMALS)),
                   households_in_area=candidate.households, poor_in_area=candidate.poor,
                   overall_share=overall, score=candidate.score, p_value=p_value,
                   permutations=permutations, flagged=flagged)


def _projected(points: Sequence[HouseholdPoint]):
    import numpy as np

    lat0 = sum(p.latitude for p in points) / len(points)
    scale = math.cos(math.radians(lat0))
    return np.array([[math.radians(p.longitude) * scale * EARTH_RADIUS_M,
                      math.radians(p.latitude) * EARTH_RADIUS_M] for p in points])


def _inside_hull(members, xy):
    """Which of ``xy`` lie in the convex hull of ``members`` (a circle around their mean when
    they are collinear); a member is always inside."""
    import numpy as np
    from scipy.spatial import ConvexHull, QhullError

    try:
        facets = ConvexHull(members).equations  # inside: normal · point + offset <= 0
        inside = np.all(xy @ facets[:, :2].T + facets[:, 2] <= 1e-6, axis=1)
    except QhullError:
        centre = members.mean(axis=0)
        radius = float(np.max(np.hypot(*(members - centre).T)))
        inside = np.hypot(*(xy - centre).T) <= radius + 1e-6
    return inside
