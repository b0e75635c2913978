"""The node's decile counts in SQL (docs/deciles.md): one statement per request counts the
counted households (ACTIVE, scored) below each asked range and in each of its non-empty
buckets, so that no score is read into Python.

The quantised score ``q`` must be exactly :func:`schema.deciles.quantise`: the score times
10^6 (the same IEEE multiplication), rounded half to even, clamped into [LOWEST, HIGHEST).
PostgreSQL's float-to-bigint cast rounds half to even (``rint``); SQLite's ``round`` rounds
half away from zero, so on SQLite the rounding is spelt out from the truncated value and the
exact remainder (``x − trunc(x)`` is exact in binary floating point).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from schema.deciles import HIGHEST, LOWEST, SCALE, RangeCounts, ScoreRange
from schema.enums import HouseholdStatus

#: |x| beyond 2^53 is clamped before any cast (the result clamps to [LOWEST, HIGHEST) anyway)
_BOUND = float(2 ** 53)

_SCORES = ("FROM pmt_score s JOIN household h ON h.id = s.household_id "
           "WHERE h.status = :active")

_SQLITE_Q = f"""SELECT max(min(CASE WHEN x >= 0
      THEN t + (CASE WHEN x - t > 0.5 THEN 1 WHEN x - t = 0.5 THEN t % 2 ELSE 0 END)
      ELSE t - (CASE WHEN x - t < -0.5 THEN 1 WHEN x - t = -0.5 THEN abs(t % 2) ELSE 0 END)
    END, {HIGHEST - 1}), {LOWEST}) AS q
  FROM (SELECT x, CAST(x AS INTEGER) AS t
        FROM (SELECT max(min(s.score * {float(SCALE)!r}, {_BOUND!r}), {-_BOUND!r}) AS x
              {_SCORES}))"""

_POSTGRES_Q = f"""SELECT GREATEST(LEAST(CAST(GREATEST(LEAST(
      s.score * CAST({SCALE} AS DOUBLE PRECISION), CAST({_BOUND!r} AS DOUBLE PRECISION)),
      CAST({-_BOUND!r} AS DOUBLE PRECISION)) AS BIGINT), {HIGHEST - 1}), {LOWEST}) AS q
  {_SCORES}"""


def quantised_scores_sql(dialect: str) -> str:
    """A SELECT of one column ``q``: every counted household's quantised score."""
    return _POSTGRES_Q if dialect == "postgresql" else _SQLITE_Q


def histogram_sql(dialect: str, ranges: int) -> str:
    """Rows (range, bucket, households): range −1 is the total, bucket −1 the households
    below the range's start, other buckets only when non-empty."""
    parts = ["SELECT -1 AS r, 0 AS b, count(*) AS n FROM scored"]
    for i in range(ranges):
        parts.append(f"SELECT {i}, -1, count(*) FROM scored WHERE q < :start{i}")
        parts.append(f"SELECT {i}, (q - :start{i}) / :width{i}, count(*) FROM scored "
                     f"WHERE q >= :start{i} AND q < :end{i} GROUP BY 2")
    materialized = "MATERIALIZED " if dialect in ("postgresql", "sqlite") else ""
    return (f"WITH scored AS {materialized}({quantised_scores_sql(dialect)}) "
            + " UNION ALL ".join(parts))


def count_histogram(connection: Connection, ranges: Sequence[ScoreRange]
                    ) -> tuple[int, list[RangeCounts]]:
    """(counted households, counts per range), in one statement (run it through
    ``Database.run_sync``: on SQLite one hand-off to a worker thread)."""
    params: dict[str, Any] = {"active": HouseholdStatus.ACTIVE.value}
    for i, r in enumerate(ranges):
        params.update({f"start{i}": r.start, f"width{i}": r.width, f"end{i}": r.end})
    rows = connection.execute(text(histogram_sql(connection.dialect.name, len(ranges))),
                              params).all()
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
