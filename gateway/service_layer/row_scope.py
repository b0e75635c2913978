"""Row scope at the gateway (defence in depth; every node applies it again): which regions a
principal's query may reach, from ``schema.scope`` and the principal's region.

* A list or count without a region is narrowed to the principal's region; a region inside the
  scope is kept; a region containing the scope (a province, for kab/kota staff) is narrowed
  to the scope; a region beside it is ``OUT_OF_SCOPE``. So the planner only ever scatters to
  nodes in scope.
* ``household(id)`` outside the scope is ``OUT_OF_SCOPE`` before any node is asked. A NIK
  is a person's identity: ``person(nik)`` outside the scope is null, as for a NIK registered
  nowhere (no error, no region, the same ``nikDirectory`` note); a NIK lookup asks only
  nodes in scope.
* What a node refuses on policy (a row outside a desa, say) comes back as the same code, not
  as a node failure.
* The public lists households only as a search (a desa + the full name as on the KTP), and
  nobody filters a list by a field they may not read (``schema.disclosure.list_filters``).
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.errors import OutOfRegion
from gateway.federation.fanout import RequestScope
from gateway.federation.filters import HouseholdFilter
from schema.disclosure import list_filters
from schema.errors import Forbidden, OutOfScope
from schema.regions import is_within
from schema.roles import Principal
from schema.scope import check_public_search, overlaps

# What a node says when it refuses on policy, and the gateway's own error for it.
REFUSALS: dict[str, type[Exception]] = {"OUT_OF_REGION": OutOfRegion,
                                        "OUT_OF_SCOPE": OutOfScope,
                                        "FORBIDDEN": Forbidden, "FORBIDDEN_FIELD": Forbidden}


def _outside(principal: Principal, region: str) -> OutOfScope:
    return OutOfScope(f"region {region} is outside your scope ({principal.region})")


def scoped_region(principal: Principal, requested: str | None) -> str | None:
    """The region a query of ``principal`` asking for ``requested`` may cover."""
    scope = principal.region
    if scope is None:
        return requested
    if requested is None or is_within(scope, requested):
        return scope
    if is_within(requested, scope):
        return requested
    raise _outside(principal, requested)


def scoped_filter(principal: Principal, flt: HouseholdFilter, *, listing: bool = False
                  ) -> HouseholdFilter:
    """``flt`` with its region narrowed to the scope; ``listing``: the public may search only,
    and only by fields the role may read."""
    if listing:
        check_public_search(principal, flt.region, flt.name)
        list_filters(principal, flt.given())
    region = scoped_region(principal, flt.region)
    if region == flt.region:
        return flt
    return HouseholdFilter(region=region, status=flt.status, program=flt.program,
                           name=flt.name, desil_max=flt.desil_max)


def require_in_scope(principal: Principal, region: str) -> None:
    """An explicit request for a record of ``region``: refused when no row there can be seen."""
    if not overlaps(principal, region):
        raise _outside(principal, region)


def regions_in_scope(principal: Principal, regions: Iterable[str]) -> list[str]:
    return [r for r in regions if overlaps(principal, r)]


def take_refusal(scope: RequestScope, region: str) -> type[Exception] | None:
    """If ``region``'s node refused the call on policy, the gateway's error for that refusal
    (the node answered: the call now counts as ok, not as a node failure); else None."""
    report = scope.report
    for failure in list(report.failures):
        code = failure.error.node_code
        if failure.region != region or code not in REFUSALS:
            continue
        report.failures.remove(failure)
        report.failed -= 1
        report.ok += 1
        return REFUSALS[code]
    return None


def reraise_refusal(scope: RequestScope, region: str) -> None:
    """If ``region``'s node refused the call on policy, raise that refusal as the gateway's
    own error (:func:`take_refusal`)."""
    refusal = take_refusal(scope, region)
    if refusal is OutOfScope:
        raise OutOfScope("that record lies outside your scope")
    if refusal is OutOfRegion:
        raise OutOfRegion(f"that record is not served by the node of {region}",
                          reason="out_of_region")
    if refusal is not None:
        raise Forbidden("that record is not available to you", reason="node_policy")
