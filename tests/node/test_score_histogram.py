"""``scoreHistogram`` at the node, on SQLite and PostgreSQL: counts of scores per bucket for
the national deciles (docs/deciles.md). Its policy row is Kemensos's, and the node answers
only the gateway's own service identity on top of it: a Kemensos person is refused too, so
it is checked here for every role rather than in the policy matrix."""

from __future__ import annotations

import pytest

from regional_node.service_layer.deciles import DECILE_CALLER, score_histogram
from schema.deciles import DecileShapeError, ScoreRange, quantise
from schema.policy import ROLES, Access, access
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import error_codes, gql, store

QUERY = """query($ranges: [ScoreRangeInput!]!) { scoreHistogram(ranges: $ranges) {
  households ranges { below bucketIndexes bucketHouseholds } } }"""
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


async def test_counts_for_the_gateway(node_database) -> None:  # type: ignore[no-untyped-def]
    await store(node_database, [factories.household(desil=None) for _ in range(3)])
    from regional_node.service_layer.deciles import sorted_scores

    scores = await sorted_scores(node_database)
    assert len(scores) == 3
    households, [counts] = await score_histogram(node_database, GATEWAY,
                                                 [ScoreRange(scores[0], 1, 1)])
    assert households == 3 and counts.below == 0
    assert counts.buckets == ((0, scores.count(scores[0])),)
    assert scores == sorted(quantise(s / 1_000_000) for s in scores)
    with pytest.raises(DecileShapeError):
        await score_histogram(node_database, GATEWAY, [ScoreRange(0, 1, 0)])
