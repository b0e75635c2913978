"""Mutations of community reports: the public's usul and sanggah (no login needed; rate-limited
per client address), and the operator's actions on them."""

from __future__ import annotations

import base64
import binascii
import math
import weakref

import strawberry
from aiohttp import web
from strawberry.types import Info

from regional_node.domain.community_reports import (
    ReportAction,
    SanggahSubmission,
    Submitter,
    UsulSubmission,
)
from regional_node.entrypoints.graphql.clock import now
from regional_node.entrypoints.graphql.community_report_types import (
    CommunityReport,
    CommunityReportReceipt,
)
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.mutations import _draft
from regional_node.entrypoints.graphql.proposal_inputs import ProposalInput
from regional_node.service_layer import community_reports as service
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.enums import Program
from schema.errors import InvalidInput, RateLimited
from schema.roles import Role
from service_kit.http_guards import client_key
from service_kit.ratelimit import Rate, TokenBuckets

SUBMISSION_RATE = Rate(per_minute=6, burst=5)
SUBMISSION_LIMIT = web.AppKey("community_report_limit", TokenBuckets)
"""Public submissions per client address, on top of the node's limit on every anonymous
request; an app may install its own (``app[SUBMISSION_LIMIT]``), else each app gets one."""
_LIMITS: weakref.WeakKeyDictionary[web.Application, TokenBuckets] = weakref.WeakKeyDictionary()


@strawberry.input(description="Who sends the report, if they want the operator to be able to "
                              "reach them (never shown to the public)")
class SubmitterInput:
    name: str | None = None
    contact: str | None = strawberry.field(default=None, description="Phone or e-mail")


@strawberry.input(description="Usul: propose a household or person for aid")
class UsulInput:
    desa_code: str
    person_name: str
    address: str
    description: str = strawberry.field(description="Why: the family's situation")
    nik: str | None = None
    kk_number: str | None = None
    submitter: SubmitterInput | None = None
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID of your choosing (a relay retrying sends the same)")


@strawberry.input(description="Sanggah: object to a recipient, with a photo and where it was "
                              "taken")
class SanggahInput:
    desa_code: str
    person_name: str = strawberry.field(description="The recipient objected to")
    address: str
    description: str = strawberry.field(description="The objection")
    photo_base64: str = strawberry.field(description="JPEG or PNG, at most 1.5 MB")
    latitude: float
    longitude: float
    photo_media_type: str = "image/jpeg"
    program: Program | None = None
    submitter: SubmitterInput | None = None
    id: strawberry.ID | None = None


def _submitter(given: SubmitterInput | None) -> Submitter:
    return Submitter() if given is None else Submitter(given.name, given.contact)


def _limit(context: NodeContext) -> None:
    """Refuse a public client that sends too many reports (staff entering one are not)."""
    if context.principal.role is not Role.PUBLIC:
        return
    app = context.request.app
    buckets = app.get(SUBMISSION_LIMIT)
    if buckets is None:
        buckets = _LIMITS.setdefault(app, TokenBuckets(SUBMISSION_RATE))
    wait = buckets.take(client_key(context.request))  # through the gateway: the citizen's
    if wait > 0:
        raise RateLimited(f"too many reports from this address; retry in {math.ceil(wait)} s")


def _receipt(row: service.CommunityReport, context: NodeContext) -> CommunityReportReceipt:
    return CommunityReportReceipt(receipt_id=strawberry.ID(row.id),
                                  status=service.status_of(row, now(context)))


def _photo(data: SanggahInput) -> service.Photo:
    try:
        content = base64.b64decode(data.photo_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("photoBase64 is not base64", reason="malformed",
                           field="photoBase64") from None
    return service.Photo(content, data.photo_media_type)


@strawberry.type
class CommunityReportMutation:
    @strawberry.mutation(description="Propose someone for aid (usul). Open to everyone; you "
                                     "get a receipt to follow its status")
    async def submit_usul(self, info: Info[NodeContext, None],
                          input: UsulInput) -> CommunityReportReceipt | None:
        context = info.context
        _limit(context)
        usul = UsulSubmission(desa_code=input.desa_code, person_name=input.person_name,
                              address=input.address, description=input.description,
                              nik=input.nik, kk_number=input.kk_number,
                              submitter=_submitter(input.submitter))
        async with UnitOfWork(context.database, service.actor_of(context.principal)) as uow:
            row = await service.submit_usul(uow, context.principal, usul, context.region,
                                            now(context), str(input.id) if input.id else None)
            await uow.commit()
        return _receipt(row, context)

    @strawberry.mutation(description="Object to a recipient (sanggah) with a photo and its "
                                     "position. Open to everyone; you get a receipt")
    async def submit_sanggah(self, info: Info[NodeContext, None],
                             input: SanggahInput) -> CommunityReportReceipt | None:
        context = info.context
        _limit(context)
        sanggah = SanggahSubmission(
            desa_code=input.desa_code, person_name=input.person_name, address=input.address,
            description=input.description, photo_sha256="", latitude=input.latitude,
            longitude=input.longitude, program=input.program.value if input.program else None,
            submitter=_submitter(input.submitter))
        async with UnitOfWork(context.database, service.actor_of(context.principal)) as uow:
            row = await service.submit_sanggah(uow, context.principal, sanggah, _photo(input),
                                               context.region, now(context),
                                               str(input.id) if input.id else None)
            await uow.commit()
        return _receipt(row, context)

    @strawberry.mutation(description="Open a DRAFT proposal from an OPEN report and link them "
                                     "(usul: new household/member, enrolment; sanggah: "
                                     "correction, graduation, death, moved, exit)")
    async def propose_from_community_report(self, info: Info[NodeContext, None],
                                            id: strawberry.ID,
                                            proposal: ProposalInput) -> CommunityReport | None:
        context = info.context
        draft = await _draft(context, proposal)
        moment = now(context)
        async with UnitOfWork(context.database, service.actor_of(context.principal)) as uow:
            row, _ = await service.propose_from_report(uow, context.principal, str(id), draft,
                                                       context.region, moment)
            await uow.commit()
        return CommunityReport.from_row(row, moment)

    @strawberry.mutation(description="Close an OPEN report as handled, with a reason")
    async def resolve_community_report(self, info: Info[NodeContext, None], id: strawberry.ID,
                                       reason: str) -> CommunityReport | None:
        return await _close(info.context, str(id), ReportAction.RESOLVE, reason)

    @strawberry.mutation(description="Close an OPEN report as unfounded, with a reason")
    async def dismiss_community_report(self, info: Info[NodeContext, None], id: strawberry.ID,
                                       reason: str) -> CommunityReport | None:
        return await _close(info.context, str(id), ReportAction.DISMISS, reason)


async def _close(context: NodeContext, rid: str, action: ReportAction,
                 reason: str) -> CommunityReport:
    moment = now(context)
    async with UnitOfWork(context.database, service.actor_of(context.principal)) as uow:
        row = await service.close_report(uow, context.principal, rid, action, reason, moment)
        await uow.commit()
    return CommunityReport.from_row(row, moment)
