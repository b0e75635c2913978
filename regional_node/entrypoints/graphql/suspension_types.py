"""GraphQL types of suspended aid for Dinas Sosial: the suspended memberships (a page to work
through) and the counts per region × program × reason (docs/suspension.md)."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

import service_kit.graphql_enums  # noqa: F401  (the contract's enums, registered once)
from regional_node.adapters.suspension_queries import SuspendedRow
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.types import (
    Household,
    Member,
    PageInfo,
    Program,
    Suspension,
    SuspensionReason,
    region_name,
)
from schema.suspension import REASON_TEXT


@strawberry.type(description="An active membership whose aid is suspended, and the person it "
                             "rests on")
class SuspendedMembership:
    id: strawberry.ID = strawberry.field(description="The membership's id")
    program: Program
    period: str
    start_date: dt.date
    suspension: Suspension
    desa_code: str
    row: strawberry.Private[SuspendedRow]

    @strawberry.field
    def desa_name(self) -> str:
        return region_name(self.desa_code)

    @strawberry.field(description="The household it belongs to")
    async def household(self, info: Info[NodeContext, None]) -> Household | None:
        row = await info.context.loaders.household.load(self.row.household_id)
        return Household.from_row(row) if row is not None else None

    @strawberry.field(description="The person its aid rests on (the member, or the household "
                                  "head); null when the household has no head")
    async def person(self, info: Info[NodeContext, None]) -> Member | None:
        members = await info.context.loaders.members.load(self.row.household_id)
        found = [m for m in members if m.id == self.row.subject_id]
        return Member.from_row(found[0]) if found else None

    @classmethod
    def from_row(cls, row: SuspendedRow) -> SuspendedMembership:
        reason = SuspensionReason(row.reason)
        return cls(id=strawberry.ID(str(row.id)), program=Program(row.program),
                   period=row.period, start_date=row.start_date,
                   suspension=Suspension(reason=reason, text=REASON_TEXT[reason]),
                   desa_code=row.desa_code, row=row)


@strawberry.type
class SuspendedMembershipEdge:
    cursor: str
    node: SuspendedMembership


@strawberry.type
class SuspendedMembershipConnection:
    edges: list[SuspendedMembershipEdge]
    page_info: PageInfo
    total: strawberry.Private[int]

    @strawberry.field(description="How many suspended memberships match the filter")
    def total_count(self) -> int:
        return self.total


@strawberry.type(description="Suspended memberships of one reason")
class SuspensionReasonCount:
    reason: SuspensionReason
    text: str
    memberships: int


@strawberry.type(description="Active memberships of one program in one region, and how many "
                             "of them are suspended, by reason")
class SuspensionSummary:
    region_code: str | None = strawberry.field(description="Null at the NATIONAL level")
    region_name: str | None
    program: Program
    active: int = strawberry.field(description="Active memberships, suspended ones included")
    suspended: int
    by_reason: list[SuspensionReasonCount]
