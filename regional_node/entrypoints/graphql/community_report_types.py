"""GraphQL types of community reports: the operator's view, and the public's receipt."""

from __future__ import annotations

import datetime as dt

import strawberry

import service_kit.graphql_enums  # noqa: F401  (the contract's enums, registered once)
from regional_node.adapters.orm import CommunityReport as ReportRow
from regional_node.domain.community_reports import (
    ReportKind,
    ReportStatus,
    is_overdue,
)
from regional_node.entrypoints.graphql.types import PageInfo, region_name
from regional_node.service_layer.community_reports import status_of, utc


@strawberry.type(description="What the public gets back for a report: its receipt and status, "
                             "nothing else")
class CommunityReportReceipt:
    receipt_id: strawberry.ID = strawberry.field(
        description="Keep it to follow the report (communityReportReceipt)")
    status: ReportStatus


@strawberry.type(description="An usul or sanggah from the public: work for its desa's operator")
class CommunityReport:
    id: strawberry.ID
    kind: ReportKind
    status: ReportStatus = strawberry.field(description="As of now: EXPIRED once a sanggah is "
                                                        "past its due date unacted on")
    desa_code: str
    person_name: str = strawberry.field(description="Who the report is about")
    address: str
    description: str
    nik: str | None
    kk_number: str | None
    program: str | None
    photo_sha256: str | None = strawberry.field(description="The sanggah's photo (attachment)")
    latitude: float | None
    longitude: float | None
    outside_regency: bool | None = strawberry.field(
        description="The sanggah's position lies outside this kab/kota")
    submitter_name: str | None
    submitter_contact: str | None
    received_at: dt.datetime
    due_at: dt.datetime
    overdue: bool = strawberry.field(description="Still OPEN after its due date")
    proposal_id: strawberry.ID | None = strawberry.field(
        description="The proposal opened from it")
    closed_by: str | None
    closed_at: dt.datetime | None
    close_reason: str | None
    version: int

    @strawberry.field
    def desa_name(self) -> str:
        return region_name(self.desa_code)

    @classmethod
    def from_row(cls, row: ReportRow, now: dt.datetime) -> CommunityReport:
        status = status_of(row, now)
        return cls(
            id=strawberry.ID(row.id), kind=ReportKind(row.kind), status=status,
            desa_code=row.desa_code, person_name=row.person_name, address=row.address,
            description=row.description, nik=row.nik, kk_number=row.kk_number,
            program=row.program, photo_sha256=row.photo_sha256, latitude=row.latitude,
            longitude=row.longitude, outside_regency=row.outside_regency,
            submitter_name=row.submitter_name, submitter_contact=row.submitter_contact,
            received_at=utc(row.received_at), due_at=utc(row.due_at),
            overdue=is_overdue(status, utc(row.due_at), now),
            proposal_id=strawberry.ID(row.proposal_id) if row.proposal_id else None,
            closed_by=row.closed_by,
            closed_at=utc(row.closed_at) if row.closed_at else None,
            close_reason=row.close_reason, version=row.version)


@strawberry.type
class CommunityReportEdge:
    cursor: str
    node: CommunityReport


@strawberry.type
class CommunityReportConnection:
    edges: list[CommunityReportEdge]
    page_info: PageInfo
