"""Queries and mutations of field verification and verivali.

The photo itself arrives first over ``POST /uploads/photo`` (see
:mod:`regional_node.entrypoints.photo_upload`); ``recordFieldVerification`` references it by
its SHA-256. Everything here is for the region's staff and Kemensos (``schema.policy``).
"""

from __future__ import annotations

import datetime as dt

import strawberry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info

from regional_node.adapters.orm import FieldVerification as FieldVerificationRow
from regional_node.adapters.orm import Household, Photo, Proposal
from regional_node.adapters.verification_queries import stored_periods, verifications
from regional_node.domain.geotag import GeoPoint
from regional_node.domain.proposals import ProposalScope, covers
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.verification_types import (
    FieldVerification,
    VerivaliCoverage,
    VerivaliPeriod,
)
from regional_node.entrypoints.photo_upload import FIELD_VERIFICATION
from regional_node.errors import NotFound, OutOfRegion, OutOfScope
from regional_node.service_layer import field_verification as service
from regional_node.service_layer import verivali
from regional_node.service_layer.proposals import actor_of
from regional_node.service_layer.proposals import proposal_id as canonical_proposal_id
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import Forbidden, InvalidInput
from schema.ids import record_id
from schema.regions import is_within, regions
from schema.roles import Principal

MAX_VERIFICATIONS = 100


@strawberry.input(description="A field visit, sent by the pendamping's phone after uploading "
                              "the house photo")
class FieldVerificationInput:
    id: strawberry.ID = strawberry.field(
        description="A UUID chosen by the phone: retrying the same visit creates nothing twice")
    photo_sha256: str = strawberry.field(description="From POST /uploads/photo")
    latitude: float
    longitude: float
    household_id: strawberry.ID | None = strawberry.field(
        default=None, description="Verivali of a registered household, or…")
    proposal_id: strawberry.ID | None = strawberry.field(
        default=None, description="…the visit before a proposal becomes VERIFIED")
    note: str | None = None


@strawberry.input(description="A verivali period Dinas Sosial defines")
class VerivaliPeriodInput:
    code: str = strawberry.field(description="YEAR-NAME, e.g. 2027-Q1")
    starts_on: dt.date
    ends_on: dt.date = strawberry.field(description="Inclusive")
    name: str | None = None


def _household_id(value: strawberry.ID | None) -> int | None:
    if value is None:
        return None
    return record_id(value, "householdId", "a household id")


def _region(code: str | None, node_region: str) -> str | None:
    if code is None:
        return None
    regions().require(code)
    if is_within(code, node_region):
        return code
    if is_within(node_region, code):
        return None
    raise OutOfRegion(f"region {code} is outside this node's region {node_region}",
                      reason="out_of_region", field="region")


async def _view(context: NodeContext, verification_id: str) -> FieldVerification:
    async with context.database.reader() as session:
        rows = await session.execute(
            select(FieldVerificationRow, Photo)
            .join(Photo, Photo.sha256 == FieldVerificationRow.photo_sha256)
            .where(FieldVerificationRow.id == verification_id))
        row, photo = rows.one()
    return FieldVerification.from_rows(row, photo)


def _require_staff(principal: Principal) -> None:
    if principal.role not in verivali.COVERAGE_READERS:
        raise Forbidden(f"role {principal.role} may not see field verifications", reason="role")


@strawberry.type
class VerificationQuery:
    @strawberry.field(description="Verivali periods defined so far, oldest first")
    async def verivali_periods(self, info: Info[NodeContext, None]
                               ) -> list[VerivaliPeriod] | None:
        _require_staff(info.context.principal)
        async with info.context.database.reader() as session:
            periods = await stored_periods(session)
        return [VerivaliPeriod.from_period(p) for p in periods]

    @strawberry.field(description="Active households verified in a period, by desa, within "
                                  "your scope (and `region`, a kecamatan or desa code)")
    async def verivali_coverage(self, info: Info[NodeContext, None], period: str,
                                region: str | None = None) -> VerivaliCoverage | None:
        context = info.context
        async with context.database.reader() as session:
            report = await verivali.coverage(session, period,
                                             region=_region(region, context.region),
                                             principal=context.principal,
                                             node_region=context.region)
        return VerivaliCoverage.from_report(report)

    @strawberry.field(description="Field verifications of a household (including those of its "
                                  "proposals) or of a proposal, newest first")
    async def field_verifications(self, info: Info[NodeContext, None],
                                  household_id: strawberry.ID | None = None,
                                  proposal_id: strawberry.ID | None = None
                                  ) -> list[FieldVerification] | None:
        principal = info.context.principal
        _require_staff(principal)
        household = _household_id(household_id)
        proposal = canonical_proposal_id(str(proposal_id)) if proposal_id else None
        if (household is None) == (proposal is None):
            raise InvalidInput("give either a householdId or a proposalId",
                               reason="one_target", field="householdId")
        async with info.context.database.reader() as session:
            scope = await _scope_of(session, household, proposal)
            if not covers(principal, scope):
                raise OutOfScope(f"desa {scope.desa_code} is outside your scope")
            rows = await verifications(session, household_id=household, proposal_id=proposal,
                                       limit=MAX_VERIFICATIONS)
            photos = {p.sha256: p for p in await session.scalars(
                select(Photo).where(Photo.sha256.in_({r.photo_sha256 for r in rows})))}
        return [FieldVerification.from_rows(r, photos[r.photo_sha256]) for r in rows]


async def _scope_of(session: AsyncSession, household: int | None,
                    proposal: str | None) -> ProposalScope:
    if household is not None:
        row = await session.get(Household, household)
        if row is None:
            raise NotFound(f"no household {household} on this node")
        return ProposalScope(row.desa_code, row.id)
    found = await session.get(Proposal, proposal)
    if found is None:
        raise NotFound(f"no proposal {proposal} on this node")
    return ProposalScope(found.desa_code, found.household_id)


@strawberry.type
class VerificationMutation:
    @strawberry.mutation(description="Record a field visit (pendamping) with a house photo "
                                     "uploaded before; flagged, never refused, when the point "
                                     "is outside the regency or far from the photo's GPS")
    async def record_field_verification(self, info: Info[NodeContext, None],
                                        input: FieldVerificationInput
                                        ) -> FieldVerification | None:
        context = info.context
        principal = context.principal
        proposal = canonical_proposal_id(str(input.proposal_id)) if input.proposal_id else None
        submission = service.VerificationSubmission(
            id=str(input.id), photo_sha256=input.photo_sha256.strip().lower(),
            position=GeoPoint(input.latitude, input.longitude),
            household_id=_household_id(input.household_id),
            proposal_id=proposal,
            note=input.note)
        settings = context.request.app.get(FIELD_VERIFICATION)
        async with UnitOfWork(context.database, actor_of(principal)) as uow:
            row = await service.record_field_verification(uow, principal, submission,
                                                          context.region, settings=settings)
            await uow.commit()
        return await _view(context, row.id)

    @strawberry.mutation(description="Define a verivali period (Dinas Sosial); the default "
                                     "half-years YYYY-S1 and YYYY-S2 are created on their own")
    async def create_verivali_period(self, info: Info[NodeContext, None],
                                     input: VerivaliPeriodInput) -> VerivaliPeriod | None:
        principal = info.context.principal
        async with UnitOfWork(info.context.database, actor_of(principal)) as uow:
            period = await verivali.create_period(uow, principal, info.context.region,
                                                  input.code, input.starts_on, input.ends_on,
                                                  input.name)
            await uow.commit()
        return VerivaliPeriod.from_period(period)
