"""The gateway's login issuer and the verification of bearer tokens at the gateway.

* Issuer ``urn:siks:gateway``, audience ``urn:siks:gateway:api``: tokens of 15 minutes signed
  with an Ed25519 key of their own (not the PKI key that signs the tokens the gateway sends to
  nodes), generated on first start into the data dir with mode 0600, or read from
  ``SIKS_GATEWAY_SIGNING_KEY``. Never committed. Its public key is at ``GET /auth/jwks``.
* Optionally an OIDC provider (``SIKS_GATEWAY_OIDC_ISSUER`` + a JWKS file or URL), whose
  tokens must carry the same ``siks_*`` claims and name the gateway as their audience.

A token is believed only once its signature verifies with the key chosen by its issuer (read
unverified only to pick that key) under an asymmetric algorithm; then its times, audience,
role and scope are checked (``schema.tokens``). Tokens the gateway mints for nodes (audience a
node) are refused here, and tokens minted here are refused by nodes (no ``x5c``, wrong
audience).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

from gateway.config import PREFIX, GatewayConfig
from schema.errors import Unauthenticated
from schema.roles import Principal
from schema.tokens import (
    ACCESS_TOKEN_LIFETIME,
    GATEWAY_ISSUER,
    check_audience,
    check_times,
    claims_for,
    principal_from_claims,
)
from service_kit import jwt
from service_kit.token_keys import IssuerKey, OidcTrust, load_or_create_issuer_key

log = logging.getLogger("siks.gateway.auth")

GATEWAY_AUDIENCE = "urn:siks:gateway:api"
ISSUER_KEY_FILE = "login-issuer.key"

def issuer_key_path(config: GatewayConfig) -> Path:
    """``SIGNING_KEY``; else in ``DATA_DIR``; else beside a SQLite file; else the user's data
    directory."""
    if config.signing_key is not None:
        return config.signing_key
    if config.data_dir is not None:
        return config.data_dir / ISSUER_KEY_FILE
    if config.db_url.startswith("sqlite:///"):
        return Path(config.db_url.removeprefix("sqlite:///")).resolve().parent / ISSUER_KEY_FILE
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "siks-gateway" / ISSUER_KEY_FILE


class GatewayTokens:
    """Issues login tokens and verifies every bearer token the gateway receives."""

    def __init__(self, own: IssuerKey, *, oidc: OidcTrust | None = None) -> None:
        self.own, self.oidc = own, oidc
        self.issuer, self.audience = GATEWAY_ISSUER, GATEWAY_AUDIENCE

    @classmethod
    def from_config(cls, config: GatewayConfig) -> GatewayTokens:
        oidc = (OidcTrust(config.oidc_issuer, file=config.jwks_file, url=config.jwks_url)
                if config.oidc_issuer else None)
        return cls(load_or_create_issuer_key(issuer_key_path(config), kid_prefix="gateway",
                                             setting=f"{PREFIX}SIGNING_KEY"), oidc=oidc)

    def issue(self, principal: Principal, *, now: dt.datetime | None = None,
              lifetime: dt.timedelta = ACCESS_TOKEN_LIFETIME) -> str:
        claims = claims_for(principal, issuer=self.issuer, audience=self.audience,
                            now=now or dt.datetime.now(dt.UTC), lifetime=lifetime)
        return jwt.sign(claims, self.own.private_key, kid=self.own.kid)

    async def verify(self, token: str, now: dt.datetime | None = None) -> Principal:
        """The principal of a token that verifies; :class:`Unauthenticated` otherwise."""
        now = now or dt.datetime.now(dt.UTC)
        header, issuer = jwt.unverified_header(token), jwt.unverified_claims(token).get("iss")
        if issuer == self.issuer:
            if header.get("kid") != self.own.kid:
                raise Unauthenticated("the token was signed by a key the gateway does not hold")
            claims = jwt.verify(token, jwt.okp_key(self.own.public_key), [jwt.EDDSA])
            qualify = None
        elif self.oidc is not None and issuer == self.oidc.issuer:
            key_set = await self.oidc.key_set(header.get("kid"))
            claims = jwt.verify(token, key_set, jwt.ASYMMETRIC_ALGORITHMS)
            qualify = self.oidc.issuer
        else:
            raise Unauthenticated(f"tokens of issuer {issuer!r} are not trusted here")
        if claims.get("iss") != issuer:
            raise Unauthenticated("the token's issuer changed under its signature")
        check_times(claims, now)
        check_audience(claims, self.audience)
        return principal_from_claims(claims, qualify_with=qualify)
