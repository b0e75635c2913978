"""What happened to each node call of one gateway request: the ``extensions.federation``
summary and one ``errors[]`` entry per node that did not answer.

``total`` counts node calls the request needed; each ends as exactly one of ``ok``,
``failed`` (NODE_UNAVAILABLE, NODE_ERROR), ``timedOut`` (NODE_TIMEOUT) or ``skipped`` (not called:
CIRCUIT_OPEN, NODE_INCOMPATIBLE, NODE_NOT_REGISTERED).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.errors import (
    CircuitOpen,
    NodeCallError,
    NodeIncompatible,
    NodeNotRegistered,
    NodeTimeout,
)

Path = Sequence[str | int]


@dataclass(frozen=True, slots=True)
class NodeFailure:
    error: NodeCallError
    path: tuple[str | int, ...] | None

    @property
    def region(self) -> str:
        return self.error.region

    def extensions(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.error.code, "region": self.error.region}
        if self.error.node_code:
            extensions["nodeCode"] = self.error.node_code
        return extensions


@dataclass(slots=True)
class FederationReport:
    total: int = 0
    ok: int = 0
    failed: int = 0
    timed_out: int = 0
    skipped: int = 0
    failures: list[NodeFailure] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)  # e.g. the NIK directory outcome

    def planned(self, calls: int) -> None:
        self.total += calls

    def succeeded(self) -> None:
        self.ok += 1

    def failed_with(self, error: NodeCallError, path: Path | None = None) -> None:
        if isinstance(error, NodeTimeout):
            self.timed_out += 1
        elif isinstance(error, CircuitOpen | NodeIncompatible | NodeNotRegistered):
            self.skipped += 1
        else:
            self.failed += 1
        self.failures.append(NodeFailure(error, tuple(path) if path is not None else None))

    def summary(self) -> dict[str, int]:
        return {"total": self.total, "ok": self.ok, "failed": self.failed,
                "timedOut": self.timed_out, "skipped": self.skipped}
