"""HDBSCAN clusters of poor households with a permutation test (docs/pockets.md): a planted
dense cluster of poor households is found; households whose poverty is spread at random,
over a uniform area or over villages, yield none."""

from __future__ import annotations

import random

import pytest

from regional_node.service_layer.cluster_stats import HouseholdPoint, clusters

DESA = "32.73.01.1001"


def uniform(seed: int, n: int = 1500) -> list[HouseholdPoint]:
    rng = random.Random(seed)
    return [HouseholdPoint(i, DESA, -6.95 + rng.uniform(0, 0.15), 107.55 + rng.uniform(0, 0.15),
                           rng.random() < 0.2) for i in range(n)]


def villages(seed: int, n: int = 1500) -> list[HouseholdPoint]:
    """Households gathered in 20 villages (people cluster), the poor among them at random."""
    rng = random.Random(seed)
    centres = [(-6.95 + rng.uniform(0, 0.15), 107.55 + rng.uniform(0, 0.15)) for _ in range(20)]
    points = []
    for i in range(n):
        lat, lon = rng.choice(centres)
        points.append(HouseholdPoint(i, DESA, lat + rng.gauss(0, 0.003),
                                     lon + rng.gauss(0, 0.003), rng.random() < 0.2))
    return points


def planted(points: list[HouseholdPoint], seed: int) -> list[HouseholdPoint]:
    rng = random.Random(seed)
    return points + [HouseholdPoint(10_000 + i, "32.73.01.1002", -6.84 + rng.gauss(0, 0.0015),
                                    107.68 + rng.gauss(0, 0.0015), True) for i in range(30)]


@pytest.mark.parametrize("make", [uniform, villages])
@pytest.mark.parametrize("seed", [1, 2])
def test_randomly_placed_poverty_yields_no_pocket(make, seed: int) -> None:
    found = clusters(make(seed))
    assert [c for c in found if c.flagged] == []


@pytest.mark.parametrize("make", [uniform, villages])
def test_a_planted_cluster_of_poor_households_is_found(make) -> None:
    (pocket,) = [c for c in clusters(planted(make(3), 3)) if c.flagged]
    assert len(set(range(10_000, 10_030)) & set(pocket.household_ids)) >= 25  # its core
    assert pocket.centroid == (-6.84, 107.68)  # rounded to 2 decimals (about 1 km)
    assert "32.73.01.1002" in pocket.desa_codes
    assert pocket.share > 1.5 * pocket.overall_share
    assert pocket.p_value <= 0.05


def test_too_few_poor_households_give_no_candidate() -> None:
    points = [HouseholdPoint(i, DESA, -6.9 + i / 1000, 107.6, i < 5) for i in range(50)]
    assert clusters(points) == []
