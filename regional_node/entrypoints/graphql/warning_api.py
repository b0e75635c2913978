"""Warnings kept with households (docs/import.md, "Warnings"): the open ones in your scope for
Dinas Sosial to check (keyset-paginated), counted per desa × kind, and resolved with a note."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from regional_node.adapters import household_warnings as q
from regional_node.adapters.orm import HouseholdWarning as WarningRow
from regional_node.domain.plausibility import WarningKind
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.id_pages import (
    after_id,
    check_first,
    id_cursor,
    page_info,
    scoped_households,
)
from regional_node.entrypoints.graphql.mutations import _run
from regional_node.entrypoints.graphql.query import DEFAULT_PAGE, MAX_PAGE
from regional_node.entrypoints.graphql.types import Household, Member, PageInfo, region_name
from regional_node.service_layer.household_warnings import resolve_warning
from schema.errors import InvalidInput
from schema.i18n import LANGUAGES, UnknownLanguage, language_of
from schema.ids import record_id

strawberry.enum(WarningKind, description="What is implausible (docs/import.md)")


@strawberry.enum(description="Where a warning came from")
class WarningSource(Enum):
    IMPORT = "IMPORT"
    REGISTRY = "REGISTRY"  # a Dukcapil check (siks node match-nik)
    PROPOSAL = "PROPOSAL"  # an approved proposal (new household, new member, correction)
    GATEWAY = "GATEWAY"  # the national NIK directory (a cross-region duplicate)


@strawberry.type(description="Implausible but possible data kept with a household: open "
                             "until Dinas Sosial resolves it with a note")
class HouseholdWarning:
    id: strawberry.ID
    kind: WarningKind
    source: WarningSource
    desa_code: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str | None
    resolution_note: str | None
    row: strawberry.Private[WarningRow]

    @strawberry.field
    def desa_name(self) -> str:
        return region_name(self.desa_code)

    @strawberry.field(description="What is implausible, in `language` (id: Bahasa Indonesia, "
                                  "en: English); default: the request's Accept-Language, else "
                                  "the node's SIKS_NODE_LANGUAGE (id unless set)")
    def message(self, info: Info[NodeContext, None], language: str | None = None) -> str:
        return self.row.message_in(message_language(language, info.context.language))

    @strawberry.field(description="The household it is kept with")
    async def household(self, info: Info[NodeContext, None]) -> Household | None:
        row = await info.context.loaders.household.load(self.row.household_id)
        return Household.from_row(row) if row is not None else None

    @strawberry.field(description="The member it is about; null when it is about the household")
    async def member(self, info: Info[NodeContext, None]) -> Member | None:
        if self.row.member_id is None:
            return None
        members = await info.context.loaders.members.load(self.row.household_id)
        found = [m for m in members if m.id == self.row.member_id]
        return Member.from_row(found[0]) if found else None

    @classmethod
    def from_row(cls, row: WarningRow) -> HouseholdWarning:
        return cls(id=strawberry.ID(str(row.id)), kind=WarningKind(row.kind),
                   source=WarningSource(row.source),
                   desa_code=row.desa_code, created_at=row.created_at,
                   resolved_at=row.resolved_at, resolved_by=row.resolved_by,
                   resolution_note=row.resolution_note, row=row)


def message_language(chosen: str | None, default: str) -> str:
    """A field's `language` argument (id or en), else ``default``; anything else is refused."""
    if chosen is None:
        return default
    try:
        return language_of(chosen.strip() or "?")
    except UnknownLanguage:
        raise InvalidInput(f"language {chosen!r} is not one of {', '.join(LANGUAGES)}",
                           reason="unknown_language", field="language") from None


@strawberry.type
class HouseholdWarningEdge:
    cursor: str
    node: HouseholdWarning


@strawberry.type
class HouseholdWarningConnection:
    edges: list[HouseholdWarningEdge]
    page_info: PageInfo
    total: int = strawberry.field(description="Warnings the filter selects, every page")


@strawberry.type(description="Warnings of one kind in one desa")
class WarningCount:
    desa_code: str
    kind: WarningKind
    warnings: int

    @strawberry.field
    def desa_name(self) -> str:
        return region_name(self.desa_code)


@strawberry.input(description="Every given condition must hold")
class WarningFilter:
    region: str | None = strawberry.field(
        default=None, description="A desa or kecamatan code inside this node's kab/kota")
    kind: WarningKind | None = None
    open: bool | None = strawberry.field(
        default=True, description="true (default): open only; false: resolved only; null: all")


def _filter(flt: WarningFilter | None, context: NodeContext) -> q.WarningFilter:
    scope = scoped_households(context, flt.region if flt is not None else None)
    if flt is None:
        return q.WarningFilter(scope)
    return q.WarningFilter(scope, kind=flt.kind.value if flt.kind else None, open=flt.open)


@strawberry.type
class WarningQuery:
    @strawberry.field(description="Warnings kept with the households in your scope, oldest "
                                  "first: pass pageInfo.endCursor as `after` for the next page "
                                  f"(first: 1..{MAX_PAGE})")
    async def household_warnings(self, info: Info[NodeContext, None],
                                 filter: WarningFilter | None = None,
                                 first: int = DEFAULT_PAGE, after: str | None = None
                                 ) -> HouseholdWarningConnection | None:
        check_first(first)
        flt = _filter(filter, info.context)
        async with info.context.database.reader() as session:
            page = await q.list_warnings(session, flt, first=first, after_id=after_id(after))
            total = await q.count_warnings(session, flt)
        edges = [HouseholdWarningEdge(cursor=id_cursor(row.id),
                                      node=HouseholdWarning.from_row(row))
                 for row in page.rows]
        return HouseholdWarningConnection(edges=edges, total=total,
                                          page_info=page_info(edges, page.has_next))

    @strawberry.field(description="Warnings in your scope counted per desa and kind (open ones "
                                  "unless the filter says otherwise)")
    async def warning_summary(self, info: Info[NodeContext, None],
                              filter: WarningFilter | None = None) -> list[WarningCount] | None:
        flt = _filter(filter, info.context)
        async with info.context.database.reader() as session:
            counts = await q.warning_counts(session, flt)
        return [WarningCount(desa_code=desa, kind=WarningKind(kind), warnings=count)
                for desa, kind, count in counts]


@strawberry.type
class WarningMutation:
    @strawberry.mutation(description="Resolve an open warning with a note (Dinas Sosial; "
                                      "audited)")
    async def resolve_household_warning(self, info: Info[NodeContext, None], id: strawberry.ID,
                                        note: str) -> HouseholdWarning | None:
        row = await _run(info.context, resolve_warning, record_id(id, "id", "a warning id"),
                         note)
        return HouseholdWarning.from_row(row)
