"""The framework-free federation core: circuit breaker, deadline, planner, cursors, k-way
merge, aggregate combining, global ids, directory keys."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from gateway.errors import InvalidCursor
from gateway.federation.aggregates import (
    CountGroup,
    Dimension,
    combine,
    groups_from_node,
    rollups_can_answer,
)
from gateway.federation.breaker import CircuitBreaker, CircuitState
from gateway.federation.cursor import GatewayCursor
from gateway.federation.deadline import Deadline
from gateway.federation.directory import NikDirectoryKey
from gateway.federation.filters import HouseholdFilter
from gateway.federation.global_id import qualify, split
from gateway.federation.merge import NodeEdge, NodePage, merge_pages
from gateway.federation.model import schema_incompatibility
from gateway.federation.planner import plan_for_region
from schema.errors import InvalidInput, InvalidRegionCode

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_circuit_opens_after_consecutive_failures_and_closes_after_a_good_trial():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=3, reset_after_s=10, clock=clock)
    for _ in range(2):
        assert breaker.allow()
        breaker.record_failure()
    breaker.record_success()  # a success resets the count
    for _ in range(3):
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.state is CircuitState.OPEN and not breaker.allow()
    clock.now += 10
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.record_failure()  # trial failed: open for another full period
    assert breaker.state is CircuitState.OPEN
    clock.now += 10
    assert breaker.allow()
    breaker.record_success()
    assert breaker.state is CircuitState.CLOSED and breaker.allow()


def test_deadline_forwards_what_remains_minus_a_margin():
    clock = FakeClock()
    deadline = Deadline.after_ms(1000, clock)
    clock.now += 0.4
    assert deadline.remaining() == pytest.approx(0.6)
    assert deadline.forwarded_ms() == 580
    clock.now += 1
    assert deadline.expired() and deadline.remaining() == 0 and deadline.forwarded_ms() == 1


REGISTERED = ["32.04", "32.73", "35.78", "53.71"]


@pytest.mark.parametrize(("region", "targets", "unregistered"), [
    (None, ("32.04", "32.73", "35.78", "53.71"), ()),
    ("32", ("32.04", "32.73"), ()),
    ("32.73", ("32.73",), ()),
    ("32.73.01", ("32.73",), ()),
    ("32.73.01.1001", ("32.73",), ()),
    ("11", (), ()),
    ("11.01", (), ("11.01",)),
])
def test_planner_routes_before_scattering(region, targets, unregistered):  # type: ignore[no-untyped-def]
    plan = plan_for_region(region, REGISTERED)
    assert (plan.targets, plan.unregistered) == (targets, unregistered)


def test_filters_refuse_bad_input_before_any_node_is_asked():
    with pytest.raises(InvalidRegionCode):
        HouseholdFilter(region="32.7")
    with pytest.raises(InvalidInput, match="desilMax"):
        HouseholdFilter(desil_max=11)


def test_cursor_round_trip_and_refusals():
    cursor = GatewayCursor("ID", HouseholdFilter(region="32").digest(),
                           {"32.73": "abc", "32.04": "def"})
    text = cursor.encode()
    assert GatewayCursor.decode(text, order="ID", filter_digest=cursor.filter_digest) == cursor
    with pytest.raises(InvalidCursor) as order:
        GatewayCursor.decode(text, order="DESA", filter_digest=cursor.filter_digest)
    assert order.value.reason == "order_mismatch"
    with pytest.raises(InvalidCursor) as other_filter:
        GatewayCursor.decode(text, order="ID", filter_digest=HouseholdFilter().digest())
    assert other_filter.value.reason == "filter_mismatch"
    with pytest.raises(InvalidCursor):
        GatewayCursor.decode("not-a-cursor", order="ID", filter_digest="x")


def _pages(streams: dict[str, list[int]], positions: dict[str, int], first: int
           ) -> list[NodePage]:
    pages = []
    for region, ids in streams.items():
        rest = [i for i in ids if i > positions.get(region, 0)]
        edges = [NodeEdge(region, i, i, str(i), {"id": i}) for i in rest[:first]]
        pages.append(NodePage(region, edges, len(rest) > first))
    return pages


def test_k_way_merge_pages_visit_every_record_once_in_global_order():
    rng = random.Random(7)
    streams = {r: sorted(rng.sample(range(1, 400), 60)) for r in ("32.04", "32.73", "35.78")}
    positions: dict[str, int] = {}
    seen: list[tuple[int, str]] = []
    while True:
        page = merge_pages(_pages(streams, positions, 17), 17)
        seen += [(e.local_id, e.region) for e in page.edges]
        positions.update({r: int(c) for r, c in page.positions().items()})
        if not page.has_next:
            break
    assert seen == sorted((i, r) for r, ids in streams.items() for i in ids)


def test_counts_from_nodes_combine_by_key_with_the_oldest_as_of():
    later = T0 + dt.timedelta(minutes=5)
    rows = [{"status": "ACTIVE", "program": "PKH", "households": 3, "members": 9},
            {"status": "ACTIVE", "program": "BPNT", "households": 1, "members": 2}]
    groups = (groups_from_node("32.73", rows, [Dimension.PROVINCE, Dimension.PROGRAM], T0)
              + groups_from_node("32.04", rows[:1], [Dimension.PROVINCE, Dimension.PROGRAM],
                                 later))
    assert combine(groups) == [
        CountGroup("32", None, None, None, None, "BPNT", None, 1, 2, T0),
        CountGroup("32", None, None, None, None, "PKH", None, 6, 18, T0)]


def test_rollups_answer_only_what_they_keep():
    assert rollups_can_answer([Dimension.PROVINCE, Dimension.PROGRAM], HouseholdFilter())
    assert rollups_can_answer([Dimension.DESIL], HouseholdFilter(region="32.73", desil_max=3))
    assert not rollups_can_answer([Dimension.KECAMATAN], HouseholdFilter())
    assert not rollups_can_answer([], HouseholdFilter(region="32.73.01"))
    assert not rollups_can_answer([], HouseholdFilter(name="siti"))


def test_global_ids_qualify_node_ids_with_the_region():
    assert split(qualify("32.73", 123)) == ("32.73", "123")
    for bad in ("123", "32:1", "32.73:x", "32.73.01:5", ""):
        with pytest.raises(InvalidInput):
            split(bad)


def test_directory_keys_are_keyed_hashes():
    key, other = NikDirectoryKey.from_secret("a" * 32), NikDirectoryKey.from_secret("b" * 32)
    nik = "3273015705900002"
    assert key.key_of(nik) == key.key_of(nik) != other.key_of(nik)
    assert nik not in key.key_of(nik) and len(key.key_of(nik)) == 64
    assert key.fingerprint != other.fingerprint


@pytest.mark.parametrize(("version", "compatible"), [("1.0", True), ("1.7", True),
                                                     ("2.0", False), ("x", False)])
def test_schema_compatibility_is_by_major_version(version: str, compatible: bool):
    assert (schema_incompatibility(version) is None) is compatible
