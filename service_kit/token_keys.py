"""Keys behind bearer tokens, the same at the node and the gateway: a login issuer's own
Ed25519 key (generated on first start with mode 0600, never committed) and an OIDC provider's
JWKS (from a file or a URL, refetched on an unknown kid at most once a minute)."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from joserfc.jwk import KeySet

from certs import files
from certs.errors import PkiError
from schema.errors import ConfigError, Unauthenticated
from service_kit import jwt

log = logging.getLogger("siks.auth")

JWKS_REFRESH_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class IssuerKey:
    private_key: Ed25519PrivateKey
    kid_prefix: str  # "node" or "gateway": whose issuer it is, visible in the kid

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def kid(self) -> str:
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return f"{self.kid_prefix}-" + base64.urlsafe_b64encode(raw).decode().rstrip("=")[:16]

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.okp_key(self.public_key).as_dict(private=False)
        return {"keys": [{**jwk, "kid": self.kid, "alg": jwt.EDDSA, "use": "sig"}]}


def load_or_create_issuer_key(path: Path, *, kid_prefix: str, setting: str) -> IssuerKey:
    """The key at ``path``; generated there (mode 0600) when the file does not exist.
    ``setting`` names what to fix in the one-line error when the file is unreadable."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        files.write_private_key(path, Ed25519PrivateKey.generate())
        log.info("generated the %s's token-signing key at %s", kid_prefix, path)
    try:
        return IssuerKey(files.read_private_key(path), kid_prefix)
    except PkiError as exc:
        raise ConfigError(f"{setting}: {exc.message}") from None


class OidcTrust:
    """An OIDC provider's keys, from a JWKS file or URL."""

    def __init__(self, issuer: str, *, file: Path | str | None = None,
                 url: str | None = None) -> None:
        self.issuer, self._url = issuer, url
        self._file = Path(file) if file else None
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")

    async def key_set(self, kid: object) -> KeySet:
        known = self._keys is not None and any(k.kid == kid for k in self._keys.keys)
        if not known and time.monotonic() - self._fetched_at >= JWKS_REFRESH_SECONDS:
            self._fetched_at = time.monotonic()
            try:
                self._keys = KeySet.import_key_set(await self._read())
            except (OSError, ValueError, aiohttp.ClientError) as exc:
                log.warning("could not read the OIDC provider's keys: %s", exc)
        if self._keys is None:
            raise Unauthenticated("the OIDC provider's keys are not available")
        return self._keys

    async def _read(self) -> Any:
        if self._file is not None:
            return json.loads(await asyncio.to_thread(self._file.read_text, "utf-8"))
        assert self._url is not None
        timeout = aiohttp.ClientTimeout(total=5)
        async with aiohttp.ClientSession(timeout=timeout) as session, \
                session.get(self._url) as response:
            response.raise_for_status()
            return await response.json()
