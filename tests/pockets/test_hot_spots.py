"""Gi* hot spots over the shipped regency boundaries, on generated per-kab/kota values
(docs/pockets.md): a planted block of deprivation is found, uniform values yield none."""

from __future__ import annotations

import random

import pytest

from gateway.service_layer.pockets_stats import hot_spots
from gateway.service_layer.pockets_weights import Contiguity, contiguity


@pytest.fixture(scope="module")
def queen() -> Contiguity:
    return contiguity()


def uniform_values(queen: Contiguity, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    return {code: rng.betavariate(20, 80) for code in queen.neighbours}  # about 20% poor


def block_around(queen: Contiguity, code: str) -> set[str]:
    """``code``, its neighbours and theirs (second order): a contiguous block."""
    block = {code, *queen.neighbours[code]}
    for member in list(block):
        block |= set(queen.neighbours[member])
    return block


def test_every_regency_has_neighbours_islands_get_their_nearest(queen: Contiguity) -> None:
    assert len(queen.neighbours) == 514
    assert all(queen.neighbours.values())
    assert "31.01" in queen.nearest  # Kepulauan Seribu touches no other regency
    assert "32.73" not in queen.nearest and len(queen.nearest) >= 36
    assert "32.04" in queen.neighbours["32.73"]  # Kota Bandung borders Kabupaten Bandung
    for code, around in queen.neighbours.items():  # symmetric
        assert all(code in queen.neighbours[n] for n in around)


def test_the_weights_are_cached_on_disk_per_boundary_file(tmp_path, queen) -> None:
    first = contiguity(tmp_path)
    (cached,) = tmp_path.iterdir()
    assert queen.boundary_sha256[:16] in cached.name
    assert contiguity(tmp_path) == first == queen


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_uniform_values_yield_no_pocket(queen: Contiguity, seed: int) -> None:
    tests = hot_spots(uniform_values(queen, seed), queen)
    assert len(tests) == 514
    assert [t.code for t in tests if t.flagged] == []


@pytest.mark.parametrize(("seed", "centre"), [(1, "33.01"), (2, "53.01"), (3, "16.03")])
def test_a_planted_block_of_deprivation_is_found(queen: Contiguity, seed: int,
                                                 centre: str) -> None:
    values = uniform_values(queen, seed)
    block = block_around(queen, centre)
    rng = random.Random(seed)
    for code in block:
        values[code] = rng.betavariate(45, 55)  # about 45% poor
    flagged = {t.code for t in hot_spots(values, queen) if t.flagged}
    assert centre in flagged
    assert len(flagged & block) >= len(block) // 2
    # what is flagged outside the block touches it (Gi* counts the neighbours' values)
    assert all(set(queen.neighbours[c]) & block for c in flagged - block)


def test_the_same_seed_gives_the_same_answer(queen: Contiguity) -> None:
    values = uniform_values(queen, 5)
    assert hot_spots(values, queen, permutations=999) == hot_spots(values, queen,
                                                                     permutations=999)


def test_too_few_regions_or_equal_values_flag_nothing(queen: Contiguity) -> None:
    assert hot_spots({"32.73": 0.5, "32.04": 0.1}, queen) == []
    equal = hot_spots({c: 0.2 for c in ["32.73", "32.04", "32.77", "32.17"]}, queen)
    assert [t.flagged for t in equal] == [False] * 4


def test_a_subset_without_shared_borders_links_each_to_its_nearest(queen: Contiguity) -> None:
    subset = queen.restricted({"32.73", "11.01", "91.71"})
    assert all(subset.neighbours.values())
    assert subset.nearest == frozenset({"32.73", "11.01", "91.71"})  # each end of a link
