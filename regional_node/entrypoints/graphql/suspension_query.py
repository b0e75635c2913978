"""Queries of suspended aid, for Dinas Sosial to work through and count (docs/suspension.md):
the suspended memberships in your scope (keyset-paginated) and the counts per region ×
program × reason. Both narrowed to the principal's rows; the policy table decides who may
ask (staff of the region and Kemensos)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from regional_node.adapters import suspension_queries as q
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.id_pages import (
    after_id,
    check_first,
    id_cursor,
    page_info,
    scoped_households,
)
from regional_node.entrypoints.graphql.query import DEFAULT_PAGE, MAX_PAGE
from regional_node.entrypoints.graphql.suspension_types import (
    SuspendedMembership,
    SuspendedMembershipConnection,
    SuspendedMembershipEdge,
    SuspensionReasonCount,
    SuspensionSummary,
)
from regional_node.entrypoints.graphql.types import Program, region_name
from schema.errors import InvalidInput
from schema.suspension import REASON_TEXT, SuspensionLevel, SuspensionReason, summarise


@strawberry.input(description="Every given condition must hold")
class SuspensionFilter:
    region: str | None = strawberry.field(
        default=None, description="A desa or kecamatan code inside this node's kab/kota")
    program: Program | None = None
    reason: SuspensionReason | None = None


def _filter(flt: SuspensionFilter | None, context: NodeContext) -> q.SuspensionFilter:
    scope = scoped_households(context, flt.region if flt is not None else None)
    if flt is None:
        return q.SuspensionFilter(scope)
    return q.SuspensionFilter(scope, program=flt.program.value if flt.program else None,
                              reason=flt.reason.value if flt.reason else None)


@strawberry.type
class SuspensionQuery:
    @strawberry.field(description="Active memberships whose aid is suspended, in your scope, by "
                                  "membership id: pass pageInfo.endCursor as `after` for the "
                                  f"next page (first: 1..{MAX_PAGE})")
    async def suspended_memberships(self, info: Info[NodeContext, None],
                                    filter: SuspensionFilter | None = None,
                                    first: int = DEFAULT_PAGE, after: str | None = None
                                    ) -> SuspendedMembershipConnection | None:
        check_first(first)
        flt = _filter(filter, info.context)
        async with info.context.database.reader() as session:
            page = await q.list_suspended(session, flt, first=first, after_id=after_id(after))
            total = await q.count_suspended(session, flt)
        edges = [SuspendedMembershipEdge(cursor=id_cursor(row.id),
                                         node=SuspendedMembership.from_row(row))
                 for row in page.rows]
        return SuspendedMembershipConnection(edges=edges, total=total,
                                             page_info=page_info(edges, page.has_next))

    @strawberry.field(description="Active memberships in your scope and the suspended ones by "
                                  "reason, per region of `level` (default KABKOTA) and program")
    async def suspension_summary(self, info: Info[NodeContext, None],
                                 level: SuspensionLevel = SuspensionLevel.KABKOTA,
                                 filter: SuspensionFilter | None = None
                                 ) -> list[SuspensionSummary] | None:
        if filter is not None and filter.reason is not None:
            raise InvalidInput("a summary counts every reason: leave filter.reason out",
                               reason="not_allowed", field="reason")
        flt = _filter(filter, info.context)
        async with info.context.database.reader() as session:
            cells = await q.suspension_cells(session, flt, level)
        return [SuspensionSummary(
            region_code=t.region, region_name=region_name(t.region) if t.region else None,
            program=Program(t.program), active=t.active, suspended=t.suspended,
            by_reason=[SuspensionReasonCount(reason=reason, text=REASON_TEXT[reason],
                                             memberships=count)
                       for reason, count in t.by_reason])
            for t in summarise(cells)]
