"""The public's usul, sanggah and receipt check at the gateway: the node's inputs, routed to
the node that owns the desa (``service_layer.community_reports``). Open to everyone, as at the
node; the node still applies its rules, and its per-address limit to the citizen's own address
(forwarded in the gateway's signed token)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

import service_kit.graphql_enums  # noqa: F401  (the contract's enums, registered once)
from gateway.entrypoints.graphql.context import GatewayContext
from gateway.federation.fanout import RequestScope
from gateway.service_layer import community_reports as service
from schema.community_reports import ReportKind, ReportStatus
from schema.enums import Program
from schema.roles import Role
from service_kit.http_guards import client_key


@strawberry.type(description="What the public gets back for a report: its receipt and status, "
                             "nothing else")
class CommunityReportReceipt:
    receipt_id: strawberry.ID = strawberry.field(
        description="Keep it to follow the report (communityReportReceipt): the kab/kota "
                    "whose node keeps it and the node's receipt, e.g. 32.73:7d0c…")
    status: ReportStatus

    @classmethod
    def of(cls, receipt: service.Receipt) -> CommunityReportReceipt:
        return cls(receipt_id=strawberry.ID(receipt.receipt_id), status=receipt.status)


@strawberry.input(description="Who sends the report, if they want the operator to be able to "
                              "reach them (never shown to the public)")
class SubmitterInput:
    name: str | None = None
    contact: str | None = strawberry.field(default=None, description="Phone or e-mail")


@strawberry.input(description="Usul: propose a household or person for aid")
class UsulInput:
    desa_code: str = strawberry.field(description="The desa (desas(kecamatan:) lists them); "
                                                  "decides the node it goes to")
    person_name: str
    address: str
    description: str = strawberry.field(description="Why: the family's situation")
    nik: str | None = None
    kk_number: str | None = None
    submitter: SubmitterInput | None = None
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID of your choosing (sending it again creates nothing "
                                  "twice); the gateway chooses one otherwise")


@strawberry.input(description="Sanggah: object to a recipient, with a photo and where it was "
                              "taken")
class SanggahInput:
    desa_code: str = strawberry.field(description="The desa (desas(kecamatan:) lists them); "
                                                  "decides the node it goes to")
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


def _relaying(info: Info[GatewayContext, None]) -> RequestScope:
    """The request's scope, its node calls carrying the public's own address in the signed
    token: the node's per-address limit then counts each citizen, not the gateway (only for
    the reports: a new address costs a token signature per node called)."""
    scope = info.context.scope
    if info.context.principal.role is not Role.PUBLIC:
        return scope
    return dataclasses.replace(scope, meta=dataclasses.replace(
        scope.meta, client_address=client_key(info.context.request)))


def _submitter(given: SubmitterInput | None) -> dict[str, Any] | None:
    return None if given is None else {"name": given.name, "contact": given.contact}


def _usul(given: UsulInput) -> dict[str, Any]:
    return {"desaCode": given.desa_code, "personName": given.person_name,
            "address": given.address, "description": given.description, "nik": given.nik,
            "kkNumber": given.kk_number, "submitter": _submitter(given.submitter),
            "id": str(given.id) if given.id else None}


def _sanggah(given: SanggahInput) -> dict[str, Any]:
    return {"desaCode": given.desa_code, "personName": given.person_name,
            "address": given.address, "description": given.description,
            "photoBase64": given.photo_base64, "photoMediaType": given.photo_media_type,
            "latitude": given.latitude, "longitude": given.longitude,
            "program": given.program.value if given.program else None,
            "submitter": _submitter(given.submitter),
            "id": str(given.id) if given.id else None}


async def submit_usul(info: Info[GatewayContext, None],
                      input: UsulInput) -> CommunityReportReceipt | None:
    return CommunityReportReceipt.of(await service.submit(
        info.context.services, _relaying(info), ReportKind.USUL, _usul(input)))


async def submit_sanggah(info: Info[GatewayContext, None],
                         input: SanggahInput) -> CommunityReportReceipt | None:
    return CommunityReportReceipt.of(await service.submit(
        info.context.services, _relaying(info), ReportKind.SANGGAH, _sanggah(input)))


async def community_report_receipt(
        info: Info[GatewayContext, None], receipt_id: strawberry.ID,
        region: Annotated[str | None, strawberry.argument(
            description="Only for a receipt without its kab/kota (one a node gave at its own "
                        "URL): the desa or kab/kota it was sent for")] = None
) -> CommunityReportReceipt | None:
    found = await service.check(info.context.services, info.context.scope, str(receipt_id),
                                region, path=info.path.as_list())
    return CommunityReportReceipt.of(found) if found is not None else None
