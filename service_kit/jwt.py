"""Signing and verifying JWTs with asymmetric keys only (joserfc underneath).

Our own issuers sign with EdDSA (Ed25519). Verification accepts only asymmetric algorithms
(EdDSA, and ES256/RS256/PS256 for an OIDC provider's JWKS): never ``none``, never an HMAC
(HS256 with a public key as the secret is the classic confusion attack). The caller picks the
key by issuer and ``kid``, and says which algorithms that key may use.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwa import JWS_ALGORITHMS, EdDSAAlgorithm
from joserfc.jwk import Key, KeySet, OKPKey
from joserfc.jws import JWSAlgModel, JWSRegistry

from schema.errors import Unauthenticated

EDDSA = "EdDSA"
ASYMMETRIC_ALGORITHMS = (EDDSA, "ES256", "RS256", "PS256")
MAX_TOKEN_BYTES = 8 * 1024


class _EdDSA(EdDSAAlgorithm):
    # RFC 9864 prefers "Ed25519"; OIDC and our contract say "EdDSA": skip the per-call warning.
    security_warning = None  # type: ignore[assignment]


class _TokenRegistry(JWSRegistry):
    # Own class-level table: only asymmetric algorithms exist here at all.
    algorithms: dict[str, JWSAlgModel] = {
        EDDSA: _EdDSA(),
        **{alg.name: alg for alg in JWS_ALGORITHMS if alg.name in ASYMMETRIC_ALGORITHMS[1:]},
    }
    recommended: list[str] = list(ASYMMETRIC_ALGORITHMS)
    max_header_length = 4 * 1024
    max_payload_length = 4 * 1024


def _registry(algorithms: Collection[str]) -> _TokenRegistry:
    return _TokenRegistry(algorithms=list(algorithms))


def okp_key(key: Ed25519PrivateKey | Ed25519PublicKey) -> OKPKey:
    return OKPKey(key, key)


def sign(claims: Mapping[str, Any], private_key: Ed25519PrivateKey, *, kid: str,
         header: Mapping[str, Any] | None = None) -> str:
    return jwt.encode({"alg": EDDSA, "kid": kid, **(header or {})}, dict(claims),
                      okp_key(private_key), registry=_registry([EDDSA]))


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header, read only to choose the key; nothing in it is trusted yet."""
    if len(token) > MAX_TOKEN_BYTES:
        raise Unauthenticated("the token is too long")
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise Unauthenticated("the token is not a signed JWT (three non-empty parts)")
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise Unauthenticated("the token header is not base64url JSON") from None
    if not isinstance(header, dict):
        raise Unauthenticated("the token header is not a JSON object")
    return header


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims before verification, only to find the issuer; never trusted as such."""
    unverified_header(token)
    body = token.split(".")[1]
    try:
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise Unauthenticated("the token claims are not base64url JSON") from None
    if not isinstance(claims, dict):
        raise Unauthenticated("the token claims are not a JSON object")
    return claims


def verify(token: str, key: Key | KeySet, algorithms: Collection[str]) -> dict[str, Any]:
    """The claims if the signature verifies with ``key`` under one of ``algorithms``."""
    allowed = [alg for alg in algorithms if alg in ASYMMETRIC_ALGORITHMS]
    header = unverified_header(token)
    if header.get("alg") not in allowed:
        raise Unauthenticated(f"token algorithm {header.get('alg')!r} is not accepted "
                              f"(accepted: {', '.join(allowed)})")
    try:
        return dict(jwt.decode(token, key, algorithms=allowed, registry=_registry(allowed)).claims)
    except (JoseError, ValueError, TypeError):
        raise Unauthenticated("the token signature does not verify") from None
