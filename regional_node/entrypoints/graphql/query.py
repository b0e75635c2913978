"""Root query of the node: households (filtered, keyset-paginated), one household, a person by
NIK, grouped counts, and what this node is."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.types import Info

from regional_node.adapters import household_queries as q
from regional_node.adapters.household_queries import CountDimension, HouseholdOrder
from regional_node.adapters.orm import Household as HouseholdRow
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.types import (
    Household,
    HouseholdEdge,
    HouseholdStatus,
    Member,
    NodeInfo,
    PageInfo,
    Program,
    region_name,
)
from regional_node.errors import OutOfRegion, OutOfScope
from schema.disclosure import check_counts, count_grain, list_filters, published
from schema.errors import InvalidInput
from schema.identity_numbers import parse_nik
from schema.ids import record_id
from schema.regions import is_within, regions
from schema.roles import Principal
from schema.scope import check_public_search, overlaps, sees_row, window

SCHEMA_VERSION = "1.0"
DEFAULT_PAGE = 50
MAX_PAGE = 500

strawberry.enum(HouseholdOrder, description="Sort order of a household list")
strawberry.enum(CountDimension, description="What to group counts by")


@strawberry.input(description="Every given condition must hold")
class HouseholdFilter:
    region: str | None = strawberry.field(
        default=None, description="A desa or kecamatan code inside this node's kab/kota")
    status: HouseholdStatus | None = None
    program: Program | None = strawberry.field(default=None,
                                               description="Actively enrolled in this program")
    name: str | None = strawberry.field(
        default=None, description="A member's name: any part of it, any case; for whom names "
                                  "are masked (the public), the full name as on the KTP, "
                                  "matched whole (case, spaces, punctuation ignored)")
    desil_max: int | None = strawberry.field(default=None,
                                             description="Desil at most this (1 = poorest)")


@strawberry.type
class HouseholdConnection:
    edges: list[HouseholdEdge]
    page_info: PageInfo
    filter: strawberry.Private[q.HouseholdFilter]

    @strawberry.field(description="How many households match the filter (one extra query)")
    async def total_count(self, info: Info[NodeContext, None]) -> int:
        async with info.context.database.reader() as session:
            return await q.count_households(session, self.filter)


@strawberry.type(description="One group of a grouped count; keys not grouped by are null")
class HouseholdCount:
    kecamatan_code: str | None
    desa_code: str | None
    status: HouseholdStatus | None
    program: Program | None
    desil: int | None
    households: int
    members: int = strawberry.field(description="Living members of those households")


def _region_filter(code: str | None, node_region: str,
                   principal: Principal | None = None) -> str | None:
    if code is None:
        return None
    regions().require(code)
    if not (is_within(code, node_region) or is_within(node_region, code)):
        raise OutOfRegion(f"region {code} is outside this node's region {node_region}",
                          reason="out_of_region", field="region")
    if principal is not None and not overlaps(principal, code):
        raise OutOfScope(f"region {code} is outside your scope ({principal.region})")
    return code if is_within(code, node_region) else None  # a parent: everything here


def _given(flt: HouseholdFilter | None) -> dict[str, object]:
    """The filter's given values by argument name (what ``schema.disclosure`` checks)."""
    if flt is None:
        return {}
    values = {"region": flt.region, "status": _enum_value(flt.status),
              "program": _enum_value(flt.program), "name": flt.name or None,
              "desilMax": flt.desil_max}
    return {name: value for name, value in values.items() if value is not None}


def _domain_filter(flt: HouseholdFilter | None, context: NodeContext, *,
                   whole: frozenset[str] = frozenset()) -> q.HouseholdFilter:
    """The query's filter ANDed with the principal's row scope at this node; ``whole``: the
    filters that match whole values only (``schema.disclosure.list_filters``)."""
    rows = window(context.principal, context.region)
    if flt is None:
        return q.HouseholdFilter(scope_region=rows.region, scope_household_ids=rows.household_ids,
                                 scope_empty=rows.nothing)
    if flt.desil_max is not None and not 1 <= flt.desil_max <= 10:
        raise InvalidInput("desilMax must be 1 to 10", reason="out_of_range", field="desilMax")
    return q.HouseholdFilter(
        region=_region_filter(flt.region, context.region, context.principal),
        status=_enum_value(flt.status), program=_enum_value(flt.program),
        name=flt.name or None, name_whole="name" in whole, desil_max=flt.desil_max,
        scope_region=rows.region, scope_household_ids=rows.household_ids,
        scope_empty=rows.nothing)


