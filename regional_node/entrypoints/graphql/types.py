"""GraphQL object types, built from database rows by value (no lazy loading from resolvers)."""

from __future__ import annotations

import datetime as dt
from operator import attrgetter
from typing import Any

import strawberry
from strawberry.types import Info

import service_kit.graphql_enums  # noqa: F401  (the contract's enums, registered once)
from regional_node.adapters.orm import Household as HouseholdRow
from regional_node.adapters.orm import Member as MemberRow
from regional_node.adapters.orm import ProgramMembership as ProgramRow
from regional_node.adapters.orm import ProposalEvent as EventRow
from regional_node.domain.suspension import REASON_TEXT, SuspensionReason, membership_reason
from regional_node.entrypoints.graphql.context import NodeContext
from schema import enums
from schema.enums import (
    Asset,
    CookingFuel,
    Disability,
    DrinkingWater,
    Education,
    FloorMaterial,
    HouseholdStatus,
    InactiveReason,
    Lighting,
    MatchStatus,
    Program,
    Relationship,
    RoofMaterial,
    Sex,
    Tenure,
    Toilet,
    WallMaterial,
)
from schema.regions import regions
from schema.scope import memberships_in_scope


def _opt(enum_type: Any, value: str | None) -> Any:
    return enum_type(value) if value is not None else None


def region_name(code: str) -> str:
    region = regions().get(code)
    return region.name if region is not None else ""


@strawberry.type(description="Housing conditions used by DTKS welfare ranking")
class Housing:
    floor_material: FloorMaterial | None
    wall_material: WallMaterial | None
    roof_material: RoofMaterial | None
    floor_area_m2: float | None
    tenure: Tenure | None
    drinking_water: DrinkingWater | None
    lighting: Lighting | None
    cooking_fuel: CookingFuel | None
    toilet: Toilet | None


@strawberry.type(description="A household's proxy means test score (docs/pmt.md)")
class PmtScore:
    score: float = strawberry.field(description="Predicted log of monthly per-capita "
                                                "consumption (rupiah); higher is better off")
    model_version: str = strawberry.field(description="The PMT model that computed it")
    computed_at: dt.datetime


@strawberry.type(description="Why a membership's aid is suspended (docs/suspension.md)")
class Suspension:
    reason: SuspensionReason
    text: str = strawberry.field(description="The reason in Indonesian, then English")

    @classmethod
    def of(cls, reason: SuspensionReason | None) -> Suspension | None:
        return cls(reason=reason, text=REASON_TEXT[reason]) if reason is not None else None


@strawberry.type(description="The Keputusan Menteri Sosial that determined a proposal")
class Decree:
    number: str
    date: dt.date
    period: str
    pdf_sha256: str | None = strawberry.field(description="SHA-256 of the signed PDF")

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Decree:
        return cls(number=str(raw["number"]), date=dt.date.fromisoformat(raw["date"]),
                   period=str(raw["period"]), pdf_sha256=raw.get("pdf_sha256"))

    @classmethod
    def from_events(cls, events: list[EventRow]) -> Decree | None:
        """From the determination's history entry, which keeps the signed decision's decree."""
        for event in reversed(events):
            raw = (event.detail or {}).get("decree") if event.action == "DETERMINE" else None
            if isinstance(raw, dict):
                return cls.from_json(raw)
        return None


@strawberry.type(description="A household to review: a change Kemensos returned could not be "
                             "undone safely (docs/update-cycle.md)")
class HouseholdReview:
    reason: str = strawberry.field(description="Why, in Indonesian then English")
    proposal_id: strawberry.ID | None = strawberry.field(
        description="The returned proposal (the latest, when several)")


