"""The gateway's side of the decile protocol, without I/O: which ranges to ask the nodes
about next, and what the summed counts say about each cut point (docs/deciles.md).

``C(e)`` is the number of households nationally whose quantised score is below the edge
``e``. Cut point k is the largest integer v with ``C(v) < r_k`` (then ``C(v+1) ≥ r_k``:
v is the score at rank r_k). Each target keeps an interval ``[lo, hi)`` with
``C(lo) < r_k ≤ C(hi)``; every round splits it into at most ``REFINE_BUCKETS`` buckets, so
the width shrinks by that factor a round until it is 1 and ``lo`` is the cut point. The
first round is a grid over the plausible scores plus the two open ends (two rounds in all
when every cut point lies inside it), and single scores around the previous computation's cut
points when given (one round in all when none moved further); ``C(LOWEST) = 0`` and
``C(HIGHEST) = N`` hold by construction (scores are clamped).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from schema.deciles import (
    CUT_POINTS,
    HIGHEST,
    LOWEST,
    MAX_BUCKETS,
    SCALE,
    RangeCounts,
    ScoreRange,
    target_rank,
)

#: the first grid: log per-capita consumption lies well inside [-20, 60); 4,096 buckets of
#: 0.0195 each, so that one refinement (at most ``REFINE_BUCKETS``) reaches single scores
FIRST_RANGE = ScoreRange(start=-20 * SCALE, width=80 * SCALE // 4096, buckets=4096)
REFINE_BUCKETS = 20_000
#: a hint (a cut point of the previous computation) asks, in the first round, about single
#: scores this far on either side of it: when the cut point has not moved further, the first
#: round settles it (no second round). Single-score buckets near a cut point are what the
#: second round would ask anyway.
HINT_REACH = REFINE_BUCKETS // 2
#: rounds after which the search gives up (the width of [LOWEST, HIGHEST) needs at most 6)
MAX_ROUNDS = 12


@dataclass
class Target:
    k: int
    rank: int
    lo: int
    hi: int

    @property
    def done(self) -> bool:
        return self.hi - self.lo <= 1


@dataclass
class Search:
    """The state of one computation: known ``C(e)``, the targets, the rounds asked."""

    households: int = 0
    known: dict[int, int] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    rounds: int = 0
    #: where the cut points were last time (quantised); they only add edges to the first
    #: round, so any hint, right or wrong, leaves the result exact
    hints: tuple[int, ...] = ()

    def next_ranges(self) -> list[ScoreRange]:
        if self.rounds == 0:
            return [FIRST_RANGE, *hint_ranges(self.hints)]
        wanted = {refine(t.lo, t.hi) for t in self.targets if not t.done}
        return sorted(wanted, key=lambda r: r.start)

    def take(self, ranges: Sequence[ScoreRange], totals: Sequence[RangeCounts],
             households: int) -> None:
        """Fold the summed answers of one round in, then narrow every target."""
        if self.rounds == 0:
            self.households = households
            self.known.update({LOWEST: 0, HIGHEST: households})
            self.targets = [Target(k, target_rank(k, households), LOWEST, HIGHEST)
                            for k in range(1, CUT_POINTS + 1)]
        elif households != self.households:
            raise ChangedDuringSearch(self.households, households)
        self.rounds += 1
        for r, counts in zip(ranges, totals, strict=True):
            self.known.update(cumulative(r, counts))
        edges = sorted(self.known)
        for target in self.targets:
            narrow(target, edges, self.known)

    @property
    def finished(self) -> bool:
        return self.rounds > 0 and (self.households == 0 or all(t.done for t in self.targets))

    def cuts(self) -> tuple[int, ...]:
        return tuple(t.lo for t in self.targets)


class ChangedDuringSearch(Exception):
    def __init__(self, before: int, after: int) -> None:
        super().__init__(f"households changed during the computation: {before} → {after}")


def hint_ranges(hints: Iterable[int]) -> list[ScoreRange]:
    """Single-score buckets within ``HINT_REACH`` of each hint (overlapping ones merged)."""
    spans: list[list[int]] = []
    for hint in sorted(set(hints)):
        lo = max(LOWEST, min(HIGHEST - 1, hint) - HINT_REACH)
        hi = min(HIGHEST, lo + 2 * HINT_REACH)
        if spans and lo <= spans[-1][1]:
            spans[-1][1] = hi
        else:
            spans.append([lo, hi])
    return [ScoreRange(start, 1, end - start)
            for lo, hi in spans for start in range(lo, hi, MAX_BUCKETS)
            for end in [min(hi, start + MAX_BUCKETS)]]


def refine(lo: int, hi: int) -> ScoreRange:
    width = -(-(hi - lo) // REFINE_BUCKETS)
    return ScoreRange(lo, width, -(-(hi - lo) // width))


def cumulative(r: ScoreRange, counts: RangeCounts) -> dict[int, int]:
    """``C`` at the ends of ``r`` and at both edges of each non-empty bucket, from a
    (summed) answer. ``C`` is flat between these edges, so the edge where it reaches a rank
    and the edge before it (narrowing's only concern) are always among them."""
    known, running = {r.start: counts.below}, counts.below
    for index, n in counts.buckets:
        known[r.edge(index)] = running
        running += n
        known[r.edge(index + 1)] = running
    known[r.end] = running
    return known


def narrow(target: Target, edges: Sequence[int], known: Mapping[int, int]) -> None:
    """The tightest known edges around the target's rank (``C`` is monotone, so a binary
    search over the known edges strictly inside the target's interval)."""
    inside = edges[bisect.bisect_right(edges, target.lo):bisect.bisect_left(edges, target.hi)]
    first_at_rank = bisect.bisect_left(inside, target.rank, key=known.__getitem__)
    if first_at_rank > 0:
        target.lo = inside[first_at_rank - 1]
    if first_at_rank < len(inside):
        target.hi = inside[first_at_rank]


def summed(answers: Iterable[Sequence[RangeCounts]], ranges: int) -> list[RangeCounts]:
    """The nodes' answers added up, range by range."""
    below = [0] * ranges
    buckets: list[dict[int, int]] = [{} for _ in range(ranges)]
    for answer in answers:
        for i, counts in enumerate(answer):
            below[i] += counts.below
            for index, n in counts.buckets:
                buckets[i][index] = buckets[i].get(index, 0) + n
    return [RangeCounts(below[i], tuple(sorted(buckets[i].items()))) for i in range(ranges)]


def count_below(edge: int, asked: Sequence[tuple[Sequence[ScoreRange], Sequence[RangeCounts]]]
                ) -> int | None:
    """One node's ``C(edge)`` from its answers to earlier rounds, if an asked range has
    ``edge`` as one of its edges."""
    for ranges, answers in asked:
        for r, counts in zip(ranges, answers, strict=True):
            if r.start <= edge <= r.end and (edge - r.start) % r.width == 0:
                index = (edge - r.start) // r.width
                return counts.below + sum(n for i, n in counts.buckets if i < index)
    return None
