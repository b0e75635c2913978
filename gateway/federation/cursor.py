"""Gateway cursors: where a paginated national list stands on every node.

A cursor holds the list's order, a fingerprint of its filter, and per region the node's own
(opaque) cursor of the last record taken from that node; a region absent from it has not been
read yet. JSON, deflated, base64url: ``{"v":1,"o":"ID","f":"…","p":{"32.73":"eyJv…"}}``.
The next page asks every candidate node for ``first`` records after its own position, so page
50 costs what page 1 costs; there are no offsets.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass, field

from gateway.errors import InvalidCursor

VERSION = 1


@dataclass(frozen=True, slots=True)
class GatewayCursor:
    order: str
    filter_digest: str
    positions: dict[str, str] = field(default_factory=dict)

    def advanced(self, taken: dict[str, str]) -> GatewayCursor:
        return GatewayCursor(self.order, self.filter_digest, {**self.positions, **taken})

    def encode(self) -> str:
        body = {"v": VERSION, "o": self.order, "f": self.filter_digest,
                "p": dict(sorted(self.positions.items()))}
        raw = zlib.compress(json.dumps(body, separators=(",", ":")).encode(), 9)
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str, *, order: str, filter_digest: str) -> GatewayCursor:
        try:
            raw = zlib.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            body = json.loads(raw)
            version, cursor_order, digest, positions = body["v"], body["o"], body["f"], body["p"]
        except (binascii.Error, zlib.error, ValueError, KeyError, TypeError):
            raise InvalidCursor("the cursor is not one this gateway issued",
                                reason="malformed", field="after") from None
        if version != VERSION or not isinstance(positions, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in positions.items()):
            raise InvalidCursor("the cursor is not one this gateway issued",
                                reason="malformed", field="after")
        if cursor_order != order:
            raise InvalidCursor(f"the cursor belongs to order {cursor_order}, not {order}",
                                reason="order_mismatch", field="after")
        if digest != filter_digest:
            raise InvalidCursor("the cursor belongs to another filter", reason="filter_mismatch",
                                field="after")
        return cls(order, digest, positions)
