"""The node's mutations: the DTKS update cycle (usulan) and attachment upload.

The acting user is ``info.context.principal``, and nothing else: identity (issue 6) fills it
from a verified token. Every refusal is a typed error in ``extensions.code``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import strawberry
from aiohttp import web
from sqlalchemy import select
from strawberry.types import Info

from regional_node.adapters.orm import Household
from regional_node.adapters.proposal_queries import events_by_proposal
from regional_node.domain.population_registry import PopulationRegistry
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.entrypoints.graphql.proposal_inputs import (
    ProposalDetailsInput,
    ProposalInput,
    correction_household,
    draft_from,
)
from regional_node.entrypoints.graphql.proposal_types import Attachment, Notification, Proposal
from regional_node.entrypoints.graphql.types import Household as HouseholdType
from regional_node.service_layer import proposals as service
from regional_node.service_layer.household_review import close_household_review
from regional_node.service_layer.proposal_nik_check import check_proposal_nik
from regional_node.service_layer.proposal_support import mark_notification_read, upload_attachment
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import InvalidInput
from schema.ids import record_id

POPULATION_REGISTRY = web.AppKey("population_registry", PopulationRegistry)
"""The node's link to Dukcapil; when the app has one, submitting runs the NIK check at once."""


async def proposal_view(context: NodeContext, proposal_id: str) -> Proposal:
    async with context.database.reader() as session:
        row = await service.load_proposal(session, proposal_id)
        events = await events_by_proposal(session, [row.id])
    return Proposal.from_row(row, events[row.id])


async def _run(context: NodeContext, use_case: Any, *args: Any) -> Any:
    """Run a use case in its own unit of work as the request's principal, and commit."""
    principal = context.principal
    async with UnitOfWork(context.database, service.actor_of(principal)) as uow:
        result = await use_case(uow, principal, *args)
        await uow.commit()
    return result


async def _check_now(context: NodeContext, proposal_id: str) -> None:
    registry = context.request.app.get(POPULATION_REGISTRY)
    if registry is not None:
        await check_proposal_nik(context.database, registry, proposal_id)


async def _draft(context: NodeContext, data: ProposalInput) -> service.ProposalDraft:
    household_id = correction_household(data.details)
    version = None
    if household_id is not None:
        async with context.database.reader() as session:
            version = (await session.execute(select(Household.version).where(
                Household.id == household_id))).scalar_one_or_none()
    return draft_from(data, version)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a DRAFT proposal (operator desa; pendamping for "
                                     "graduation). Idempotent by its client-chosen id.")
    async def create_proposal(self, info: Info[NodeContext, None],
                              input: ProposalInput) -> Proposal | None:
        context = info.context
        draft = await _draft(context, input)
        row = await _run(context, service.create_proposal, draft, context.region)
        return await proposal_view(context, row.id)

    @strawberry.mutation(description="DRAFT → SUBMITTED; the NIK check against Dukcapil runs "
                                     "at once when the registry is reachable")
    async def submit_proposal(self, info: Info[NodeContext, None],
                              id: strawberry.ID) -> Proposal | None:
        row = await _run(info.context, service.submit_proposal, str(id))
        await _check_now(info.context, row.id)
        return await proposal_view(info.context, row.id)

    @strawberry.mutation(description="NIK_ANOMALY → SUBMITTED with corrected details (or as "
                                     "is, once Dukcapil's data was fixed)")
    async def resubmit_proposal(self, info: Info[NodeContext, None], id: strawberry.ID,
                                details: ProposalDetailsInput | None = None) -> Proposal | None:
        context = info.context
        correction = None
        if details is not None:
            correction = await _draft(context, ProposalInput(id=id, details=details))
        row = await _run(context, service.resubmit_proposal, str(id), correction,
                         context.region)
        await _check_now(context, row.id)
        return await proposal_view(context, row.id)

    @strawberry.mutation(description="NIK_VALID → VERIFIED after the field visit (pendamping)")
    async def verify_proposal(self, info: Info[NodeContext, None], id: strawberry.ID,
                              note: str | None = None) -> Proposal | None:
        row = await _run(info.context, service.verify_proposal, str(id), note)
        return await proposal_view(info.context, row.id)

    @strawberry.mutation(description="→ REJECTED, with a reason (pendamping after the field "
                                     "visit; Dinas Sosial before approval)")
    async def reject_proposal(self, info: Info[NodeContext, None], id: strawberry.ID,
                              reason: str) -> Proposal | None:
        row = await _run(info.context, service.reject_proposal, str(id), reason)
        return await proposal_view(info.context, row.id)

    @strawberry.mutation(description="VERIFIED → APPROVED_KABKOTA (Dinas Sosial): the change "
                                     "is applied to the registry")
    async def approve_proposal(self, info: Info[NodeContext, None],
                               id: strawberry.ID) -> Proposal | None:
        context = info.context
        row = await _run(context, service.approve_proposal, str(id), context.region)
        return await proposal_view(context, row.id)

    @strawberry.mutation(description="Dinas Sosial closes the review of a household (a "
                                     "returned change that could not be undone), with a note")
    async def close_household_review(self, info: Info[NodeContext, None],
                                     household_id: strawberry.ID,
                                     note: str) -> HouseholdType | None:
        row = await _run(info.context, close_household_review,
                         record_id(household_id, "householdId"), note)
        return HouseholdType.from_row(row)

    @strawberry.mutation(description="Store a file (PDF, JPEG, PNG; at most 1.5 MB) and get "
                                     "its SHA-256, e.g. the Musdes minutes")
    async def upload_attachment(self, info: Info[NodeContext, None], content_base64: str,
                                media_type: str, filename: str | None = None) -> Attachment | None:
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("contentBase64 is not base64", reason="malformed",
                               field="contentBase64") from None
        stored = await _run(info.context, upload_attachment, info.context.region, content,
                            media_type, filename)
        return Attachment(sha256=stored.sha256, media_type=stored.media_type,
                          size_bytes=stored.size_bytes, filename=stored.filename)

    @strawberry.mutation(description="Mark one of your notifications as read")
    async def mark_notification_read(self, info: Info[NodeContext, None],
                                     id: strawberry.ID) -> Notification | None:
        row = await _run(info.context, mark_notification_read,
                         record_id(id, "id", "a notification id"))
        return Notification.from_row(row)

