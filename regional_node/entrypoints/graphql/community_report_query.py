"""Queries of the community-report inbox (staff, within their scope) and the public receipt."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from regional_node.adapters import community_report_queries as q
from regional_node.adapters.proposal_queries import encode_cursor
from regional_node.domain.community_reports import (
    READERS,
    ReportKind,
    ReportStatus,
    effective_status,
)
from regional_node.entrypoints.graphql.clock import now
from regional_node.entrypoints.graphql.community_report_types import (
    CommunityReport,
    CommunityReportConnection,
    CommunityReportEdge,
    CommunityReportReceipt,
)
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.proposal_query import _first, _region_filter
from regional_node.entrypoints.graphql.types import PageInfo
from regional_node.service_layer.community_reports import report_id, utc
from schema.errors import Forbidden
from schema.roles import Principal


@strawberry.input(description="Every given condition must hold")
class CommunityReportFilter:
    kind: ReportKind | None = None
    status: ReportStatus | None = strawberry.field(
        default=None, description="As of now (EXPIRED includes sanggah just past due)")
    region: str | None = strawberry.field(
        default=None, description="A desa or kecamatan code inside this node's kab/kota")
    overdue: bool | None = None
    proposal_id: strawberry.ID | None = None


def _reader(info: Info[NodeContext, None]) -> Principal:
    principal = info.context.principal
    if principal.role not in READERS:
        raise Forbidden(f"role {principal.role} cannot see community reports", reason="role")
    return principal


def _filter(flt: CommunityReportFilter | None, node_region: str) -> q.ReportFilter:
    if flt is None:
        return q.ReportFilter()
    return q.ReportFilter(kind=flt.kind.value if flt.kind else None, status=flt.status,
                          region=_region_filter(flt.region, node_region),
                          overdue=flt.overdue,
                          proposal_id=str(flt.proposal_id) if flt.proposal_id else None)


@strawberry.type
class CommunityReportQuery:
    @strawberry.field(description="The usul/sanggah inbox in your scope, oldest first, "
                                  "keyset-paginated: pass pageInfo.endCursor as `after`")
    async def community_reports(self, info: Info[NodeContext, None],
                                filter: CommunityReportFilter | None = None, first: int = 50,
                                after: str | None = None) -> CommunityReportConnection | None:
        principal = _reader(info)
        moment = now(info.context)
        async with info.context.database.reader() as session:
            page = await q.list_reports(session, principal,
                                        _filter(filter, info.context.region), moment,
                                        first=_first(first), after=after)
        edges = [CommunityReportEdge(cursor=encode_cursor(r.received_at, r.id),
                                     node=CommunityReport.from_row(r, moment))
                 for r in page.rows]
        return CommunityReportConnection(edges=edges, page_info=PageInfo(
            has_next_page=page.has_next, end_cursor=page.end_cursor,
            start_cursor=edges[0].cursor if edges else None))

    @strawberry.field(description="One community report; null when absent or outside your scope")
    async def community_report(self, info: Info[NodeContext, None],
                               id: strawberry.ID) -> CommunityReport | None:
        principal = _reader(info)
        async with info.context.database.reader() as session:
            row = await q.get_report(session, principal, report_id(str(id)))
        return None if row is None else CommunityReport.from_row(row, now(info.context))

    @strawberry.field(description="Follow a report you sent: its status, by its receipt id "
                                  "(open to everyone; says nothing about people)")
    async def community_report_receipt(self, info: Info[NodeContext, None],
                                       receipt_id: strawberry.ID) -> CommunityReportReceipt | None:
        rid = report_id(str(receipt_id))
        async with info.context.database.reader() as session:
            found = await q.receipt(session, rid)
        if found is None:
            return None
        kind, status, due = found
        return CommunityReportReceipt(receipt_id=strawberry.ID(rid), status=effective_status(
            ReportKind(kind), ReportStatus(status), utc(due), now(info.context)))
