"""Aggregates and filters are data too (DESIGN.md): which filters and groupings a role may
use, and which counts it sees. One rule, read from the policy table (``schema.policy``), that
the node applies to its queries and the gateway again (defence in depth) before it asks any
node and to whatever the nodes and its rollups answer.

* **Filters of a household list** test a field of the rows (:data:`~schema.policy.LIST_FILTERS`):
  a role may use one only where it may read that field. FULL: as documented (a name matches in
  part); MASKED: by the whole value only, since the role sees the masked value anyway (the
  public's search by the full name as on the KTP, exact matches only); DENIED: refused.
* **Counts** are grouped and filtered by keys, the fields of ``HouseholdCount``
  (:data:`~schema.policy.COUNT_KEYS`; a region filter tests the key of its level): a role may
  use only keys it may read. A name filter has no key: only roles that read names in full may
  count by a name (a count filtered by a full name describes that person).
* **Small cells**: for a role whose ``RolePolicy.small_cells_withheld`` is set, a node first
  counts at the role's *grain* (every key the role may group by: at most kab/kota × status ×
  program today), leaves out every cell of fewer than ``SMALL_CELL_HOUSEHOLDS`` households
  (its living members with it) and every program cell outside a partner's programs, and only
  then sums the cells asked for. Every count such a role sees, totals included, is a sum of
  published cells of one fixed grain, and every filter it may use selects whole cells: the
  difference of any two answers is again a sum of published cells, so a withheld cell cannot
  be recovered by differencing (the price: totals leave the withheld households out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from schema.errors import Forbidden, ForbiddenFilter
from schema.policy import (
    COUNT_FILTERS,
    COUNT_KEYS,
    LIST_FILTERS,
    SMALL_CELL_HOUSEHOLDS,
    Access,
    access,
    role_policy,
)
from schema.regions import RegionLevel, level_of
from schema.roles import Principal, Role
from schema.scope import program_scope

#: The count key a region filter tests, by the level of the region.
REGION_KEYS = {RegionLevel.PROVINSI: "PROVINCE", RegionLevel.KABKOTA: "KABKOTA",
               RegionLevel.KECAMATAN: "KECAMATAN", RegionLevel.DESA: "DESA"}
#: Grouping by program counts a household once per program: not a partition of households,
#: so it is part of a grain only when it is asked for.
PROGRAM = "PROGRAM"


def _refused(role: Role, argument: str, type_name: str, field: str) -> ForbiddenFilter:
    return ForbiddenFilter(f"{argument} tests {type_name}.{field}, which role {role} may not "
                           "read", field=f"{type_name}.{field}", argument=argument,
                           role=role.value)


def list_filters(principal: Principal, used: Iterable[str]) -> frozenset[str]:
    """Check the filters ``used`` (``HouseholdFilter`` argument names) of a household list;
    the ones that match whole values only (the field is MASKED for the role). A filter on a
    field the role may not read is refused."""
    role = principal.role
    whole = set()
    for name in used:
        type_name, field = LIST_FILTERS[name]
        granted = access(role, type_name, field)
        if granted is Access.DENIED:
            raise _refused(role, f"filter.{name}", type_name, field)
        if granted is Access.MASKED:
            whole.add(name)
    return frozenset(whole)


def may_group(role: Role, dimension: str) -> bool:
    return access(role, "HouseholdCount", COUNT_KEYS[dimension]) is Access.FULL


def withholds_small_cells(principal: Principal) -> bool:
    policy = role_policy(principal.role)
    return policy is None or policy.small_cells_withheld


def may_count_by_name(role: Role) -> bool:
    """A name filter has no count key (a count by a name is a count of that person): only
    roles that read names in full and count exactly may use it."""
    policy = role_policy(role)
    return (access(role, "Member", "name") is Access.FULL and policy is not None
            and not policy.small_cells_withheld)


def check_counts(principal: Principal, dimensions: Iterable[str],
                 filters: Mapping[str, object]) -> None:
    """Refuse a count grouped or filtered by a key the role may not read. ``filters``: the
    given filter values by argument name (``region``, ``status``, ``program``, ``name``,
    ``desilMax``). For a role that sees small cells withheld, its own region scope is a
    filter too (it must select whole cells of its grain), and a partner may count only its
    own programs."""
    role = principal.role
    for dimension in dimensions:
        if not may_group(role, dimension):
            raise _refused(role, f"groupBy.{dimension}", "HouseholdCount", COUNT_KEYS[dimension])
    regions = [("filter.region", filters.get("region"))]
    if withholds_small_cells(principal):
        regions.append(("your region scope", principal.region))
    for argument, region in regions:
        if isinstance(region, str):
            dimension = REGION_KEYS[level_of(region)]
            if not may_group(role, dimension):
                raise _refused(role, argument, "HouseholdCount", COUNT_KEYS[dimension])
    for name, value in filters.items():
        if value is None or name == "region":
            continue
        if name == "name":
            if not may_count_by_name(role):
                raise _refused(role, "filter.name", "Member", "name")
            continue
        dimension = COUNT_FILTERS[name]
        if not may_group(role, dimension):
            raise _refused(role, f"filter.{name}", "HouseholdCount", COUNT_KEYS[dimension])
    allowed = program_scope(principal)
    program = filters.get("program")
    if allowed is not None and program is not None and program not in allowed:
        yours = ", ".join(sorted(allowed)) or "none"
        raise Forbidden(f"program {program} is outside your programs ({yours})",
                        reason="program_scope")


def count_grain(principal: Principal, dimensions: Sequence[str], available: Sequence[str]
                ) -> list[str]:
    """What to group by before small cells are withheld, of the ``available`` dimensions (a
    node's, or the rollups'): the ``dimensions`` asked for when the role counts exactly;
    otherwise every dimension the role may group by (program only when asked for). A cell of
    this grain is what :func:`published` decides on; the cells asked for are sums of them."""
    if not withholds_small_cells(principal):
        return list(dimensions)
    return [d for d in available if may_group(principal.role, d)
            and (d != PROGRAM or d in dimensions)]


def grain_dimensions(principal: Principal) -> frozenset[str]:
    """Every dimension a cell of the role's grain may be keyed by (see :func:`count_grain`)."""
    return frozenset(d for d in COUNT_KEYS if may_group(principal.role, d))


def published(principal: Principal, households: int, program: str | None) -> bool:
    """Whether a cell of the role's grain is shown: not a small cell (for a role that sees them
    withheld), and not a program outside a partner's programs."""
    if withholds_small_cells(principal) and households < SMALL_CELL_HOUSEHOLDS:
        return False
    allowed = program_scope(principal)
    return allowed is None or program is None or program in allowed
