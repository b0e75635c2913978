"""Keyed hashing of NIKs for the directory: HMAC-SHA256 with the gateway's secret.

A plain hash of a 16-digit NIK would be reversible by enumeration (the NIK space is small and
structured); with a secret key the table reveals nothing without the key.

The gateway and the nodes hold the same key (``SIKS_GATEWAY_DIRECTORY_SECRET``,
``SIKS_NODE_DIRECTORY_SECRET``): a node hashes its own NIKs to find the member a
cross-region duplicate names, so no NIK travels in clear for it (docs/duplicates.md).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class NikDirectoryKey:
    secret: bytes = field(repr=False)

    @classmethod
    def from_secret(cls, secret: str) -> NikDirectoryKey:
        return cls(secret.encode("utf-8"))

    def key_of(self, nik: str) -> str:
        # UTF-8: the same bytes as ASCII for a NIK, and no error for a malformed one
        return hmac.new(self.secret, nik.encode("utf-8"), hashlib.sha256).hexdigest()

    @property
    def fingerprint(self) -> str:
        """Names the key without revealing it (stored to notice a key change)."""
        return hmac.new(self.secret, b"siks-nik-directory-key-id", hashlib.sha256).hexdigest()[:16]