@strawberry.type(description="A program membership (PKH, BPNT, PBI-JK, ...) for a period")
class ProgramMembership:
    program: Program
    period: str
    start_date: dt.date | None
    end_date: dt.date | None
    active: bool
    member_id: strawberry.ID | None = strawberry.field(
        description="Set for person-level programs (PBI-JK, PIP); null for the household")
    household_id: strawberry.Private[int]
    member_row_id: strawberry.Private[int | None]

    @classmethod
    def from_row(cls, row: ProgramRow) -> ProgramMembership:
        return cls(program=Program(row.program), period=row.period, start_date=row.start_date,
                   end_date=row.end_date, active=row.active,
                   member_id=strawberry.ID(str(row.member_id)) if row.member_id else None,
                   household_id=row.household_id, member_row_id=row.member_id)

    async def _reason(self, info: Info[NodeContext, None]) -> SuspensionReason | None:
        if not self.active:
            return None  # an ended membership pays nothing to suspend
        members = await info.context.loaders.members.load(self.household_id)
        return membership_reason(self.member_row_id, members)

    @strawberry.field(description="Whether its aid is suspended: the person it rests on (its "
                                  "member, or the household head) is not padan with Dukcapil "
                                  "or has died; false for an ended membership")
    async def suspended(self, info: Info[NodeContext, None]) -> bool | None:
        return await self._reason(info) is not None

    @strawberry.field(description="Why its aid is suspended; null when it pays (or has ended)")
    async def suspension(self, info: Info[NodeContext, None]) -> Suspension | None:
        return Suspension.of(await self._reason(info))


@strawberry.type(description="A person in a household (anggota rumah tangga). Fields a role may "
                             "not see are null, with a FORBIDDEN_FIELD error (docs/security.md)")
class Member:
    id: strawberry.ID | None
    household_id: strawberry.Private[int]
    nik: str | None
    name: str | None
    birth_date: dt.date | None
    sex: Sex | None
    relationship: Relationship | None = strawberry.field(description="Relationship to the head")
    education: Education | None
    occupation: str | None
    disability: Disability | None
    match_status: MatchStatus | None
    alive: bool | None
    death_date: dt.date | None
    dukcapil_finding: DukcapilFinding | None = strawberry.field(
        description="What the last Dukcapil check found when it was not a clean match: the "
                    "fields that differ and the registry's values (docs/dukcapil.md)")

    @classmethod
    def from_row(cls, row: MemberRow) -> Member:
        return cls(id=strawberry.ID(str(row.id)), household_id=row.household_id, nik=row.nik,
                   name=row.name, birth_date=row.birth_date, sex=Sex(row.sex),
                   relationship=Relationship(row.relationship),
                   education=_opt(Education, row.education), occupation=row.occupation,
                   disability=Disability(row.disability),
                   match_status=MatchStatus(row.match_status), alive=row.alive,
                   death_date=row.death_date,
                   dukcapil_finding=DukcapilFinding.of(row.registry_finding))

    @strawberry.field
    async def household(self, info: Info[NodeContext, None]) -> Household | None:
        row = await info.context.loaders.household.load(self.household_id)
        return Household.from_row(row) if row is not None else None


@strawberry.type(description="The registry's side of a Dukcapil check that was not a clean "
                             "match: compare it with what DTKS holds")
class DukcapilFinding:
    status: MatchStatus | None = strawberry.field(description="The check's outcome")
    fields: list[str] | None = strawberry.field(
        description="The fields that differ and make it tidak padan: name, birth_date, "
                    "kk_number")
    registry_name: str | None
    registry_birth_date: dt.date | None
    registry_kk_number: str | None
    registry_sex: Sex | None = strawberry.field(
        description="Set when Dukcapil records another sex (reported, not a mismatch)")
    registry_death_date: dt.date | None = strawberry.field(
        description="The death Dukcapil records (a death proposal is drafted for the desa)")

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> DukcapilFinding | None:
        if not stored:
            return None
        values = stored.get("registry") or {}

        def day(name: str) -> dt.date | None:
            return dt.date.fromisoformat(values[name]) if values.get(name) else None

        return cls(status=MatchStatus(stored["status"]), fields=list(stored.get("fields", ())),
                   registry_name=values.get("name"), registry_birth_date=day("birth_date"),
                   registry_kk_number=values.get("kk_number"),
                   registry_sex=Sex(values["sex"]) if values.get("sex") else None,
                   registry_death_date=day("death_date"))


@strawberry.type(description="A household (rumah tangga), identified by its KK number. Fields a "
                             "role may not see are null, with a FORBIDDEN_FIELD error "
                             "(docs/security.md)")
