"""Root query of the gateway: the node registry, and households, people and counts federated
across the nodes. Resolvers are thin: the service layer plans, calls and combines."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import strawberry
from graphql import FieldNode
from strawberry.types import Info

from gateway.entrypoints.graphql import benefit_overlaps as benefit_overlaps_api
from gateway.entrypoints.graphql import community_reports, cross_check, national, public_regions
from gateway.entrypoints.graphql import data_quality as quality_api
from gateway.entrypoints.graphql import deciles as deciles_api
from gateway.entrypoints.graphql import dipa as dipa_api
from gateway.entrypoints.graphql import duplicates as duplicates_api
from gateway.entrypoints.graphql import pockets as pockets_api
from gateway.entrypoints.graphql import targeting as targeting_api
from gateway.entrypoints.graphql.context import GatewayContext
from gateway.entrypoints.graphql.selection import household_selection, member_fields, selected
from gateway.entrypoints.graphql.types import (
    Household,
    HouseholdCount,
    HouseholdStatus,
    Member,
    PageInfo,
    Program,
    RegionalNode,
    SuspensionSummary,
    region_name,
)
from gateway.federation.aggregates import Dimension
from gateway.federation.filters import HouseholdFilter as DomainFilter
from gateway.service_layer import counts, households, people, suspensions
from gateway.service_layer.households import MAX_PAGE, FederatedPage
from schema.errors import InvalidInput
from schema.policy import SMALL_CELL_HOUSEHOLDS
from schema.roles import Role
from schema.suspension import SuspensionLevel

DEFAULT_PAGE = 50


@strawberry.enum(description="Sort order of a household list (merged across nodes by this "
                             "key, then region, then id)")
class HouseholdOrder(StrEnum):
    ID = "ID"
    KK_NUMBER = "KK_NUMBER"
    DESA = "DESA"


strawberry.enum(Dimension, name="CountDimension", description="What to group counts by")


@strawberry.input(description="Every given condition must hold")
class HouseholdFilter:
    region: str | None = strawberry.field(
        default=None, description="A province, kab/kota, kecamatan or desa code: decides "
                                  "which nodes are asked")
    status: HouseholdStatus | None = None
    program: Program | None = strawberry.field(default=None,
                                               description="Actively enrolled in this program")
    name: str | None = strawberry.field(
        default=None, description="A member's name: any part of it, any case; for whom names "
                                  "are masked (the public), the full name as on the KTP, "
                                  "matched whole (case, spaces, punctuation ignored)")
    desil_max: int | None = strawberry.field(default=None,
                                             description="Desil at most this (1 = poorest)")

    def to_domain(self) -> DomainFilter:
        return DomainFilter(region=self.region,
                            status=self.status.value if self.status is not None else None,
                            program=self.program.value if self.program is not None else None,
                            name=self.name or None, desil_max=self.desil_max)


@strawberry.input(description="Every given condition must hold")
class SuspensionFilter:
    region: str | None = strawberry.field(
        default=None, description="A province, kab/kota, kecamatan or desa code: decides "
                                  "which nodes are asked")
    program: Program | None = None


@strawberry.type
class HouseholdEdge:
    node: Household
    page: strawberry.Private[FederatedPage]
    index: strawberry.Private[int]

    @strawberry.field(description="A gateway cursor: the position on every node after this "
                                  "record")
    def cursor(self) -> str:
        return self.page.cursor_after(self.index)


@strawberry.type
class HouseholdConnection:
    edges: list[HouseholdEdge]
    page_info: PageInfo
    count: strawberry.Private[int | None]

    @strawberry.field(description="How many households match, summed over the nodes that "
                                  "answered")
    def total_count(self) -> int:
        return self.count or 0


def _path(info: Info[GatewayContext, None]) -> list[str | int]:
    return info.path.as_list()


def _note_counts(info: Info[GatewayContext, None], note: dict[str, Any]) -> None:
    """``extensions.counts``: one note per ``householdCounts`` field, in the order the
    operation names them (root fields complete concurrently, in any order)."""
    rank = {(s.alias or s.name).value: index for index, s
            in enumerate(info.operation.selection_set.selections) if isinstance(s, FieldNode)}
    notes: list[dict[str, Any]] = info.context.scope.report.notes.setdefault("counts", [])
    notes.append(note)
    notes.sort(key=lambda n: (rank.get(n["field"], len(rank)), n["field"]))


def _role(info: Info[GatewayContext, None]) -> Role:
    return info.context.principal.role


@strawberry.type
class Query:
    national_records = strawberry.field(
        resolver=national.national_records,
        description="What the nodes sent up, oldest first (Kemensos): who approved each, the "
                    "Musdes reference, the signing certificate, the decision")
    national_record_summary = strawberry.field(
        resolver=national.national_record_summary,
        description="Per kab/kota: records waiting for a decision, determined, returned "
                    "(Kemensos)")
    dipa = strawberry.field(
        resolver=dipa_api.dipa,
        description="The DIPA of a period (YYYY-S1 / YYYY-S2), per program × province × "
                    "kab/kota (× PKH component): KPM, persons and the amount from determined, "
                    "unsuspended memberships and the catalogue (Kemensos; docs/dipa.md). "
                    "regions: province or kab/kota codes (default: all)")
    national_deciles = strawberry.field(
        resolver=deciles_api.national_deciles,
        description="The latest national decile cut points and each kab/kota's households per "
                    "desil (Kemensos; docs/deciles.md); null before the first computation")
    benefit_catalogue = strawberry.field(
        resolver=dipa_api.benefit_catalogue,
        description="The catalogue of benefit amounts the DIPA is priced with (Kemensos)")
    data_quality = strawberry.field(
        resolver=quality_api.data_quality,
        description="Data quality per region of `level` (default KABKOTA; NATIONAL: one total) "
                    "in your scope, or inside `region`: households, members by Dukcapil "
                    "outcome, data ganda, open warnings, what the imports refused; counted "
                    "at each node and summed (docs/import.md)")
    targeting_indicators = strawberry.field(
        resolver=targeting_api.targeting_indicators,
        description="Inclusion and exclusion errors and coverage per region of `level` "
                    "(default KABKOTA) for `period` (YYYY-S1 / YYYY-S2), inside `region`; "
                    "with `comparedTo` (an earlier period) the changes. Kemensos: every "
                    "level; Dinas Sosial: its region; the public: kab/kota and above, small "
                    "counts withheld (docs/targeting.md)")
    poverty_pockets = strawberry.field(
        resolver=pockets_api.poverty_pockets,
        description="The poverty pockets of a period (YYYY-S1 / YYYY-S2): kab/kota that are "
                    "hot spots of deprivation (Getis-Ord Gi*), which are new since the "
                    "previous period computed, and why each was flagged (Kemensos; "
                    "docs/pockets.md)")
    cross_region_duplicates = strawberry.field(
        resolver=duplicates_api.cross_region_duplicates,
        description="NIKs the national directory finds in two or more regions (data ganda "
                    "lintas wilayah), oldest first: open ones, or with includeResolved all; "
                    "their regions and since when, never the NIK (Kemensos; "
                    "docs/duplicates.md)")
    benefit_overlaps = strawberry.field(
        resolver=benefit_overlaps_api.benefit_overlaps,
        description="Double benefits per region of `level` (default KABKOTA; NATIONAL: one "
                    "total) in your scope, or inside `region`: for each rule of the rule table "
                    "between two Kemensos programs, the households (HOUSEHOLD) or persons "
                    "(PERSON) receiving both; counted at each node and summed (Kemensos; "
                    "docs/partners.md)")
    # cekbansos: the public chooses its desa by name, then searches households
    provinces = strawberry.field(resolver=public_regions.provinces,
                                 description="Every province (open to everyone)")
    kabkotas = strawberry.field(resolver=public_regions.kabkotas,
                                description="The kab/kota of a province, e.g. province: \"32\"")
    kecamatans = strawberry.field(resolver=public_regions.kecamatans,
                                  description="The kecamatan of a kab/kota, e.g. kabkota: "
                                              "\"32.73\"")
    desas = strawberry.field(resolver=public_regions.desas,
                             description="The desa/kelurahan of a kecamatan, e.g. kecamatan: "
                                         "\"32.73.01\"; search households with its code and a "
                                         "full name as on the KTP")
    cross_check = strawberry.field(
        resolver=cross_check.cross_check,
        description="Check up to 1,000 NIKs (partner ministries, Kemensos): for each, in the "
                    "order sent, whether it is in DTKS, its desil band and the programs the "
                    "person or the household receives; each node is asked once. Audited as "
                    "one entry per batch")
    community_report_receipt = strawberry.field(
        resolver=community_reports.community_report_receipt,
        description="Follow a report you sent: its status, by its receipt (open to everyone; "
                    "says nothing about people), asked of the node that keeps it")

    @strawberry.field(description="The registered regional nodes and their health")
    def nodes(self, info: Info[GatewayContext, None]) -> list[RegionalNode] | None:
        federation = info.context.services.federation
        return [RegionalNode(
            region=n.region, region_name=region_name(n.region), url=n.url, status=n.status.value,
            refused_reason=n.refused_reason, schema_version=n.schema_version, ready=n.ready,
            last_seen=n.last_seen, latency_ms=n.latency_ms, outbox_backlog=n.outbox_backlog,
            last_error=n.last_error, circuit=federation.circuit_state(n.region).value,
            certificate_fingerprint=n.certificate_fingerprint)
            for n in federation.registry.all()]

    @strawberry.field(description="Households across the nodes, keyset-paginated and merged: "
                                  "pass pageInfo.endCursor as `after` for the next page "
                                  f"(first: 1..{MAX_PAGE})")
    async def households(self, info: Info[GatewayContext, None],
                         filter: HouseholdFilter | None = None, first: int = DEFAULT_PAGE,
                         after: str | None = None,
                         order_by: HouseholdOrder = HouseholdOrder.ID
                         ) -> HouseholdConnection | None:
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInput(f"first must be 1 to {MAX_PAGE}", reason="out_of_range",
                               field="first")
        found = selected(info.selected_fields, "Query")
        page = await households.list_households(
            info.context.services, info.context.scope,
            filter.to_domain() if filter else DomainFilter(), first=first, after=after,
            order=order_by.value, selection=household_selection(found, _role(info)),
            want_total="totalCount" in found.of("HouseholdConnection"), path=_path(info))
        edges = [HouseholdEdge(node=Household.from_json(e.region, e.record), page=page, index=i)
                 for i, e in enumerate(page.merged.edges)]
        return HouseholdConnection(
            edges=edges, count=page.total_count,
            page_info=PageInfo(has_next_page=page.merged.has_next, end_cursor=page.end_cursor,
                               start_cursor=page.cursor_after(0) if edges else None))

    @strawberry.field(description="One household by its global id (e.g. 32.73:123): asks only "
                                  "that region's node")
    async def household(self, info: Info[GatewayContext, None], id: strawberry.ID
                        ) -> Household | None:
        found = await households.get_household(
            info.context.services, info.context.scope, str(id),
            household_selection(selected(info.selected_fields, "Query"), _role(info)),
            path=_path(info))
        return Household.from_json(*found) if found is not None else None

    @strawberry.field(description="A person by NIK: one node through the NIK directory; on a "
                                  "miss every node is asked (extensions.nikDirectory says so)")
    async def person(self, info: Info[GatewayContext, None], nik: str) -> Member | None:
        selection = selected(info.selected_fields, "Query")
        found = await people.find_person(
            info.context.services, info.context.scope, nik,
            household_selection(selection, _role(info))
            if "household" in selection.of("Member") else None,
            path=_path(info), member=member_fields(selection))
        return Member.from_json(found.region, found.record) if found is not None else None

    @strawberry.field(description="Household and member counts grouped by the given "
                                  "dimensions. Served from national rollups when they can "
                                  "answer (each group has asOf); maxAgeSeconds refreshes older "
                                  "snapshots first (0 = all); other groupings and name filters "
                                  "are pushed down to the nodes. Grouped and filtered only by "
                                  "keys your role may read; for roles that are not staff (the "
                                  "public, partners) cells of fewer than 10 households are left "
                                  "out of every count (extensions.counts: withheldBelow)")
    async def household_counts(self, info: Info[GatewayContext, None],
                               group_by: list[Dimension], filter: HouseholdFilter | None = None,
                               max_age_seconds: int | None = None) -> list[HouseholdCount]:
        if max_age_seconds is not None and max_age_seconds < 0:
            raise InvalidInput("maxAgeSeconds must not be negative", reason="out_of_range",
                               field="maxAgeSeconds")
        answer = await counts.household_counts(
            info.context.services, info.context.scope, group_by,
            filter.to_domain() if filter else DomainFilter(), max_age_s=max_age_seconds,
            path=_path(info))
        note: dict[str, Any] = {"field": info.path.key, "source": answer.source,
                                "refreshed": list(answer.refreshed)}
        if answer.small_cells_withheld:
            note["withheldBelow"] = SMALL_CELL_HOUSEHOLDS
        _note_counts(info, note)
        return [HouseholdCount(
            province_code=g.province, kabkota_code=g.kabkota, kecamatan_code=g.kecamatan,
            desa_code=g.desa, status=HouseholdStatus(g.status) if g.status else None,
            program=Program(g.program) if g.program else None, desil=g.desil,
            households=g.households, members=g.members, as_of=g.as_of)
            for g in answer.groups]

    @strawberry.field(description="Active program memberships and the suspended ones by reason "
                                  "(the person aid rests on is not padan with Dukcapil, or has "
                                  "died), per region of `level` (default KABKOTA; NATIONAL: one "
                                  "total) and program, counted at each node in your scope and "
                                  "summed")
    async def suspension_summary(self, info: Info[GatewayContext, None],
                                 level: SuspensionLevel = SuspensionLevel.KABKOTA,
                                 filter: SuspensionFilter | None = None
                                 ) -> list[SuspensionSummary] | None:
        totals = await suspensions.suspension_summary(
            info.context.services, info.context.scope, level,
            region=filter.region if filter else None,
            program=filter.program.value if filter and filter.program else None,
            path=_path(info))
        return [SuspensionSummary.of(t) for t in totals]
