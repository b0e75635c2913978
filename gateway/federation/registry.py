"""The nodes the gateway federates, in memory, as loaded from the store and kept current by
health probes and by every call (last seen, latency, last error)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from gateway.federation.model import NodeStatus, RegisteredNode


class NodeRegistry:
    def __init__(self, nodes: Iterable[RegisteredNode] = ()) -> None:
        self._nodes: dict[str, RegisteredNode] = {}
        self.replace(nodes)

    def replace(self, nodes: Iterable[RegisteredNode]) -> None:
        self._nodes = {node.region: node for node in nodes}

    def get(self, region: str) -> RegisteredNode | None:
        return self._nodes.get(region)

    def regions(self) -> list[str]:
        return sorted(self._nodes)

    def all(self) -> list[RegisteredNode]:
        return [self._nodes[region] for region in sorted(self._nodes)]

    def __len__(self) -> int:
        return len(self._nodes)

    def update(self, node: RegisteredNode) -> None:
        self._nodes[node.region] = node

    def note_call(self, region: str, *, latency_ms: float, error: str | None) -> None:
        node = self._nodes.get(region)
        if node is None:
            return
        if error is None:
            node = dataclasses.replace(node, last_seen=dt.datetime.now(dt.UTC),
                                       latency_ms=round(latency_ms, 1), last_error=None)
        else:
            node = dataclasses.replace(node, last_error=error)
        self._nodes[region] = node

    def callable_regions(self) -> list[str]:
        return [r for r, n in sorted(self._nodes.items()) if n.status is not NodeStatus.REFUSED]