class Household:
    id: strawberry.ID | None
    row_id: strawberry.Private[int]
    kk_number: str | None
    desa_code: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    housing: Housing | None
    assets: list[Asset] | None
    desil: int | None = strawberry.field(description="Welfare decile, 1 = poorest")
    status: HouseholdStatus
    inactive_reason: InactiveReason | None
    version: int | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    desa: strawberry.Private[str]
    review_reason: strawberry.Private[str | None] = None
    review_proposal_id: strawberry.Private[str | None] = None

    @strawberry.field
    def desa_name(self) -> str | None:
        return region_name(self.desa)

    @strawberry.field(description="Set while Dinas Sosial has to review the household: a "
                                  "change Kemensos returned could not be undone safely; "
                                  "closeHouseholdReview ends it")
    def review(self) -> HouseholdReview | None:
        if self.review_reason is None:
            return None
        proposal = self.review_proposal_id
        return HouseholdReview(reason=self.review_reason,
                               proposal_id=strawberry.ID(proposal) if proposal else None)

    @strawberry.field(description="The decree (Keputusan Menteri Sosial) of the latest "
                                  "determined proposal concerning this household")
    async def decree(self, info: Info[NodeContext, None]) -> Decree | None:
        raw = await info.context.loaders.decrees.load(self.row_id)
        return Decree.from_json(raw) if raw is not None else None

    @strawberry.field
    def kecamatan_code(self) -> str | None:
        return self.desa.rsplit(".", 1)[0]

    @strawberry.field
    def kecamatan_name(self) -> str | None:
        return region_name(self.desa.rsplit(".", 1)[0])

    @strawberry.field
    async def members(self, info: Info[NodeContext, None]) -> list[Member] | None:
        rows = await info.context.loaders.members.load(self.row_id)
        return [Member.from_row(row) for row in rows]

    @strawberry.field(description="The head of the household (kepala keluarga)")
    async def head(self, info: Info[NodeContext, None]) -> Member | None:
        rows = await info.context.loaders.members.load(self.row_id)
        heads = [r for r in rows if r.relationship == enums.Relationship.HEAD]
        return Member.from_row(heads[0]) if heads else None

    @strawberry.field(description="The PMT score and the model version that computed it "
                                  "(the region's staff and Kemensos)")
    async def pmt_score(self, info: Info[NodeContext, None]) -> PmtScore | None:
        row = await info.context.loaders.pmt_scores.load(self.row_id)
        if row is None:
            return None
        return PmtScore(score=row.score, model_version=row.model_version,
                        computed_at=row.computed_at)

    @strawberry.field(description="Program memberships; a partner ministry (MITRA) sees only "
                                  "its own programs when its token names them")
    async def programs(self, info: Info[NodeContext, None],
                       active_only: bool = True) -> list[ProgramMembership]:
        rows = await info.context.loaders.programs.load(self.row_id)
        return [ProgramMembership.from_row(r) for r in memberships_in_scope(
                    info.context.principal, rows, attrgetter("program"))
                if r.active or not active_only]

    @classmethod
    def from_row(cls, row: HouseholdRow) -> Household:
        return cls(
            id=strawberry.ID(str(row.id)), row_id=row.id, desa=row.desa_code,
            kk_number=row.kk_number, desa_code=row.desa_code,
            address=row.address, latitude=row.latitude, longitude=row.longitude,
            housing=Housing(
                floor_material=_opt(FloorMaterial, row.floor_material),
                wall_material=_opt(WallMaterial, row.wall_material),
                roof_material=_opt(RoofMaterial, row.roof_material),
                floor_area_m2=row.floor_area_m2, tenure=_opt(Tenure, row.tenure),
                drinking_water=_opt(DrinkingWater, row.drinking_water),
                lighting=_opt(Lighting, row.lighting),
                cooking_fuel=_opt(CookingFuel, row.cooking_fuel),
                toilet=_opt(Toilet, row.toilet)),
            assets=[Asset(a) for a in row.assets or []], desil=row.desil,
            status=HouseholdStatus(row.status),
            inactive_reason=_opt(InactiveReason, row.inactive_reason), version=row.version,
            created_at=row.created_at, updated_at=row.updated_at,
            review_reason=row.review_reason, review_proposal_id=row.review_proposal_id)


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    start_cursor: str | None


@strawberry.type
class HouseholdEdge:
    cursor: str
    node: Household


@strawberry.type(description="The region this node serves and what it runs")
class NodeInfo:
    region: str
    region_name: str
    schema_version: str
