"""GraphQL types of proposals (usulan), their history, notifications and attachments."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from regional_node.adapters.orm import Notification as NotificationRow
from regional_node.adapters.orm import Proposal as ProposalRow
from regional_node.adapters.orm import ProposalEvent as EventRow
from regional_node.domain.proposals import ProposalAction, ProposalKind, ProposalState
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.types import Decree, PageInfo, region_name
from schema.enums import MatchStatus

strawberry.enum(ProposalKind, description="What a proposal (usulan) changes")
strawberry.enum(ProposalState, description="Where a proposal is in the DTKS update cycle")
strawberry.enum(ProposalAction, description="A step of the DTKS update cycle")


@strawberry.type(description="The Musdes/Muskel that agreed a proposal, and its minutes")
class Musdes:
    held_on: dt.date
    minutes_number: str = strawberry.field(description="Nomor berita acara")
    minutes_sha256: str = strawberry.field(description="SHA-256 of the attached minutes")


@strawberry.type(description="The population registry's (Dukcapil) answer for one person")
class NikCheck:
    nik: str
    name: str
    outcome: MatchStatus
    acceptable: bool = strawberry.field(description="False: this person blocks the proposal")
    detail: str


@strawberry.type(description="One step of a proposal's history: who, in which role, when, why")
class ProposalEvent:
    action: str
    from_state: ProposalState | None
    to_state: ProposalState
    actor: str
    role: str
    at: dt.datetime
    reason: str | None

    @classmethod
    def from_row(cls, row: EventRow) -> ProposalEvent:
        return cls(action=row.action,
                   from_state=ProposalState(row.from_state) if row.from_state else None,
                   to_state=ProposalState(row.to_state), actor=row.actor, role=row.role,
                   at=row.at, reason=row.reason)


@strawberry.type(description="A proposal (usulan) to change the registry")
class Proposal:
    id: strawberry.ID
    kind: ProposalKind
    state: ProposalState
    desa_code: str
    household_id: strawberry.ID | None = strawberry.field(
        description="The household it concerns; for a new household, set once approved")
    details: JSON = strawberry.field(description="What the proposal changes, by kind")
    musdes: Musdes | None
    note: str | None
    nik_checks: list[NikCheck] | None = strawberry.field(
        description="The last NIK check; null until the registry has answered")
    reason: str | None = strawberry.field(description="Why it was rejected or returned")
    decree: Decree | None = strawberry.field(
        description="The decree that determined it (DETERMINED only)")
    corrects: strawberry.ID | None = strawberry.field(
        description="The RETURNED proposal this one corrects")
    created_by: str
    created_role: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    history: list[ProposalEvent]

    @strawberry.field
    def desa_name(self) -> str:
        return region_name(self.desa_code)

    @strawberry.field(description="The proposals that correct this one (it was RETURNED), "
                                  "oldest first; at most one of them is not rejected or "
                                  "returned")
    async def corrected_by(self, info: Info[NodeContext, None]) -> list[strawberry.ID]:
        return [strawberry.ID(i) for i in await info.context.loaders.corrections.load(self.id)]

    @classmethod
    def from_row(cls, row: ProposalRow, events: list[EventRow]) -> Proposal:
        musdes = None
        if row.musdes_held_on is not None and row.musdes_minutes_sha256 is not None:
            musdes = Musdes(held_on=row.musdes_held_on,
                            minutes_number=row.musdes_minutes_number or "",
                            minutes_sha256=row.musdes_minutes_sha256)
        checks = None if row.nik_results is None else [
            NikCheck(nik=r["nik"], name=r["name"], outcome=MatchStatus(r["outcome"]),
                     acceptable=r["acceptable"], detail=r.get("detail", ""))
            for r in row.nik_results]
        return cls(
            id=strawberry.ID(row.id), kind=ProposalKind(row.kind),
            state=ProposalState(row.state), desa_code=row.desa_code,
            household_id=strawberry.ID(str(row.household_id)) if row.household_id else None,
            details=row.details,  # type: ignore[arg-type]  # JSON scalar
            musdes=musdes, note=row.note, nik_checks=checks,
            reason=row.reason, decree=Decree.from_events(events),
            corrects=strawberry.ID(row.corrects_id) if row.corrects_id else None,
            created_by=row.created_by, created_role=row.created_role,
            version=row.version, created_at=row.created_at, updated_at=row.updated_at,
            history=[ProposalEvent.from_row(e) for e in events])


@strawberry.type
class ProposalEdge:
    cursor: str
    node: Proposal


@strawberry.type
class ProposalConnection:
    edges: list[ProposalEdge]
    page_info: PageInfo


@strawberry.type(description="A message for a user, e.g. a NIK anomaly on their proposal")
class Notification:
    id: strawberry.ID
    topic: str
    message: str
    desa_code: str
    proposal_id: strawberry.ID | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: NotificationRow) -> Notification:
        return cls(id=strawberry.ID(str(row.id)), topic=row.topic, message=row.message,
                   desa_code=row.desa_code,
                   proposal_id=strawberry.ID(row.proposal_id) if row.proposal_id else None,
                   created_at=row.created_at, read_at=row.read_at)


@strawberry.type
class NotificationEdge:
    cursor: str
    node: Notification


@strawberry.type
class NotificationConnection:
    edges: list[NotificationEdge]
    page_info: PageInfo


@strawberry.type(description="A stored file, named by the SHA-256 of its content")
class Attachment:
    sha256: str
    media_type: str
    size_bytes: int
    filename: str | None
