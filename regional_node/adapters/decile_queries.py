"""The node's decile counts in SQL (docs/deciles.md): counts of the counted households
(ACTIVE, scored) below each asked range and in each of its non-empty buckets, so that no
score is read into Python.

They count ``pmt_score.score_q``, the score quantised exactly as
:func:`schema.deciles.quantise` (millionths, half to even, clamped), which every writer of
``pmt_score`` stores beside the score (node migration 0018) and which is indexed: the
buckets of a range are an index range scan with no per-row arithmetic, so a narrow range
(the rounds after the first) reads only the rows near it. One statement: one pass for the
total and every range's count below its start, one ``GROUP BY`` bucket per range over the
index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from schema.deciles import RangeCounts, ScoreRange
from schema.enums import HouseholdStatus

#: every counted score: SQLite walks the ACTIVE households (the status index) and looks each
#: score up by its key, the cheapest full pass (the total and the counts below)
_ALL = ("FROM pmt_score s JOIN household h ON h.id = s.household_id "
        "WHERE h.status = :active")
#: the counted scores in a range: ``CROSS JOIN`` makes SQLite walk the ``score_q`` index over
#: the range first and look each household up by its key (on PostgreSQL: the inner join)
_IN_RANGE = ("FROM pmt_score s CROSS JOIN household h "
             "WHERE h.id = s.household_id AND h.status = :active")


def histogram_sql(ranges: int) -> str:
    """Rows (range, bucket, households), one statement (one snapshot): range −1 is the
    total, bucket −1 a range's households below its start (both from one pass), other
    buckets only when non-empty (an index range scan each)."""
    below = ", ".join(f"coalesce(sum(CASE WHEN s.score_q < :start{i} THEN 1 ELSE 0 END), 0) "
                      f"AS b{i}" for i in range(ranges))
    parts = ["SELECT -1 AS r, 0 AS b, n FROM below"]
    parts += [f"SELECT {i}, -1, b{i} FROM below" for i in range(ranges)]
    parts += [f"SELECT {i}, (s.score_q - :start{i}) / :width{i}, count(*) {_IN_RANGE} "
              f"AND s.score_q >= :start{i} AND s.score_q < :end{i} GROUP BY 2"
              for i in range(ranges)]
    return (f"WITH below AS MATERIALIZED (SELECT count(*) AS n, {below} {_ALL}) "
            + " UNION ALL ".join(parts))


def count_histogram(connection: Connection, ranges: Sequence[ScoreRange]
                    ) -> tuple[int, list[RangeCounts]]:
    """(counted households, counts per range), in one statement (run it through
    ``Database.run_sync``: on SQLite one hand-off to a worker thread)."""
    params: dict[str, Any] = {"active": HouseholdStatus.ACTIVE.value}
    for i, r in enumerate(ranges):
        params.update({f"start{i}": r.start, f"width{i}": r.width, f"end{i}": r.end})
    rows = connection.execute(text(histogram_sql(len(ranges))), params).all()
    households, below = 0, [0] * len(ranges)
    filled: list[list[tuple[int, int]]] = [[] for _ in ranges]
    for r, b, n in rows:
        if r < 0:
            households = int(n)
        elif b < 0:
            below[r] = int(n)
        else:
            filled[r].append((int(b), int(n)))
    return households, [RangeCounts(below[i], tuple(sorted(filled[i])))
                        for i in range(len(ranges))]