def _require_visible(context: NodeContext, row: HouseholdRow) -> None:
    """An explicit request for a row outside the principal's scope is refused, not hidden."""
    if not sees_row(context.principal, row.desa_code, row.id):
        raise OutOfScope("that record lies outside your scope")


def _enum_value(value: Enum | None) -> str | None:
    return value.value if value is not None else None


@strawberry.type
class Query:
    @strawberry.field(description="This node: its region and schema version")
    def node(self, info: Info[NodeContext, None]) -> NodeInfo:
        region = info.context.region
        return NodeInfo(region=region, region_name=region_name(region),
                        schema_version=SCHEMA_VERSION)

    @strawberry.field(description="Households, keyset-paginated: pass pageInfo.endCursor as "
                                  f"`after` for the next page (first: 1..{MAX_PAGE})")
    async def households(self, info: Info[NodeContext, None],
                         filter: HouseholdFilter | None = None, first: int = DEFAULT_PAGE,
                         after: str | None = None,
                         order_by: HouseholdOrder = HouseholdOrder.ID
                         ) -> HouseholdConnection | None:
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInput(f"first must be 1 to {MAX_PAGE}", reason="out_of_range",
                               field="first")
        principal = info.context.principal
        check_public_search(principal, filter.region if filter else None,
                            filter.name if filter else None)
        whole = list_filters(principal, _given(filter))
        domain_filter = _domain_filter(filter, info.context, whole=whole)
        async with info.context.database.reader() as session:
            domain_filter = await q.resolve_names(session, domain_filter)
            page = await q.list_households(session, domain_filter, first=first, after=after,
                                           order=order_by)
        edges = [HouseholdEdge(cursor=q.encode_cursor(order_by, row),
                               node=Household.from_row(row)) for row in page.rows]
        return HouseholdConnection(
            edges=edges, filter=domain_filter,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor,
                               start_cursor=page.start_cursor))

    @strawberry.field(description="One household by its id")
    async def household(self, info: Info[NodeContext, None], id: strawberry.ID
                        ) -> Household | None:
        row = await info.context.loaders.household.load(
            record_id(id, "id", "a household id"))
        if row is None:
            return None
        _require_visible(info.context, row)
        return Household.from_row(row)

    @strawberry.field(description="A person by NIK (16 digits); null when not registered here "
                                  "or outside your scope (the same answer: a NIK is not told "
                                  "registered elsewhere)")
    async def person(self, info: Info[NodeContext, None], nik: str) -> Member | None:
        parse_nik(nik)
        async with info.context.database.reader() as session:
            row = await q.member_by_nik(session, nik)
        if row is None:
            return None
        household = await info.context.loaders.household.load(row.household_id)
        if household is None or not sees_row(info.context.principal, household.desa_code,
                                             household.id):
            return None
        return Member.from_row(row)

    @strawberry.field(description="Household and member counts grouped by the given dimensions. "
                                  "Grouped and filtered only by keys your role may read; for "
                                  "roles that are not staff (the public, partners) cells of "
                                  "fewer than 10 households are left out of every count")
    async def household_counts(self, info: Info[NodeContext, None],
                               group_by: list[CountDimension],
                               filter: HouseholdFilter | None = None) -> list[HouseholdCount]:
        principal = info.context.principal
        dimensions = list(dict.fromkeys(group_by))
        check_counts(principal, [d.value for d in dimensions], _given(filter))
        domain_filter = _domain_filter(filter, info.context)
        grain = [CountDimension(d) for d in count_grain(
            principal, [d.value for d in dimensions], [d.value for d in CountDimension])]
        rows = [r for r in await q.grouped_counts(info.context.database, domain_filter, grain)
                if published(principal, r.households, r.program)]
        if grain != dimensions:
            rows = q.regroup(rows, dimensions)
        return [HouseholdCount(
            kecamatan_code=r.kecamatan, desa_code=r.desa,
            status=HouseholdStatus(r.status) if r.status else None,
            program=Program(r.program) if r.program else None, desil=r.desil,
            households=r.households, members=r.members) for r in rows]
