"""Program scope at the gateway (defence in depth; every node applies it again): a partner
ministry (``MITRA``) sees only the memberships of its own programs.

The rule is ``schema.scope.memberships_in_scope``, the same function the node filters its
rows with. The gateway applies it to every household record a node sends before any object
is built from it (lists, one household, a person's household; so both the full GraphQL path
and the pass-through path only ever see what is in scope). A node that answers more (a bug,
an old version, a compromised node) therefore leaks nothing through the gateway; the gateway
logs it, naming the region, because a correct node never does.

Grouped counts are limited by the same scope elsewhere: ``schema.disclosure`` leaves out a
partner's cells of other programs and refuses a filter on one (``service_layer/counts.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from schema.roles import Principal
from schema.scope import memberships_in_scope, program_scope

log = logging.getLogger("siks.gateway.policy")


def _program(raw: Any) -> str | None:
    program = raw.get("program") if isinstance(raw, dict) else None
    return program if isinstance(program, str) else None


def limit_household(principal: Principal, region: str, record: dict[str, Any]
                    ) -> dict[str, Any]:
    """``record`` (a node's Household JSON) with only the memberships ``principal`` sees;
    changed in place, and returned."""
    if program_scope(principal) is None:
        return record
    raw = record.get("programs")
    if raw is None:
        return record
    if not isinstance(raw, list):  # not what a node sends: nothing of it is shown
        record["programs"] = []
        return record
    kept = memberships_in_scope(principal, raw, _program)
    if len(kept) != len(raw):
        log.warning("node %s answered %d program memberships outside the caller's program "
                    "scope; the gateway dropped them", region, len(raw) - len(kept),
                    extra={"region": region, "user": principal.user_id})
        record["programs"] = kept
    return record


def limit_person(principal: Principal, region: str, record: dict[str, Any]) -> dict[str, Any]:
    """A node's Member JSON with its household's memberships limited (in place)."""
    household = record.get("household")
    if isinstance(household, dict):
        limit_household(principal, region, household)
    return record
