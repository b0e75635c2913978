"""A range's non-empty buckets as one string (``index:households`` pairs), as a node sends
them and the gateway reads them back (docs/deciles.md)."""

from __future__ import annotations

import random

import pytest

from schema.deciles import DecileShapeError, bucket_text, read_bucket_text


def test_round_trip() -> None:
    rng = random.Random(3)
    for _ in range(200):
        size = rng.randint(1, 20_000)
        indexes = sorted(rng.sample(range(size), rng.randint(0, min(size, 50))))
        buckets = tuple((i, rng.randint(1, 10 ** 6)) for i in indexes)
        assert read_bucket_text(bucket_text(buckets), size) == buckets
    assert bucket_text(()) == "" and read_bucket_text("", 1) == ()
    assert bucket_text(((0, 3), (7, 12))) == "0:3,7:12"


@pytest.mark.parametrize("text", ["0:3,0:4", "3:1,2:1", "4:1", "-1:2", "0:0", "1:-2", "x",
                                  "1", "1:", ":1", "1:2,", "1:2:3", "1.5:2"])
def test_out_of_shape_is_refused(text: str) -> None:
    with pytest.raises(DecileShapeError):
        read_bucket_text(text, 4)
