"""Refreshing national rollups: ask each node for its counts by (status, desil) and by
(program, status, desil) in one request, and replace that region's snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from gateway.adapters.rollup_store import RollupRow, RollupStore
from gateway.federation.fanout import Federation, RequestScope

ROLLUP_QUERY = """query GatewayRollup {
  totals: householdCounts(groupBy: [STATUS, DESIL]) { status desil households members }
  enrolments: householdCounts(groupBy: [PROGRAM, STATUS, DESIL]) {
    program status desil households members
  }
}"""


def rollup_rows(data: dict[str, Any]) -> list[RollupRow]:
    rows = [RollupRow(None, r["status"], r["desil"], r["households"], r["members"])
            for r in data["totals"]]
    rows += [RollupRow(r["program"], r["status"], r["desil"], r["households"], r["members"])
             for r in data["enrolments"]]
    return rows


async def refresh(federation: Federation, store: RollupStore, regions: Sequence[str],
                  scope: RequestScope) -> list[str]:
    """Refresh the given regions (one request each, in parallel, stored in one transaction);
    the regions refreshed.
    Nodes that fail keep their previous snapshot; the failures are in ``scope.report``."""
    if not regions:
        return []
    as_of = dt.datetime.now(dt.UTC)
    answers = await federation.scatter(list(regions), ROLLUP_QUERY, {}, scope)
    await store.replace_many({region: rollup_rows(data) for region, data in answers.items()},
                             as_of)
    return sorted(answers)
