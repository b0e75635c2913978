"""k-way merge of node pages by (sort key, region, local id).

Each node returns its next ``first`` records in its own (sort key, id) order; merging the
pages and keeping the first ``first`` yields the next ``first`` records of the whole nation,
because anything a node did not return sorts after everything it did.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class NodeEdge:
    region: str
    sort_key: Any
    local_id: int
    cursor: str  # the node's cursor of this record
    record: dict[str, Any]

    def merge_key(self) -> tuple[Any, str, int]:
        return (self.sort_key, self.region, self.local_id)


@dataclass(frozen=True, slots=True)
class NodePage:
    region: str
    edges: Sequence[NodeEdge]
    has_next: bool


@dataclass(frozen=True, slots=True)
class MergedPage:
    edges: list[NodeEdge]
    has_next: bool

    def positions(self, upto: int | None = None) -> dict[str, str]:
        """Per region, the node cursor of the last record taken (of the first ``upto``)."""
        taken: dict[str, str] = {}
        for edge in self.edges[:upto]:
            taken[edge.region] = edge.cursor
        return taken


def merge_pages(pages: Sequence[NodePage], first: int) -> MergedPage:
    merged = heapq.merge(*(page.edges for page in pages), key=NodeEdge.merge_key)
    taken = list(itertools.islice(merged, first + 1))
    has_next = len(taken) > first or any(page.has_next for page in pages)
    return MergedPage(taken[:first], has_next)
