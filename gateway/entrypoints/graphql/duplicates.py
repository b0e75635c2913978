"""``crossRegionDuplicates``: the NIKs the national directory finds in two or more regions
(Kemensos only, ``schema.policy``), by finding id and regions; never the NIK
(``service_layer.duplicates``)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from gateway.entrypoints.graphql.context import GatewayContext
from gateway.entrypoints.graphql.types import region_name
from gateway.service_layer import duplicates as service


@strawberry.type(description="A kab/kota that holds the NIK")
class DuplicateRegion:
    code: str
    name: str


@strawberry.type(description="One NIK held by two or more regions (data ganda lintas "
                             "wilayah); both nodes keep its id with a warning for Dinas Sosial")
class CrossRegionDuplicate:
    id: strawberry.ID = strawberry.field(description="The finding's id, as the nodes keep it")
    regions: list[DuplicateRegion] = strawberry.field(
        description="The regions that hold it now (one, once resolved)")
    first_seen_at: dt.datetime
    resolved_at: dt.datetime | None = strawberry.field(
        description="When all but one region had dropped it; null: open")


@strawberry.type
class CrossRegionDuplicateEdge:
    node: CrossRegionDuplicate
    cursor: str


@strawberry.type(description="Where a list of duplicates may go on")
class CrossRegionDuplicatePageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page")


@strawberry.type
class CrossRegionDuplicateConnection:
    edges: list[CrossRegionDuplicateEdge]
    page_info: CrossRegionDuplicatePageInfo
    total_count: int


def _node(finding: service.Finding) -> CrossRegionDuplicate:
    return CrossRegionDuplicate(
        id=strawberry.ID(str(finding.id)),
        regions=[DuplicateRegion(code=c, name=region_name(c)) for c in finding.regions],
        first_seen_at=finding.first_seen_at, resolved_at=finding.resolved_at)


async def cross_region_duplicates(info: Info[GatewayContext, None], first: int = 50,
                                  after: str | None = None, include_resolved: bool = False
                                  ) -> CrossRegionDuplicateConnection | None:
    page = await service.list_duplicates(info.context.services.database,
                                         open_only=not include_resolved, first=first,
                                         after=after)
    return CrossRegionDuplicateConnection(
        edges=[CrossRegionDuplicateEdge(node=_node(f), cursor=service.cursor_of(f.id))
               for f in page.findings],
        page_info=CrossRegionDuplicatePageInfo(has_next_page=page.has_next,
                                               end_cursor=page.end_cursor),
        total_count=page.total)
