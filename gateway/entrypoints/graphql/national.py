"""Kemensos' national work on the one endpoint: what the nodes sent (records, a per-region
summary of what waits) and the decisions (determine by decree, return with a reason), signed
by the gateway's key — a person never handles it. Thin: ``service_layer.national_records``
does the work; the field policy (``schema.policy``) lets only KEMENSOS in."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

import strawberry
from strawberry.types import Info

from gateway.entrypoints.graphql import community_reports
from gateway.entrypoints.graphql.context import GatewayContext
from gateway.entrypoints.graphql.types import Decree, region_name
from gateway.errors import ConfigError
from gateway.service_layer import national_records as service
from schema.accounts import DECIDE
from schema.errors import Forbidden
from schema.sync_messages import Decree as DomainDecree

DEFAULT_PAGE = 50


@strawberry.enum(description="Where a record stands at the gateway")
class NationalRecordState(StrEnum):
    RECEIVED = "RECEIVED"
    DETERMINED = "DETERMINED"
    RETURNED = "RETURNED"


@strawberry.type(description="The Musdes/Muskel that agreed the proposal (its minutes stay at "
                              "the node)")
class Musdes:
    held_on: dt.date
    minutes_number: str = strawberry.field(description="Nomor berita acara")
    minutes_sha256: str = strawberry.field(description="SHA-256 of the attached minutes")


@strawberry.type(description="A record a node approved and signed, as the gateway holds it")
class NationalRecord:
    id: strawberry.ID = strawberry.field(description="The node's proposal id")
    region: str
    region_name: str
    kind: str | None = strawberry.field(description="The proposal's kind (NEW_HOUSEHOLD, …)")
    desa_code: str
    desa_name: str
    state: NationalRecordState
    approved_by: str | None = strawberry.field(description="Who approved it at the kab/kota")
    approved_at: str | None
    musdes: Musdes | None = strawberry.field(description="The village meeting (new "
                                                         "households)")
    signer_kid: str | None = strawberry.field(description="The region certificate that "
                                                          "signed it")
    corrects: strawberry.ID | None = strawberry.field(
        description="The returned record of the same region this one corrects")
    received_at: dt.datetime
    decree: Decree | None
    return_reason: str | None
    decided_at: dt.datetime | None


@strawberry.type
class NationalRecordEdge:
    node: NationalRecord
    cursor: str


@strawberry.type(description="Where a list of national records may go on")
class NationalRecordPageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page")


@strawberry.type
class NationalRecordConnection:
    edges: list[NationalRecordEdge]
    page_info: NationalRecordPageInfo
    total_count: int


@strawberry.type(description="What one kab/kota sent and what was decided")
class RegionRecordSummary:
    region: str
    region_name: str
    received: int = strawberry.field(description="Waiting for a decision")
    determined: int
    returned: int
    oldest_waiting_since: dt.datetime | None


@strawberry.input(description="Every given condition must hold")
class NationalRecordFilter:
    region: str | None = strawberry.field(default=None,
                                          description="A province or kab/kota code")
    kind: str | None = None
    state: NationalRecordState | None = None
    period: str | None = strawberry.field(default=None, description="The decree's period")


@strawberry.input(description="Determine by decree: chosen records, or every waiting record "
                              "(of the chosen regions, or of all)")
class DetermineInput:
    decree_number: str = strawberry.field(description="Nomor Keputusan Menteri Sosial")
    decree_date: dt.date
    period: str = strawberry.field(description="The DTKS period, e.g. 2026-12")
    pdf_sha256: str = strawberry.field(description="SHA-256 (hex) of the signed decree PDF")
    regions: list[str] | None = None
    record_ids: list[strawberry.ID] | None = None


@strawberry.input(description="Return records to their kab/kota, with the reason")
class ReturnInput:
    record_ids: list[strawberry.ID]
    reason: str


@strawberry.type(description="One signed decision, queued for the node of its region")
class IssuedDecision:
    region: str
    message_id: str


def _record(record: service.ReceivedRecord) -> NationalRecord:
    decree = record.decree
    return NationalRecord(
        id=strawberry.ID(record.record_id), region=record.region,
        region_name=region_name(record.region), kind=record.kind,
        desa_code=record.desa_code, desa_name=region_name(record.desa_code),
        state=NationalRecordState(record.state), approved_by=record.approved_by,
        approved_at=record.approved_at, musdes=_musdes(record.musdes),
        signer_kid=record.signer_kid,
        corrects=strawberry.ID(record.corrects) if record.corrects else None,
        received_at=record.received_at,
        decree=Decree(number=decree.number, date=decree.date, period=decree.period,
                      pdf_sha256=decree.pdf_sha256) if decree else None,
        return_reason=record.return_reason, decided_at=record.decided_at)


def _musdes(raw: dict[str, Any] | None) -> Musdes | None:
    if not raw:
        return None
    try:
        return Musdes(held_on=dt.date.fromisoformat(str(raw["held_on"])),
                      minutes_number=str(raw["minutes_number"]),
                      minutes_sha256=str(raw["minutes_sha256"]))
    except (KeyError, ValueError):
        return None  # signed by the node as it was; shown only when complete


async def national_records(info: Info[GatewayContext, None],
                           filter: NationalRecordFilter | None = None,
                           first: int = DEFAULT_PAGE,
                           after: str | None = None) -> NationalRecordConnection | None:
    where = filter or NationalRecordFilter()
    page = await service.list_records(
        info.context.services.database,
        service.RecordFilter(region=where.region, kind=where.kind, period=where.period,
                             state=where.state.value if where.state else None),
        first, after)
    edges = [NationalRecordEdge(node=_record(r), cursor=service.cursor_of(r))
             for r in page.records]
    return NationalRecordConnection(
        edges=edges, total_count=page.total,
        page_info=NationalRecordPageInfo(has_next_page=page.has_next,
                                         end_cursor=page.end_cursor))


async def national_record_summary(info: Info[GatewayContext, None],
                                  region: str | None = None
                                  ) -> list[RegionRecordSummary] | None:
    found = await service.summary(info.context.services.database, region)
    return [RegionRecordSummary(region=s.region, region_name=region_name(s.region),
                                received=s.received, determined=s.determined,
                                returned=s.returned, oldest_waiting_since=s.oldest_pending)
            for s in found]


def _signer(info: Info[GatewayContext, None]) -> Any:
    """The gateway's key, for a Kemensos user who holds the ``decide`` permission."""
    from gateway.inbox.http import GatewaySigner

    if DECIDE not in info.context.principal.permissions:
        raise Forbidden("signing a national decision needs the decide permission "
                        "(siks gateway user add … --permissions decide)", reason="permission")

    pki_dir = info.context.services.config.pki_dir
    if pki_dir is None:
        raise ConfigError("decisions are signed with the gateway's key: the gateway runs "
                          "without SIKS_GATEWAY_PKI_DIR")
    return GatewaySigner(pki_dir)


