"""Signed user context for node calls: a short-lived EdDSA token per (node, user), signed with
the gateway's PKI signing key, its certificate in ``x5c`` (``service_kit.service_tokens``), sent
as ``Authorization: Bearer``. Tokens are cached and reused until a minute before expiry."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path

from certs.identity import Identity
from certs.signing import SigningCredentials
from schema.roles import Principal

REUSE_FOR_S = 240.0  # tokens live 5 minutes (SERVICE_TOKEN_LIFETIME)
MAX_CACHED = 10_000


class SignedUserTokens:
    def __init__(self, credentials: SigningCredentials) -> None:
        self.credentials = credentials
        self._cache: OrderedDict[tuple[str, Principal, str | None], tuple[str, float]] = (
            OrderedDict())

    @classmethod
    def from_pki(cls, pki_dir: Path) -> SignedUserTokens:
        return cls(SigningCredentials.load(pki_dir, Identity.gateway()))

    def headers(self, region: str, principal: Principal,
                client_address: str | None = None) -> Mapping[str, str]:
        return {"Authorization": f"Bearer {self.token(region, principal, client_address)}"}

    def token(self, region: str, principal: Principal, client_address: str | None = None) -> str:
        from service_kit.service_tokens import gateway_token

        key, now = (region, principal, client_address), time.monotonic()
        cached = self._cache.get(key)
        if cached is not None and cached[1] > now:
            self._cache.move_to_end(key)
            return cached[0]
        token = gateway_token(principal, region, self.credentials, client_address=client_address)
        self._cache[key] = (token, now + REUSE_FOR_S)
        if len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        return token
