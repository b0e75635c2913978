"""What the gateway knows about a registered node."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

#: node API schema versions this gateway speaks: same major version
SUPPORTED_NODE_SCHEMA_MAJOR = 1


class NodeStatus(StrEnum):
    PENDING = "PENDING"  # registered, never probed: called, and probed at the next chance
    ACTIVE = "ACTIVE"  # probed: right region, compatible schema version
    REFUSED = "REFUSED"  # incompatible schema version or wrong identity: never called


@dataclass(frozen=True, slots=True)
class RegisteredNode:
    region: str
    url: str
    status: NodeStatus = NodeStatus.PENDING
    refused_reason: str | None = None
    schema_version: str | None = None
    certificate_fingerprint: str | None = None
    last_seen: dt.datetime | None = None
    latency_ms: float | None = None
    outbox_backlog: int | None = None
    last_error: str | None = None
    ready: bool | None = None

    @property
    def callable(self) -> bool:
        return self.status is not NodeStatus.REFUSED


def schema_incompatibility(version: str) -> str | None:
    """Why a node speaking API ``version`` cannot be federated, or None when it can."""
    major, _, _ = version.partition(".")
    if not major.isdigit():
        return f"schema version {version!r} is not MAJOR.MINOR"
    if int(major) != SUPPORTED_NODE_SCHEMA_MAJOR:
        return (f"schema version {version} is incompatible: this gateway speaks "
                f"{SUPPORTED_NODE_SCHEMA_MAJOR}.x")
    return None
