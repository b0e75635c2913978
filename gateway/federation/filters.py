"""The household filter as the gateway sees it (any region level), and what a node gets."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

from schema.errors import InvalidInput
from schema.regions import regions


@dataclass(frozen=True, slots=True)
class HouseholdFilter:
    region: str | None = None  # a province, kab/kota, kecamatan or desa code
    status: str | None = None
    program: str | None = None
    name: str | None = None
    desil_max: int | None = None

    def __post_init__(self) -> None:
        if self.region is not None:
            regions().require(self.region)  # INVALID_REGION before any node is asked
        if self.desil_max is not None and not 1 <= self.desil_max <= 10:
            raise InvalidInput("desilMax must be 1 to 10", reason="out_of_range",
                               field="desilMax")

    def given(self) -> dict[str, Any]:
        """The conditions given, by the API's argument names."""
        values = {"region": self.region, "status": self.status, "program": self.program,
                  "name": self.name, "desilMax": self.desil_max}
        return {k: v for k, v in values.items() if v is not None}

    def for_node(self) -> dict[str, Any] | None:
        """The node API's ``HouseholdFilter`` input (a province or kab/kota code means
        'everything' to a node inside it, so it can be passed as is)."""
        return self.given() or None

    def digest(self) -> str:
        """A short fingerprint, so a cursor cannot be replayed with another filter."""
        raw = json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(raw).hexdigest()[:12]
