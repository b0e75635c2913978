"""``scoreHistogram``: how many of this node's households have a PMT score in each bucket of
the ranges the national gateway asks about (docs/deciles.md). Counts only, never a score or
a household; answered to the gateway's service identity alone."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.service_layer.deciles import score_histogram
from schema.deciles import DecileShapeError, ScoreRange, bucket_text
from schema.errors import InvalidInput


@strawberry.input(description="Buckets [start + i·width, start + (i+1)·width), i < buckets, "
                              "of quantised scores (millionths)")
class ScoreRangeInput:
    start: float
    width: float
    buckets: int


@strawberry.type(description="One range's counts: households below its start, and the "
                             "non-empty buckets as 'index:households' pairs, indexes "
                             "ascending, comma-separated ('' when none)")
class ScoreRangeCounts:
    below: int
    buckets: str


@strawberry.type(description="Counts of this node's scores for the national deciles")
class ScoreHistogram:
    households: int
    ranges: list[ScoreRangeCounts]


def _range(value: ScoreRangeInput) -> ScoreRange:
    if not (float(value.start).is_integer() and float(value.width).is_integer()):
        raise InvalidInput("range edges are whole millionths", reason="histogram",
                           field="ranges")
    return ScoreRange(int(value.start), int(value.width), value.buckets)


@strawberry.type
class DecileQuery:
    @strawberry.field(description="The national gateway's decile rounds: counts of this "
                                  "node's scores per bucket (its service identity only)")
    async def score_histogram(self, info: Info[NodeContext, None],
                              ranges: list[ScoreRangeInput]) -> ScoreHistogram | None:
        try:
            wanted = [_range(r) for r in ranges]
            households, answer = await score_histogram(info.context.database,
                                                       info.context.principal, wanted)
        except DecileShapeError as exc:
            raise InvalidInput(str(exc), reason="histogram", field="ranges") from None
        return ScoreHistogram(households=households, ranges=[
            ScoreRangeCounts(below=a.below, buckets=bucket_text(a.buckets)) for a in answer])
