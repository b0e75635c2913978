"""Row scope: which rows a principal sees, from the policy table's :class:`RowScope`.

Pure functions over region codes, shared by the node (to filter its queries) and the gateway
(to route a query only to the nodes a principal can see); and the program scope of a partner
ministry, which both apply to the program memberships they return.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from schema.errors import Forbidden, InvalidRegionCode, Unauthenticated
from schema.policy import RowScope, role_policy
from schema.regions import RegionLevel, check_shape, is_within, level_of
from schema.roles import Principal

T = TypeVar("T")

PUBLIC_SEARCH_MIN_NAME = 3  # letters and digits of the name, once normalised
PUBLIC_SEARCH_LEVEL = RegionLevel.DESA


def check_principal(principal: Principal) -> None:
    """Refuse a principal the policy cannot serve: no policy for its role (SYSTEM), or a
    region-scoped role without a (well-formed) region."""
    policy = role_policy(principal.role)
    if policy is None:
        raise Unauthenticated(f"role {principal.role} cannot use the API")
    if policy.needs_region and not principal.region:
        raise Unauthenticated(f"role {principal.role} needs a region scope")
    if principal.region is not None:
        try:
            check_shape(principal.region)
        except InvalidRegionCode:
            raise Unauthenticated(f"{principal.region!r} is not a region code") from None


def sees_row(principal: Principal, region_code: str, household_id: int | None = None) -> bool:
    """Whether a household row in ``region_code`` (a desa code) is inside the scope."""
    policy = role_policy(principal.role)
    if policy is None:
        return False
    if (policy.rows is RowScope.REGION_OR_ASSIGNED and principal.household_ids
            and household_id not in principal.household_ids):
        return False
    return principal.covers(region_code)


@dataclass(frozen=True, slots=True)
class RowWindow:
    """The part of one node's rows a principal sees.

    ``region``: a code inside the node to restrict to (None: the whole node);
    ``household_ids``: only these (None: any); ``nothing``: the scope misses the node.
    """

    region: str | None = None
    household_ids: tuple[int, ...] | None = None
    nothing: bool = False


def window(principal: Principal, node_region: str) -> RowWindow:
    """The rows of the node serving ``node_region`` that ``principal`` sees."""
    policy = role_policy(principal.role)
    if policy is None:
        return RowWindow(nothing=True)
    ids = (principal.household_ids
           if policy.rows is RowScope.REGION_OR_ASSIGNED and principal.household_ids else None)
    scope = principal.region
    if scope is None or is_within(node_region, scope):
        return RowWindow(None, ids)
    if is_within(scope, node_region):
        return RowWindow(scope, ids)
    return RowWindow(nothing=True)


def overlaps(principal: Principal, region_code: str) -> bool:
    """Whether any row under ``region_code`` can be in scope (for routing, filters)."""
    scope = principal.region
    return scope is None or is_within(region_code, scope) or is_within(scope, region_code)


def name_key(name: str) -> str:
    """A name as the public search compares it: the full name as on the KTP with case, spaces
    and punctuation ignored (``Moh. Ali`` = ``MOH ALI`` = ``moh  ali``): its letters and
    digits, case-folded (NFKC first, so compatibility forms compare equal)."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", name).casefold() if ch.isalnum())


def check_public_search(principal: Principal, region: str | None, name: str | None) -> None:
    """PUBLIC_SEARCH roles list households only as cekbansos does: a desa and the full name
    of a member as on the KTP, matched whole (:func:`name_key`; the node returns exact
    matches only, never a part of a name), so the registry cannot be enumerated."""
    policy = role_policy(principal.role)
    if policy is None or policy.rows is not RowScope.PUBLIC_SEARCH:
        return
    searching = (region is not None and level_of(region) is PUBLIC_SEARCH_LEVEL
                 and name is not None and len(name_key(name)) >= PUBLIC_SEARCH_MIN_NAME)
    if not searching:
        raise Forbidden("without a login, households can only be searched as cekbansos does: "
                        "give a desa `region` and the full `name` of a member as on the KTP "
                        "(case, spaces and punctuation do not matter)", reason="search_required")


def program_scope(principal: Principal) -> frozenset[str] | None:
    """The programs whose memberships the principal sees; None: all of them.

    The policy's ``programs_limited`` (MITRA, a partner ministry): the programs named in the
    token, and none when it names none (a partner's scope fails closed). It limits program
    memberships (``Household.programs``) and the program cells of counts alike
    (``schema.disclosure``: a partner neither sees nor filters by another program's count)."""
    policy = role_policy(principal.role)
    if policy is not None and policy.programs_limited:
        return frozenset(principal.programs or ())
    return None


def memberships_in_scope(principal: Principal, memberships: Iterable[T],
                         program_of: Callable[[T], str | None]) -> list[T]:
    """The ``memberships`` whose program the principal sees (:func:`program_scope`), in
    order: the one rule the node (its rows) and the gateway (node answers, defence in depth)
    both apply. A membership without a program is dropped when the scope is limited."""
    allowed = program_scope(principal)
    if allowed is None:
        return list(memberships)
    return [m for m in memberships if program_of(m) in allowed]
