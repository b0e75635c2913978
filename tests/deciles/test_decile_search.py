"""The decile search without I/O: the gateway's refinement over nodes' counts (the same pure
functions the nodes and the gateway call) equals a central sort, with ties, empty regions,
one household, and scores far outside the first grid."""

from __future__ import annotations

import math
import random

import pytest

from gateway.service_layer.decile_search import MAX_ROUNDS, Search, summed
from schema.deciles import (
    HIGHEST,
    LOWEST,
    DecileShapeError,
    ScoreRange,
    check_ranges,
    count_ranges,
    desil_of,
    quantise,
    read_cut_message,
    target_rank,
)


def central(scores: list[int]) -> tuple[int, ...]:
    """percentile_disc(k/10) of a central sort."""
    ordered = sorted(scores)
    return tuple(ordered[math.ceil(k * len(ordered) / 10) - 1] for k in range(1, 10))


def federated(regions: list[list[int]]) -> tuple[tuple[int, ...], int]:
    nodes = [sorted(r) for r in regions]
    search = Search()
    while not search.finished:
        ranges = search.next_ranges()
        search.take(ranges, summed((count_ranges(n, ranges) for n in nodes), len(ranges)),
                    sum(len(n) for n in nodes))
        assert search.rounds <= MAX_ROUNDS
    return search.cuts(), search.rounds


@pytest.mark.parametrize("seed", range(8))
def test_federated_cut_points_equal_a_central_sort(seed: int) -> None:
    rng = random.Random(seed)
    regions = [[quantise(round(rng.gauss(13.5, 0.6), rng.choice((1, 2, 6))))
                for _ in range(rng.choice((0, 1, 7, 300, 2000)))] for _ in range(6)]
    regions.append([])  # an empty region
    if not any(regions):
        regions[0].append(quantise(13.0))
    cuts, rounds = federated(regions)
    assert cuts == central([q for r in regions for q in r])
    assert rounds == 2


def test_ties_one_household_and_outliers() -> None:
    assert federated([[quantise(12.0)] * 5, []])[0] == (quantise(12.0),) * 9
    assert federated([[quantise(7.25)]])[0] == (quantise(7.25),) * 9
    far = [quantise(-1e6), quantise(1e6), quantise(13.1), quantise(13.1), LOWEST, HIGHEST - 1]
    assert federated([far[:3], far[3:]])[0] == central(far)


def test_desil_is_the_smallest_k_whose_cut_is_not_below() -> None:
    cuts = (10, 20, 20, 30, 40, 50, 60, 70, 80)
    assert [desil_of(q, cuts) for q in (5, 10, 11, 20, 21, 80, 81)] == [1, 1, 2, 2, 4, 9, 10]
    assert target_rank(1, 5) == 1 and target_rank(9, 5) == 5 and target_rank(10, 10) == 10


def test_requests_and_messages_out_of_shape_are_refused() -> None:
    with pytest.raises(DecileShapeError):
        check_ranges([ScoreRange(0, 1, 20_001)])
    with pytest.raises(DecileShapeError):
        check_ranges([ScoreRange(0, 0, 5)])
    with pytest.raises(DecileShapeError):
        check_ranges([])
    good = {"cut_set_id": "x", "cuts": list(range(9)), "households": 9,
            "computed_at": "2026-12-07T00:00:00+00:00", "score_decimals": 6}
    assert read_cut_message({"desil_cuts": good}).cuts == tuple(range(9))
    for bad in ({**good, "cuts": [3, 2, 1, 4, 5, 6, 7, 8, 9]}, {**good, "cuts": [1.5] * 9},
                {**good, "households": 0}, {**good, "score_decimals": 2}):
        with pytest.raises(DecileShapeError):
            read_cut_message({"desil_cuts": bad})


def hinted(regions: list[list[int]], hints: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    nodes = [sorted(r) for r in regions]
    search = Search(hints=hints)
    while not search.finished:
        ranges = search.next_ranges()
        check_ranges(ranges)
        search.take(ranges, summed((count_ranges(n, ranges) for n in nodes), len(ranges)),
                    sum(len(n) for n in nodes))
        assert search.rounds <= MAX_ROUNDS
    return search.cuts(), search.rounds


@pytest.mark.parametrize("seed", range(6))
def test_hints_settle_unmoved_cut_points_in_one_round_and_never_change_them(seed: int
                                                                              ) -> None:
    """The previous run's cut points as hints: the same scores take one round; scores that
    moved a little or a lot, and wrong or extreme hints, still give a central sort's cuts."""
    rng = random.Random(seed)
    regions = [[quantise(round(rng.gauss(13.5, 0.6), rng.choice((2, 6))))
                for _ in range(rng.choice((1, 50, 900)))] for _ in range(5)]
    every = [q for r in regions for q in r]
    before = central(every)
    assert hinted(regions, before) == (before, 1)
    moved = [[q + rng.choice((0, 1, -3, 40_000)) for q in r] for r in regions]
    assert hinted(moved, before)[0] == central([q for r in moved for q in r])
    for hints in ((LOWEST, HIGHEST - 1, LOWEST), tuple(range(0, 9 * 15_000, 15_000)),
                  (quantise(13.5),) * 9, (HIGHEST + 5, LOWEST - 5)):
        assert hinted(regions, hints)[0] == before
