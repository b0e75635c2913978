"""The user on whose behalf the gateway calls a node, forwarded with every call.

How it travels is pluggable (:class:`UserContextForwarder`): with a PKI the gateway signs a
short-lived token per node (``gateway.adapters.node_tokens``; the node verifies it against the
national CA); without one, an unsigned informational header that no node may trust for
authorization. Who the caller is at the gateway: ``gateway.identity`` (a verified token).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Protocol

from schema.roles import Principal, Role

USER_CONTEXT_HEADER = "X-SIKS-User-Context"


class UserContextForwarder(Protocol):
    def headers(self, region: str, principal: Principal,
                client_address: str | None = None) -> Mapping[str, str]: ...


class UnsignedContextHeader:
    """Development without a PKI: the principal as base64url JSON, for logs and tracing (a
    node trusts nothing in it, the client address included, which it therefore never gets)."""

    def headers(self, region: str, principal: Principal,
                client_address: str | None = None) -> Mapping[str, str]:
        return {USER_CONTEXT_HEADER: encode_principal(principal)}


def encode_principal(principal: Principal) -> str:
    body = {"user": principal.user_id, "role": principal.role.value,
            "region": principal.region, "programs": list(principal.programs),
            "households": list(principal.household_ids)}
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_principal(value: str) -> Principal:
    body = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
    return Principal(user_id=body["user"], role=Role(body["role"]), region=body["region"],
                     programs=tuple(body["programs"]), household_ids=tuple(body["households"]))