def _issued(issued: dict[str, str]) -> list[IssuedDecision]:
    return [IssuedDecision(region=region, message_id=message_id)
            for region, message_id in sorted(issued.items())]


@strawberry.type
class Mutation:
    submit_usul = strawberry.mutation(
        resolver=community_reports.submit_usul,
        description="Propose someone for aid (usul), sent to the node of the desa. Open to "
                    "everyone; you get a receipt to follow its status")
    submit_sanggah = strawberry.mutation(
        resolver=community_reports.submit_sanggah,
        description="Object to a recipient (sanggah) with a photo and its position, sent to "
                    "the node of the desa. Open to everyone; you get a receipt")

    @strawberry.mutation(description="Determine records by decree (Kemensos): the gateway "
                                     "signs one decision per region for its node")
    async def determine_records(self, info: Info[GatewayContext, None],
                                input: DetermineInput) -> list[IssuedDecision] | None:
        signer = _signer(info)
        decree = DomainDecree(input.decree_number.strip(), input.decree_date,
                              input.period.strip(), input.pdf_sha256.strip().lower())
        ids = [str(i) for i in input.record_ids] if input.record_ids is not None else None
        return _issued(await service.determine(
            info.context.services.database, signer, decree,
            info.context.principal.user_id, regions=input.regions, record_ids=ids))

    @strawberry.mutation(description="Return records to their kab/kota with a reason "
                                     "(Kemensos); the node undoes or reviews the change")
    async def return_records(self, info: Info[GatewayContext, None],
                             input: ReturnInput) -> list[IssuedDecision] | None:
        signer = _signer(info)
        return _issued(await service.return_records(
            info.context.services.database, signer, [str(i) for i in input.record_ids],
            input.reason, info.context.principal.user_id))
