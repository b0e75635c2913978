"""Prometheus metrics in the text exposition format, written by hand (no dependency).

Per-node latency and outcomes, fan-out width, GraphQL requests, and on each scrape the
registry's state (nodes by status, open circuits).
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
WIDTH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 514, 1000)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Labels = tuple[tuple[str, str], ...]


def _labels(labels: Labels, extra: Labels = ()) -> str:
    pairs = labels + extra
    if not pairs:
        return ""
    escaped = (f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
               for k, v in pairs)
    return "{" + ",".join(escaped) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class Counter:
    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self.values: dict[Labels, float] = defaultdict(float)

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        self.values[tuple(sorted(labels.items()))] += amount

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} counter"
        for labels, value in sorted(self.values.items()):
            yield f"{self.name}{_labels(labels)} {_number(value)}"


class Histogram:
    def __init__(self, name: str, help_text: str, buckets: Sequence[float]) -> None:
        self.name, self.help, self.buckets = name, help_text, tuple(buckets)
        self.counts: dict[Labels, list[int]] = {}
        self.sums: dict[Labels, float] = defaultdict(float)

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        counts = self.counts.setdefault(key, [0] * (len(self.buckets) + 1))
        counts[bisect.bisect_left(self.buckets, value)] += 1
        self.sums[key] += value

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} histogram"
        for labels, counts in sorted(self.counts.items()):
            running = 0
            for bound, count in zip((*self.buckets, math.inf), counts, strict=True):
                running += count
                yield (f"{self.name}_bucket{_labels(labels, (('le', _number(bound)),))} "
                       f"{running}")
            yield f"{self.name}_sum{_labels(labels)} {self.sums[labels]!r}"
            yield f"{self.name}_count{_labels(labels)} {running}"


class GatewayMetrics:
    """Implements the federation core's ``CallObserver``."""

    def __init__(self) -> None:
        self.requests = Counter("siks_gateway_graphql_requests_total",
                                "GraphQL requests served, by outcome (ok, partial, error)")
        self.node_calls = Counter("siks_gateway_node_calls_total",
                                  "Calls to regional nodes, by region and outcome (ok or code)")
        self.node_latency = Histogram("siks_gateway_node_call_seconds",
                                      "Latency of node calls, by region", LATENCY_BUCKETS)
        self.fanout_width = Histogram("siks_gateway_fanout_width",
                                      "Nodes one scatter (or route: 1) addressed", WIDTH_BUCKETS)

    def node_call(self, region: str, outcome: str, seconds: float) -> None:
        self.node_calls.inc(region=region, outcome=outcome)
        if outcome == "ok":
            self.node_latency.observe(seconds, region=region)

    def fanout(self, width: int) -> None:
        self.fanout_width.observe(width)

    def render(self, gauges: Callable[[], Iterable[str]] = lambda: ()) -> str:
        lines: list[str] = []
        for metric in (self.requests, self.node_calls, self.node_latency, self.fanout_width):
            lines.extend(metric.render())
        lines.extend(gauges())
        return "\n".join(lines) + "\n"
