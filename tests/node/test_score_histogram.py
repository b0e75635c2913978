"""``scoreHistogram`` at the node, on SQLite and PostgreSQL: counts of scores per bucket for
the national deciles (docs/deciles.md). Its policy row is Kemensos's, and the node answers
only the gateway's own service identity on top of it: a Kemensos person is refused too, so
it is checked here for every role rather than in the policy matrix."""

from __future__ import annotations

import math
import random

import pytest
from sqlalchemy import delete, select, update

from regional_node.adapters.orm import Household, PmtScore, utcnow
from regional_node.service_layer.deciles import DECILE_CALLER, score_histogram
from schema.deciles import DecileShapeError, ScoreRange, count_ranges, quantise
from schema.enums import HouseholdStatus
from schema.policy import ROLES, Access, access
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import error_codes, gql, store

QUERY = """query($ranges: [ScoreRangeInput!]!) { scoreHistogram(ranges: $ranges) {
  households ranges { below buckets } } }"""
RANGES = [{"start": 0, "width": 1, "buckets": 1}]
GATEWAY = Principal(DECILE_CALLER, Role.KEMENSOS)


async def test_a_kemensos_person_is_refused(node_client) -> None:  # type: ignore[no-untyped-def]
    body = await gql(node_client, QUERY, principal=Principal("user:kemensos", Role.KEMENSOS),
                     ranges=RANGES)
    assert body["data"] == {"scoreHistogram": None}
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["extensions"]["reason"] == "service_only"


@pytest.mark.parametrize("role", [r for r in ROLES if r is not Role.KEMENSOS])
async def test_every_other_role_is_refused(node_client, role: Role) -> None:  # type: ignore[no-untyped-def]
    assert access(role, "Query", "scoreHistogram") is Access.DENIED
    principal = None if role is Role.PUBLIC else Principal(
        f"user:{role.value.lower()}", role, "32.73.01.1001" if role in (
            Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS) else None,
        programs=("PKH",) if role is Role.MITRA else ())
    body = await gql(node_client, QUERY, principal=principal, ranges=RANGES)
    assert body["data"] == {"scoreHistogram": None}
    assert error_codes(body) == ["FORBIDDEN_FIELD"]


async def scores_of(database) -> list[int]:  # type: ignore[no-untyped-def]
    """The counted households' quantised scores, ascending, as Python quantises them."""
    async with database.reader() as session:
        scores = (await session.execute(
            select(PmtScore.score).join(Household, Household.id == PmtScore.household_id)
            .where(Household.status == HouseholdStatus.ACTIVE.value))).scalars().all()
    return sorted(quantise(s) for s in scores)


async def test_counts_for_the_gateway(node_database) -> None:  # type: ignore[no-untyped-def]
    await store(node_database, [factories.household(desil=None) for _ in range(3)])
    scores = await scores_of(node_database)
    assert len(scores) == 3
    households, [counts] = await score_histogram(node_database, GATEWAY,
                                                 [ScoreRange(scores[0], 1, 1)])
    assert households == 3 and counts.below == 0
    assert counts.buckets == ((0, scores.count(scores[0])),)
    with pytest.raises(DecileShapeError):
        await score_histogram(node_database, GATEWAY, [ScoreRange(0, 1, 0)])


#: scores whose quantising is easy to get wrong in SQL: exact halves of a millionth (rounded
#: half to even), just under a half, negative ones, zero, and scores clamped at the ends
TRICKY = [5e-07, 1.5e-06, 2.5e-06, 3.5e-06, -5e-07, -1.5e-06, -2.5e-06, 13.5000005,
          13.5000015, -13.4999995, -13.5000005, 4503.5996275, math.nextafter(5e-07, 0),
          -math.nextafter(5e-07, 0), 0.0, 13.360484, 12.6518692559073, 1e10, -1e10,
          4503599627.3704955, -4503599627.370497, 1e300, -1e300]


async def test_the_counts_quantise_as_python_does(node_database) -> None:  # type: ignore[no-untyped-def]
    """The node counts in SQL; every score lands in the bucket of Python's quantise."""
    rng = random.Random(7)
    values = TRICKY + [round(rng.gauss(13.5, 0.6), rng.choice((6, 7, 9, 12))) for _ in range(30)]
    ids = await store(node_database, [factories.household(desil=None)
                                      for _ in range(len(values) + 1)])
    async with node_database.writer() as session, session.begin():
        await session.execute(delete(PmtScore).where(PmtScore.household_id.in_(ids)))
        for household_id, score in zip(ids, [*values, 13.4], strict=True):
            session.add(PmtScore(household_id=household_id, score=score,
                                 model_version="test", computed_at=utcnow()))
        await session.execute(update(Household).where(Household.id == ids[-1])
                              .values(status=HouseholdStatus.INACTIVE.value))
    expected = sorted(quantise(s) for s in values)
    assert await scores_of(node_database) == expected
    ranges = [ScoreRange(q - 2, 1, 5) for q in sorted(set(expected))][:60]
    ranges += [ScoreRange(-20 * 10 ** 6, 19_531, 4096), ScoreRange(13_000_000, 7, 20_000)]
    households, answer = await score_histogram(node_database, GATEWAY, ranges)
    assert households == len(values)
    assert answer == count_ranges(expected, ranges)
