"""The gateway's GraphQL object types: the node API's types with global ids (``32.73:123``)
and the region that answered, plus the node registry and grouped counts with ``asOf``.

Objects are built by value from node answers (JSON); only selected parts were fetched.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import strawberry

import service_kit.graphql_enums  # noqa: F401  (the contract's enums, registered once)
from gateway.federation.global_id import qualify
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
from schema.suspension import REASON_TEXT, SuspensionReason, SuspensionTotals


def _opt(enum_type: Any, value: str | None) -> Any:
    """The member of ``enum_type`` whose value is ``value`` (None: None). A dictionary look-up
    first (a page converts ~1,000 values; ``Enum(value)`` costs ~10 times more); anything
    it does not find goes through ``enum_type(value)`` and fails as that does."""
    if value is None:
        return None
    try:
        return enum_type._value2member_map_[value]
    except (KeyError, TypeError):
        return enum_type(value)


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _datetime(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


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

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Housing:
        return cls(floor_material=_opt(FloorMaterial, raw.get("floorMaterial")),
                   wall_material=_opt(WallMaterial, raw.get("wallMaterial")),
                   roof_material=_opt(RoofMaterial, raw.get("roofMaterial")),
                   floor_area_m2=raw.get("floorAreaM2"), tenure=_opt(Tenure, raw.get("tenure")),
                   drinking_water=_opt(DrinkingWater, raw.get("drinkingWater")),
                   lighting=_opt(Lighting, raw.get("lighting")),
                   cooking_fuel=_opt(CookingFuel, raw.get("cookingFuel")),
                   toilet=_opt(Toilet, raw.get("toilet")))


@strawberry.type(description="Why a membership's aid is suspended (docs/suspension.md)")
class Suspension:
    reason: SuspensionReason
    text: str = strawberry.field(description="The reason in Indonesian, then English")


@strawberry.type(description="A Keputusan Menteri Sosial that determined records")
class Decree:
    number: str
    date: dt.date
    period: str
    pdf_sha256: str | None = strawberry.field(description="SHA-256 of the signed PDF")

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> Decree | None:
        if not raw:
            return None
        return cls(number=raw["number"], date=dt.date.fromisoformat(raw["date"]),
                   period=raw["period"], pdf_sha256=raw.get("pdfSha256"))


@strawberry.type(description="A program membership (PKH, BPNT, PBI-JK, ...) for a period")
class ProgramMembership:
    program: Program
    period: str
    start_date: dt.date | None
    end_date: dt.date | None
    active: bool
    member_id: strawberry.ID | None = strawberry.field(
        description="Set for person-level programs (PBI-JK, PIP); null for the household")
    suspended: bool | None = strawberry.field(
        description="Whether its aid is suspended: the person it rests on (its member, or the "
                    "household head) is not padan with Dukcapil or has died; false for an "
                    "ended membership")
    suspension: Suspension | None = strawberry.field(
        description="Why its aid is suspended; null when it pays (or has ended)")

    @classmethod
    def from_json(cls, region: str, raw: dict[str, Any]) -> ProgramMembership:
        member, suspension = raw.get("memberId"), raw.get("suspension")
        return cls(program=Program(raw["program"]), period=raw["period"],
                   start_date=_date(raw.get("startDate")), end_date=_date(raw.get("endDate")),
                   active=bool(raw["active"]),
                   member_id=strawberry.ID(qualify(region, member)) if member else None,
                   suspended=raw.get("suspended"),
                   suspension=Suspension(reason=SuspensionReason(suspension["reason"]),
                                         text=suspension["text"]) if suspension else None)


def _global_id(region: str, local: Any) -> strawberry.ID | None:
    return strawberry.ID(qualify(region, local)) if local is not None else None


# Fields some role is DENIED (schema.policy) are nullable: a denial nulls only that field.
# A node is never asked for a field the caller's role is denied, so any may be missing.
@strawberry.type(description="A person in a household (anggota rumah tangga)")
class Member:
    id: strawberry.ID | None = strawberry.field(description="Global id: region:local id")
    region: str | None = strawberry.field(
        description="The kab/kota whose node holds this person")
    nik: str | None
    name: str | None
    birth_date: dt.date | None
    sex: Sex | None
    relationship: Relationship | None = strawberry.field(
        description="Relationship to the head")
    education: Education | None
    occupation: str | None
    disability: Disability | None
    match_status: MatchStatus | None
    alive: bool | None
    death_date: dt.date | None
    parent: strawberry.Private[Household | None]

    @strawberry.field
    def household(self) -> Household | None:
        return self.parent

    @classmethod
    def from_json(cls, region: str, raw: dict[str, Any],
                  parent: Household | None = None) -> Member:
        alive = raw.get("alive")
        member = cls(id=_global_id(region, raw.get("id")), region=region,
                     nik=raw.get("nik"), name=raw.get("name"),
                     birth_date=_date(raw.get("birthDate")), sex=_opt(Sex, raw.get("sex")),
                     relationship=_opt(Relationship, raw.get("relationship")),
                     education=_opt(Education, raw.get("education")),
                     occupation=raw.get("occupation"),
                     disability=_opt(Disability, raw.get("disability")),
                     match_status=_opt(MatchStatus, raw.get("matchStatus")),
                     alive=bool(alive) if alive is not None else None,
                     death_date=_date(raw.get("deathDate")), parent=parent)
        if parent is None and raw.get("household") is not None:
            member.parent = Household.from_json(region, raw["household"])
        return member


@strawberry.type(description="A household (rumah tangga), identified by its KK number")
class Household:
    id: strawberry.ID | None = strawberry.field(description="Global id: region:local id")
    region: str | None = strawberry.field(
        description="The kab/kota whose node holds this household")
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
    decree: Decree | None = strawberry.field(
        description="The decree (Keputusan Menteri Sosial) of the latest determined proposal "
                    "concerning this household, as its node shows it")
    raw_members: strawberry.Private[list[dict[str, Any]] | None]
    raw_programs: strawberry.Private[list[dict[str, Any]] | None]
    raw_head: strawberry.Private[dict[str, Any] | None] = None

    @strawberry.field
    def desa_name(self) -> str | None:
        return region_name(self.desa_code) if self.desa_code else None

    @strawberry.field
    def kecamatan_code(self) -> str | None:
        return self.desa_code.rsplit(".", 1)[0] if self.desa_code else None

    @strawberry.field
    def kecamatan_name(self) -> str | None:
        return region_name(self.desa_code.rsplit(".", 1)[0]) if self.desa_code else None

    @strawberry.field
    def members(self) -> list[Member] | None:
        return [Member.from_json(self.region or "", m, self) for m in self.raw_members or []]

    @strawberry.field(description="The head of the household (kepala keluarga)")
    def head(self) -> Member | None:
        if self.raw_head is not None:  # who may see only the head was sent only the head
            return Member.from_json(self.region or "", self.raw_head, self)
        heads = [m for m in self.raw_members or [] if m.get("relationship") == "HEAD"]
        return Member.from_json(self.region or "", heads[0], self) if heads else None

    @strawberry.field
    def programs(self, active_only: bool = True) -> list[ProgramMembership]:
        return [ProgramMembership.from_json(self.region or "", p)
                for p in self.raw_programs or [] if p["active"] or not active_only]

    @classmethod
    def from_json(cls, region: str, raw: dict[str, Any]) -> Household:
        version, created, updated = raw.get("version"), raw.get("createdAt"), raw.get("updatedAt")
        return cls(
            id=_global_id(region, raw.get("id")), region=region,
            kk_number=raw.get("kkNumber"), desa_code=raw.get("desaCode"),
            address=raw.get("address"), latitude=raw.get("latitude"),
            longitude=raw.get("longitude"),
            housing=Housing.from_json(raw["housing"] or {}) if "housing" in raw else None,
            assets=[Asset(a) for a in raw.get("assets") or []] if "assets" in raw else None,
            desil=raw.get("desil"), status=HouseholdStatus(raw["status"]),
            inactive_reason=_opt(InactiveReason, raw.get("inactiveReason")),
            version=int(version) if version is not None else None,
            created_at=_datetime(created) if created else None,
            updated_at=_datetime(updated) if updated else None,
            decree=Decree.from_json(raw.get("decree")),
            raw_members=raw.get("members"), raw_programs=raw.get("programs"),
            raw_head=raw.get("head"))


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    start_cursor: str | None


@strawberry.type(description="A regional node as the gateway knows it")
class RegionalNode:
    region: str
    region_name: str
    url: str
    status: str = strawberry.field(
        description="PENDING (not probed yet), ACTIVE, or REFUSED (never called)")
    refused_reason: str | None
    schema_version: str | None
    ready: bool | None = strawberry.field(description="The node's /readyz at the last probe")
    last_seen: dt.datetime | None
    latency_ms: float | None
    outbox_backlog: int | None = strawberry.field(
        description="Signed submissions waiting in the node's outbox, when it reports them")
    last_error: str | None
    circuit: str = strawberry.field(description="CLOSED, OPEN or HALF_OPEN")
    certificate_fingerprint: str | None = strawberry.field(
        description="SHA-256 of the node's TLS certificate at the last probe (mTLS only)")


@strawberry.type(description="One group of a grouped count; keys not grouped by are null")
class HouseholdCount:
    province_code: str | None
    kabkota_code: str | None
    kecamatan_code: str | None
    desa_code: str | None
    status: HouseholdStatus | None
    program: Program | None
    desil: int | None
    households: int
    members: int = strawberry.field(description="Living members of those households")
    as_of: dt.datetime = strawberry.field(
        description="When the oldest count in this group was taken at its node")


@strawberry.type(description="Suspended memberships of one reason")
class SuspensionReasonCount:
    reason: SuspensionReason
    text: str
    memberships: int


@strawberry.type(description="Active memberships of one program in one region, and how many "
                             "of them are suspended, by reason, summed over the nodes that "
                             "answered")
class SuspensionSummary:
    region_code: str | None = strawberry.field(description="Null at the NATIONAL level")
    region_name: str | None
    program: Program
    active: int = strawberry.field(description="Active memberships, suspended ones included")
    suspended: int
    by_reason: list[SuspensionReasonCount]

    @classmethod
    def of(cls, totals: SuspensionTotals) -> SuspensionSummary:
        return cls(region_code=totals.region,
                   region_name=region_name(totals.region) if totals.region else None,
                   program=Program(totals.program), active=totals.active,
                   suspended=totals.suspended,
                   by_reason=[SuspensionReasonCount(reason=reason, text=REASON_TEXT[reason],
                                                    memberships=count)
                              for reason, count in totals.by_reason])
