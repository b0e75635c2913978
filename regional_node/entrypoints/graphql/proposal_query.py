"""Queries of the DTKS update cycle: proposals (keyset-paginated), one proposal, and the
user's notifications. Each is narrowed to ``info.context.principal``'s scope."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from regional_node.adapters import proposal_queries as q
from regional_node.domain.proposals import READERS, ProposalKind, ProposalState
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.proposal_types import (
    Notification,
    NotificationConnection,
    NotificationEdge,
    Proposal,
    ProposalConnection,
    ProposalEdge,
)
from regional_node.entrypoints.graphql.query import DEFAULT_PAGE, MAX_PAGE
from regional_node.entrypoints.graphql.types import PageInfo
from regional_node.errors import OutOfRegion
from regional_node.service_layer.proposals import proposal_id
from schema.errors import Forbidden, InvalidInput
from schema.ids import record_id
from schema.regions import is_within, regions
from schema.roles import Principal


@strawberry.input(description="Every given condition must hold")
class ProposalFilter:
    state: ProposalState | None = None
    kind: ProposalKind | None = None
    region: str | None = strawberry.field(
        default=None, description="A desa or kecamatan code inside this node's kab/kota")
    household_id: strawberry.ID | None = None


def _reader(info: Info[NodeContext, None]) -> Principal:
    principal = info.context.principal
    if principal.role not in READERS:
        raise Forbidden(f"role {principal.role} cannot see proposals", reason="role")
    return principal


def _first(first: int) -> int:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be 1 to {MAX_PAGE}", reason="out_of_range",
                           field="first")
    return first


def _region_filter(code: str | None, node_region: str) -> str | None:
    if code is None:
        return None
    regions().require(code)
    if is_within(code, node_region):
        return code
    if is_within(node_region, code):
        return None  # a parent of this node's region: everything here matches
    raise OutOfRegion(f"region {code} is outside this node's region {node_region}",
                      reason="out_of_region", field="region")


def _filter(flt: ProposalFilter | None, node_region: str) -> q.ProposalFilter:
    if flt is None:
        return q.ProposalFilter()
    household = None
    if flt.household_id is not None:
        household = record_id(flt.household_id, "householdId")
    return q.ProposalFilter(state=flt.state.value if flt.state else None,
                            kind=flt.kind.value if flt.kind else None,
                            region=_region_filter(flt.region, node_region),
                            household_id=household)


@strawberry.type
class ProposalQuery:
    @strawberry.field(description="Proposals in your scope, oldest first, keyset-paginated: "
                                  "pass pageInfo.endCursor as `after`")
    async def proposals(self, info: Info[NodeContext, None],
                        filter: ProposalFilter | None = None, first: int = DEFAULT_PAGE,
                        after: str | None = None) -> ProposalConnection | None:
        principal = _reader(info)
        flt = _filter(filter, info.context.region)
        async with info.context.database.reader() as session:
            page = await q.list_proposals(session, principal, flt, first=_first(first),
                                          after=after)
            events = await q.events_by_proposal(session, [r.id for r in page.rows])
        edges = [ProposalEdge(cursor=q.encode_cursor(r.created_at, r.id),
                              node=Proposal.from_row(r, events[r.id])) for r in page.rows]
        return ProposalConnection(edges=edges, page_info=_page_info(page, edges))

    @strawberry.field(description="One proposal by id; null when absent or outside your scope")
    async def proposal(self, info: Info[NodeContext, None],
                       id: strawberry.ID) -> Proposal | None:
        principal = _reader(info)
        async with info.context.database.reader() as session:
            row = await q.get_proposal(session, principal, proposal_id(str(id)))
            if row is None:
                return None
            events = await q.events_by_proposal(session, [row.id])
        return Proposal.from_row(row, events[row.id])

    @strawberry.field(description="Your notifications (and, for desa operators and Dinas "
                                  "Sosial, those about your region), oldest first")
    async def notifications(self, info: Info[NodeContext, None], unread_only: bool = False,
                            first: int = DEFAULT_PAGE,
                            after: str | None = None) -> NotificationConnection | None:
        principal = _reader(info)
        async with info.context.database.reader() as session:
            page = await q.list_notifications(session, principal, unread_only=unread_only,
                                              first=_first(first), after=after)
        edges = [NotificationEdge(cursor=q.encode_cursor(r.created_at, r.id),
                                  node=Notification.from_row(r)) for r in page.rows]
        return NotificationConnection(edges=edges, page_info=_page_info(page, edges))


def _page_info(page: q.Page, edges: list[ProposalEdge] | list[NotificationEdge]) -> PageInfo:
    return PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor,
                    start_cursor=edges[0].cursor if edges else None)
