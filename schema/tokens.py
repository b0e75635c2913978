"""What a bearer token says, as both services read it: issuer and audience names, and the
claims that carry a principal (role, region scope, programs, assigned families).

Tokens are JWTs signed with EdDSA (Ed25519): by a node's built-in issuer for its own staff,
by the gateway for the users it forwards (``act`` names the gateway, RFC 8693), or by an
OIDC provider whose JWKS a node is configured to trust. Each token names ONE node as its
audience, so a node cannot replay a token it received to another node.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from schema.errors import Unauthenticated
from schema.roles import Principal, Role
from schema.scope import check_principal

GATEWAY_ISSUER = "urn:siks:gateway"
CLAIM_ROLE = "siks_role"
CLAIM_REGION = "siks_region"
CLAIM_PROGRAMS = "siks_programs"
CLAIM_HOUSEHOLDS = "siks_households"
CLAIM_PERMISSIONS = "siks_permissions"
# gateway tokens only: the address the public's request reached the gateway from; a node
# believes it only under the gateway's verified signature (per-address limits of usul/sanggah)
CLAIM_CLIENT_ADDRESS = "siks_client_addr"

ACCESS_TOKEN_LIFETIME = dt.timedelta(minutes=15)
SERVICE_TOKEN_LIFETIME = dt.timedelta(minutes=5)
MAX_TOKEN_LIFETIME = dt.timedelta(hours=1)  # a node refuses tokens meant to live longer
CLOCK_SKEW = dt.timedelta(seconds=30)


def node_issuer(region: str) -> str:
    return f"urn:siks:node:{region}"


def node_audience(region: str) -> str:
    return f"urn:siks:node:{region}"


def claims_for(principal: Principal, *, issuer: str, audience: str, now: dt.datetime,
               lifetime: dt.timedelta = ACCESS_TOKEN_LIFETIME,
               actor: str | None = None) -> dict[str, Any]:
    """The claims of a token for ``principal`` (``actor``: who calls on the user's behalf)."""
    claims: dict[str, Any] = {
        "iss": issuer, "sub": principal.user_id, "aud": audience,
        "iat": int(now.timestamp()), "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()), "jti": uuid.uuid4().hex,
        CLAIM_ROLE: principal.role.value,
    }
    if principal.region is not None:
        claims[CLAIM_REGION] = principal.region
    if principal.programs:
        claims[CLAIM_PROGRAMS] = list(principal.programs)
    if principal.household_ids:
        claims[CLAIM_HOUSEHOLDS] = list(principal.household_ids)
    if principal.permissions:
        claims[CLAIM_PERMISSIONS] = list(principal.permissions)
    if actor is not None:
        claims["act"] = {"sub": actor}
    return claims


def check_times(claims: Mapping[str, Any], now: dt.datetime) -> None:
    """exp, iat (and nbf) present, numeric, current, and a lifetime within the maximum."""
    for name in ("exp", "iat"):
        if not isinstance(claims.get(name), int | float) or isinstance(claims.get(name), bool):
            raise Unauthenticated(f"the token has no numeric {name!r} claim")
    moment = now.timestamp()
    skew = CLOCK_SKEW.total_seconds()
    if claims["exp"] <= moment - skew:
        raise Unauthenticated("the token has expired")
    not_before = claims.get("nbf", claims["iat"])
    if not isinstance(not_before, int | float) or not_before > moment + skew:
        raise Unauthenticated("the token is not valid yet")
    if claims["exp"] - claims["iat"] > MAX_TOKEN_LIFETIME.total_seconds():
        raise Unauthenticated("the token lives longer than this node allows "
                              f"({int(MAX_TOKEN_LIFETIME.total_seconds())} s)")


def check_audience(claims: Mapping[str, Any], audience: str) -> None:
    value = claims.get("aud")
    audiences = value if isinstance(value, list) else [value]
    if audience not in audiences:
        raise Unauthenticated(f"the token is not meant for {audience}")


def principal_from_claims(claims: Mapping[str, Any], *, qualify_with: str | None = None
                          ) -> Principal:
    """The principal a verified token names; ``qualify_with`` prefixes the user id with its
    issuer (for foreign issuers, so their subjects never collide with local users)."""
    subject, role_name = claims.get("sub"), claims.get(CLAIM_ROLE)
    if not isinstance(subject, str) or not subject:
        raise Unauthenticated("the token has no subject")
    try:
        role = Role(str(role_name))
    except ValueError:
        raise Unauthenticated(f"the token's role {role_name!r} is unknown") from None
    region = claims.get(CLAIM_REGION)
    programs = claims.get(CLAIM_PROGRAMS, [])
    households = claims.get(CLAIM_HOUSEHOLDS, [])
    permissions = claims.get(CLAIM_PERMISSIONS, [])
    if region is not None and not isinstance(region, str):
        raise Unauthenticated("the token's region is not text")
    if not (isinstance(programs, list) and all(isinstance(p, str) for p in programs)):
        raise Unauthenticated("the token's programs are not a list of names")
    if not (isinstance(households, list)
            and all(isinstance(h, int) and not isinstance(h, bool) for h in households)):
        raise Unauthenticated("the token's households are not a list of ids")
    if not (isinstance(permissions, list) and all(isinstance(p, str) for p in permissions)):
        raise Unauthenticated("the token's permissions are not a list of names")
    user_id = f"{qualify_with}#{subject}" if qualify_with else subject
    principal = Principal(user_id=user_id, role=role, region=region, programs=tuple(programs),
                          household_ids=tuple(households), permissions=tuple(permissions))
    check_principal(principal)
    return principal
