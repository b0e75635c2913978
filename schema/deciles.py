"""National welfare deciles (desil), the contract the gateway and the nodes share
(docs/deciles.md).

Definition. A score is the household's PMT score (predicted log per-capita consumption:
lower is poorer) **quantised** to ``SCORE_DECIMALS`` decimals, an integer ``q`` of
millionths. Over the N households counted nationally, sorted ascending, the cut point
``c_k`` (k = 1..9) is the score at rank ``ceil(k·N/10)``: PostgreSQL's
``percentile_disc(k/10)``. A household's desil is the smallest k with ``q ≤ c_k``, else 10:
desil 1 is the poorest tenth. Households with the same score share a desil, so a desil may
hold more or fewer than a tenth. ``c_10`` (the richest score) is never computed.

The protocol only ever moves counts: the gateway asks each node how many of its households
have ``q`` below each edge of some ranges it chooses (:class:`ScoreRange`), never a score.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCORE_DECIMALS = 6
SCALE = 10 ** SCORE_DECIMALS
#: quantised scores are clamped into [LOWEST, HIGHEST): integers a JSON/GraphQL float holds
#: exactly (|x| < 2^53), far outside any log consumption
LOWEST, HIGHEST = -(2 ** 52), 2 ** 52
CUT_POINTS = 9
#: a request names at most this many ranges and buckets per range (a node refuses more)
MAX_RANGES, MAX_BUCKETS = 64, 20_000
DESIL_ACTION = "DESIL_CUTS"


class DecileShapeError(ValueError):
    """A histogram request or a cut-point message that breaks the rules above."""


def quantise(score: float) -> int:
    """The score in millionths, rounded half to even, clamped into [LOWEST, HIGHEST)."""
    if math.isnan(score):
        raise DecileShapeError("a PMT score is not a number")
    return max(LOWEST, min(HIGHEST - 1, round(score * SCALE)))


def score_of(q: int) -> float:
    return q / SCALE


def target_rank(k: int, households: int) -> int:
    """Rank (1-based, ascending) of cut point k among ``households``: ceil(k·N/10)."""
    return -(-k * households // 10)


def desil_of(q: int, cuts: Sequence[int]) -> int:
    """Smallest k with q ≤ c_k, else 10."""
    return bisect.bisect_left(cuts, q) + 1


@dataclass(frozen=True, slots=True)
class ScoreRange:
    """Buckets [start + i·width, start + (i+1)·width) for i < buckets."""

    start: int
    width: int
    buckets: int

    @property
    def end(self) -> int:
        return self.start + self.width * self.buckets

    def edge(self, i: int) -> int:
        return self.start + self.width * i


def check_ranges(ranges: Sequence[ScoreRange]) -> None:
    if not 1 <= len(ranges) <= MAX_RANGES:
        raise DecileShapeError(f"a histogram asks for 1 to {MAX_RANGES} ranges")
    for r in ranges:
        if not 1 <= r.buckets <= MAX_BUCKETS or r.width < 1:
            raise DecileShapeError(f"a range has 1 to {MAX_BUCKETS} buckets of width ≥ 1")
        if not (r.start >= -(2 ** 53) and r.end <= 2 ** 53):
            raise DecileShapeError("a range lies outside the quantised scores")


@dataclass(frozen=True, slots=True)
class RangeCounts:
    """A node's answer for one range: households below its start, and the non-empty
    buckets (index, households). Nothing else: never a score, never a household."""

    below: int
    buckets: tuple[tuple[int, int], ...]


def bucket_text(buckets: Sequence[tuple[int, int]]) -> str:
    """A range's non-empty buckets as a node sends them: ``index:households`` pairs, indexes
    ascending, comma-separated (``""``: none). One string rather than two lists of ints: a
    GraphQL server completes every list item, a string once (docs/deciles.md)."""
    return ",".join(f"{index}:{households}" for index, households in buckets)


def read_bucket_text(text: str, buckets: int) -> tuple[tuple[int, int], ...]:
    """The pairs of :func:`bucket_text` for a range of ``buckets`` buckets; a
    :class:`DecileShapeError` for anything else (indexes out of range or not ascending, a
    count below 1, anything that is not digits)."""
    try:
        pairs = tuple((int(i), int(n)) for i, _, n in (
            pair.partition(":") for pair in text.split(","))) if text else ()
    except ValueError:
        raise DecileShapeError("bucket counts are index:households pairs") from None
    previous = -1
    for index, households in pairs:
        if not previous < index < buckets or households < 1:
            raise DecileShapeError("bucket indexes ascend within the range; counts are ≥ 1")
        previous = index
    return pairs


def count_ranges(sorted_scores: Sequence[int], ranges: Sequence[ScoreRange]
                 ) -> list[RangeCounts]:
    """Counts of a node's quantised scores (sorted ascending) in each range."""
    answers = []
    for r in ranges:
        first = bisect.bisect_left(sorted_scores, r.start)
        last = bisect.bisect_left(sorted_scores, r.end, lo=first)
        filled: dict[int, int] = {}
        for q in sorted_scores[first:last]:
            index = (q - r.start) // r.width
            filled[index] = filled.get(index, 0) + 1
        answers.append(RangeCounts(first, tuple(sorted(filled.items()))))
    return answers


@dataclass(frozen=True, slots=True)
class CutSet:
    """The national cut points a node assigns desil from, as signed by the gateway."""

    cut_set_id: str
    cuts: tuple[int, ...]  # c_1..c_9, quantised
    households: int  # N, nationally
    computed_at: str  # ISO 8601

    def to_json(self) -> dict[str, Any]:
        return {"cut_set_id": self.cut_set_id, "cuts": list(self.cuts),
                "households": self.households, "computed_at": self.computed_at,
                "score_decimals": SCORE_DECIMALS}


def cut_message(cut_set: CutSet) -> dict[str, Any]:
    return {"desil_cuts": cut_set.to_json()}


def read_cut_message(message: Mapping[str, Any]) -> CutSet:
    body = message.get("desil_cuts")
    if not isinstance(body, Mapping) or set(message) != {"desil_cuts"}:
        raise DecileShapeError("a cut-point message carries only 'desil_cuts'")
    cuts, households = body.get("cuts"), body.get("households")
    cut_set_id, computed_at = body.get("cut_set_id"), body.get("computed_at")
    if body.get("score_decimals") != SCORE_DECIMALS:
        raise DecileShapeError(f"cut points must be quantised to {SCORE_DECIMALS} decimals")
    if not (isinstance(cuts, list) and len(cuts) == CUT_POINTS
            and all(type(c) is int and LOWEST <= c < HIGHEST for c in cuts)
            and all(a <= b for a, b in zip(cuts, cuts[1:], strict=False))):
        raise DecileShapeError(f"cut points are {CUT_POINTS} ascending quantised scores")
    if type(households) is not int or households < 1:
        raise DecileShapeError("households must be a positive count")
    if not (isinstance(cut_set_id, str) and cut_set_id and isinstance(computed_at, str)):
        raise DecileShapeError("a cut set needs its id and when it was computed")
    return CutSet(cut_set_id, tuple(cuts), households, computed_at)
