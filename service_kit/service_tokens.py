"""Tokens the gateway signs to call a node on behalf of a user.

The gateway signs with its PKI signing key and puts its certificate in ``x5c``; the node
checks that certificate against the national CA (see ``regional_node.adapters.token_trust``).
One token per node: the audience names that node, so a node cannot replay it elsewhere.
Send it as ``Authorization: Bearer <token>``; a node never trusts an unsigned user header.
"""

from __future__ import annotations

import base64
import datetime as dt

from cryptography.hazmat.primitives.serialization import Encoding

from certs.identity import GATEWAY_URN
from certs.signing import SigningCredentials
from schema.roles import Principal
from schema.tokens import (
    CLAIM_CLIENT_ADDRESS,
    GATEWAY_ISSUER,
    SERVICE_TOKEN_LIFETIME,
    claims_for,
    node_audience,
)
from service_kit import jwt


def gateway_token(principal: Principal, node_region: str, credentials: SigningCredentials, *,
                  now: dt.datetime | None = None,
                  lifetime: dt.timedelta = SERVICE_TOKEN_LIFETIME,
                  client_address: str | None = None) -> str:
    """``client_address``: the address the user's request came from (the public's), which a
    node counts its per-address limits by instead of the gateway's own."""
    claims = claims_for(principal, issuer=GATEWAY_ISSUER, audience=node_audience(node_region),
                        now=now or dt.datetime.now(dt.UTC), lifetime=lifetime, actor=GATEWAY_URN)
    if client_address is not None:
        claims[CLAIM_CLIENT_ADDRESS] = client_address
    x5c = base64.b64encode(credentials.certificate.public_bytes(Encoding.DER)).decode("ascii")
    return jwt.sign(claims, credentials.private_key, kid=credentials.kid, header={"x5c": [x5c]})
