"""Whose bearer tokens this node believes, and how it checks them.

Three issuers, told apart by the ``iss`` claim (read before verification only to pick the
key; a token is believed only once its signature verifies with that issuer's key):

* the node's own issuer (``urn:siks:node:<region>``): its Ed25519 key, kept in the data dir
  (0600, generated on first start) or at ``SIKS_NODE_SIGNING_KEY``; never in the repository;
* the gateway (``urn:siks:gateway``): the token carries the gateway's signing certificate in
  ``x5c``; it must chain to the national CA (``SIKS_NODE_TRUST_CA``), be valid now, not be
  revoked (``SIKS_NODE_TRUST_CRL``), be a signing certificate, and name the gateway;
* an OIDC provider (``SIKS_NODE_OIDC_ISSUER``) whose JWKS is read from a file or a URL.

Every token must name this node as its audience, carry exp/iat within an hour of each other,
and name a role the policy knows with the scope that role needs.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certs import files
from certs.errors import CertificateRejected, PkiError
from certs.identity import HolderKind, kid_of
from certs.issue import Purpose
from certs.trust import CertificateStore
from schema.errors import ConfigError, Unauthenticated
from schema.roles import Principal
from schema.tokens import (
    CLAIM_CLIENT_ADDRESS,
    GATEWAY_ISSUER,
    check_audience,
    check_times,
    node_audience,
    node_issuer,
    principal_from_claims,
)
from service_kit import jwt
from service_kit.token_keys import IssuerKey, OidcTrust, load_or_create_issuer_key

__all__ = [
    "IssuerKey", "OidcTrust", "TokenTrust", "default_key_path", "load_gateway_trust",
    "load_or_create_issuer_key",
]

log = logging.getLogger("siks.node.auth")

ISSUER_KEY_FILE = "issuer-signing.key"
KID_PREFIX = "node"
KEY_SETTING = "SIKS_NODE_SIGNING_KEY"

def default_key_path(db_url: str, data_dir: str | None, region: str) -> Path:
    """``data_dir`` if set; else beside a SQLite file, named after it (nodes whose databases
    share a folder, as the demo's do, each keep their own key); else the user's data
    directory."""
    if data_dir:
        return Path(data_dir) / ISSUER_KEY_FILE
    if db_url.startswith("sqlite:///"):
        database = Path(db_url.removeprefix("sqlite:///")).resolve()
        return database.parent / f"{database.stem}.{ISSUER_KEY_FILE}"
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "siks-node" / region / ISSUER_KEY_FILE


class TokenTrust:
    def __init__(self, region: str, own: IssuerKey, *, gateway_ca: CertificateStore | None = None,
                 oidc: OidcTrust | None = None) -> None:
        self.region, self.own, self.gateway_ca, self.oidc = region, own, gateway_ca, oidc
        self.issuer, self.audience = node_issuer(region), node_audience(region)

    async def verify(self, token: str, now: dt.datetime | None = None) -> Principal:
        """The principal of a token that verifies; :class:`Unauthenticated` otherwise."""
        return (await self.verify_forwarded(token, now))[0]

    async def verify_forwarded(self, token: str, now: dt.datetime | None = None
                               ) -> tuple[Principal, str | None]:
        """The principal, and the client address the gateway forwarded in its signed token
        (the public's own address, for per-address limits); None from any other issuer."""
        now = now or dt.datetime.now(dt.UTC)
        header, issuer = jwt.unverified_header(token), jwt.unverified_claims(token).get("iss")
        if issuer == self.issuer:
            if header.get("kid") != self.own.kid:
                raise Unauthenticated("the token was signed by a key this node does not hold")
            claims = jwt.verify(token, jwt.okp_key(self.own.public_key), [jwt.EDDSA])
            qualify = None
        elif issuer == GATEWAY_ISSUER and self.gateway_ca is not None:
            claims = jwt.verify(token, jwt.okp_key(self._gateway_key(header, now)), [jwt.EDDSA])
            qualify = "gateway"
        elif self.oidc is not None and issuer == self.oidc.issuer:
            key_set = await self.oidc.key_set(header.get("kid"))
            claims = jwt.verify(token, key_set, jwt.ASYMMETRIC_ALGORITHMS)
            qualify = self.oidc.issuer
        else:
            raise Unauthenticated(f"tokens of issuer {issuer!r} are not trusted here")
        self._check_claims(claims, issuer, now)
        forwarded = claims.get(CLAIM_CLIENT_ADDRESS) if qualify == "gateway" else None
        return (principal_from_claims(claims, qualify_with=qualify),
                forwarded if isinstance(forwarded, str) and forwarded else None)

    def _check_claims(self, claims: Mapping[str, Any], issuer: str, now: dt.datetime) -> None:
        if claims.get("iss") != issuer:
            raise Unauthenticated("the token's issuer changed under its signature")
        check_times(claims, now)
        check_audience(claims, self.audience)

    def _gateway_key(self, header: Mapping[str, Any], now: dt.datetime) -> Ed25519PublicKey:
        assert self.gateway_ca is not None
        chain = header.get("x5c")
        if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
            raise Unauthenticated("a gateway token must carry its certificate in x5c")
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
            holder = self.gateway_ca.verify(certificate, now, Purpose.SIGNING)
        except (ValueError, TypeError):
            raise Unauthenticated("x5c[0] is not a base64 DER certificate") from None
        except CertificateRejected as exc:
            raise Unauthenticated(f"the gateway certificate is refused: {exc}") from None
        if holder.kind is not HolderKind.GATEWAY:
            raise Unauthenticated(f"the certificate in x5c belongs to {holder}, not the gateway")
        if header.get("kid") != kid_of(certificate):
            raise Unauthenticated("the token's kid does not name the certificate in x5c")
        key = certificate.public_key()
        if not isinstance(key, Ed25519PublicKey):
            raise Unauthenticated("the gateway certificate holds no Ed25519 key")
        return key


def load_gateway_trust(ca_path: str | None, crl_path: str | None) -> CertificateStore | None:
    if not ca_path:
        return None
    try:
        ca = files.read_certificate(Path(ca_path))
        crl = files.read_crl(Path(crl_path)) if crl_path else None
        return CertificateStore(ca, crl)
    except PkiError as exc:
        raise ConfigError(f"SIKS_NODE_TRUST_CA/CRL: {exc.message}") from None
