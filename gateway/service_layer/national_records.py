"""What the nodes sent up, as Kemensos works with it: the received records (who approved each
at the kab/kota, the Musdes reference, the certificate that signed it, what was decided), a
per-region summary of what waits for a decision, and the decisions themselves — determine by
decree or return with a reason — signed by the gateway (``gateway.inbox.decisions``)."""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select

from certs.signing import SigningCredentials
from gateway.adapters.database import Database
from gateway.adapters.orm import DecisionOutbox, NationalRecord, SignedMessage
from gateway.inbox.decisions import DecisionDesk
from schema.errors import InvalidInput
from schema.regions import level_of
from schema.sync_messages import Decision, DecisionKind, Decree

STATES = ("RECEIVED", "DETERMINED", "RETURNED")
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class RecordFilter:
    region: str | None = None  # a province or kab/kota code
    kind: str | None = None
    state: str | None = None
    period: str | None = None  # the decree's period (decided records)

    def __post_init__(self) -> None:
        if self.region is not None:
            level_of(self.region)  # InvalidRegionCode for a malformed code
        if self.state is not None and self.state not in STATES:
            raise InvalidInput(f"state must be one of {', '.join(STATES)}", reason="invalid",
                               field="state")


@dataclass(frozen=True, slots=True)
class ReceivedRecord:
    region: str
    record_id: str
    kind: str | None
    desa_code: str
    state: str
    approved_by: str | None
    approved_at: str | None
    musdes: dict[str, Any] | None
    corrects: str | None  # the returned record this one corrects (the node's reference)
    signer_kid: str | None
    received_at: dt.datetime
    decree: Decree | None
    return_reason: str | None
    decided_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class RecordPage:
    records: list[ReceivedRecord]
    has_next: bool
    total: int

    @property
    def end_cursor(self) -> str | None:
        return cursor_of(self.records[-1]) if self.records else None


@dataclass(frozen=True, slots=True)
class RegionSummary:
    region: str
    received: int
    determined: int
    returned: int
    oldest_pending: dt.datetime | None


def cursor_of(record: ReceivedRecord) -> str:
    key = [record.received_at.isoformat(), record.region, record.record_id]
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _read_cursor(cursor: str) -> tuple[dt.datetime, str, str]:
    try:
        at, region, record_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return dt.datetime.fromisoformat(at), str(region), str(record_id)
    except (ValueError, TypeError):
        raise InvalidInput("not a cursor of this list", reason="cursor", field="after") from None


S = TypeVar("S", bound=Select)


def _filtered(statement: S, where: RecordFilter) -> S:
    if where.region is not None:
        statement = statement.where(or_(NationalRecord.region == where.region,
                                        NationalRecord.region.like(f"{where.region}.%")))
    if where.kind is not None:
        statement = statement.where(NationalRecord.kind == where.kind)
    if where.state is not None:
        statement = statement.where(NationalRecord.state == where.state)
    if where.period is not None:
        statement = statement.where(NationalRecord.period == where.period)
    return statement


async def list_records(database: Database, where: RecordFilter, first: int,
                       after: str | None = None) -> RecordPage:
    """Oldest received first: what has waited longest comes first."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be 1 to {MAX_PAGE}", reason="range", field="first")
    order = (NationalRecord.received_at, NationalRecord.region, NationalRecord.record_id)
    statement = _filtered(
        select(NationalRecord, SignedMessage.kid, DecisionOutbox.envelope)
        .outerjoin(SignedMessage, SignedMessage.message_id == NationalRecord.message_id)
        .outerjoin(DecisionOutbox,
                   DecisionOutbox.message_id == NationalRecord.decision_message_id), where)
    if after is not None:
        at, region, record_id = _read_cursor(after)
        statement = statement.where(or_(
            NationalRecord.received_at > at,
            and_(NationalRecord.received_at == at, NationalRecord.region > region),
            and_(NationalRecord.received_at == at, NationalRecord.region == region,
                 NationalRecord.record_id > record_id)))
    async with database.reader() as session:
        rows = (await session.execute(statement.order_by(*order).limit(first + 1))).all()
        total = (await session.execute(_filtered(
            select(func.count()).select_from(NationalRecord), where))).scalar_one()
    records = [_record(row, kid, _decree_pdf(envelope)) for row, kid, envelope in rows[:first]]
    return RecordPage(records, len(rows) > first, int(total))


def _decree_pdf(envelope: str | None) -> str | None:
    """The decree PDF's hash, as the signed decision carried it down."""
    if envelope is None:
        return None
    decree = json.loads(envelope).get("message", {}).get("decision", {}).get("decree") or {}
    value = decree.get("pdf_sha256")
    return str(value) if value is not None else None


def _record(row: NationalRecord, kid: str | None, pdf_sha256: str | None) -> ReceivedRecord:
    payload = row.payload or {}
    decree = (Decree(row.decree_number, row.decree_date, row.period or "", pdf_sha256)
              if row.decree_number and row.decree_date else None)
    musdes = payload.get("musdes")
    return ReceivedRecord(
        region=row.region, record_id=row.record_id, kind=row.kind, desa_code=row.desa_code,
        state=row.state, approved_by=payload.get("approved_by"),
        approved_at=payload.get("approved_at"),
        musdes=dict(musdes) if isinstance(musdes, dict) else None,
        corrects=str(payload["corrects"]) if payload.get("corrects") else None, signer_kid=kid,
        received_at=row.received_at, decree=decree, return_reason=row.return_reason,
        decided_at=row.decided_at)


async def summary(database: Database, region: str | None = None) -> list[RegionSummary]:
    """Per region: how many records wait, were determined, were returned; the oldest waiting."""
    pending = func.min(NationalRecord.received_at).filter(NationalRecord.state == "RECEIVED")
    statement = select(NationalRecord.region, NationalRecord.state, func.count(), pending
                       ).group_by(NationalRecord.region, NationalRecord.state)
    statement = _filtered(statement, RecordFilter(region=region))
    found: dict[str, dict[str, Any]] = {}
    async with database.reader() as session:
        for code, state, count, oldest in (await session.execute(statement)).all():
            entry = found.setdefault(code, {"oldest": None})
            entry[state] = int(count)
            if oldest is not None:
                entry["oldest"] = oldest
    return [RegionSummary(code, e.get("RECEIVED", 0), e.get("DETERMINED", 0),
                          e.get("RETURNED", 0), e["oldest"]) for code, e in sorted(found.items())]


async def _regions_of(database: Database, record_ids: Sequence[str]) -> dict[str, list[str]]:
    """The records' regions; every id must be a received record, else nothing is decided."""
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        raise InvalidInput("name at least one record", reason="empty", field="recordIds")
    async with database.reader() as session:
        rows = (await session.execute(
            select(NationalRecord.record_id, NationalRecord.region, NationalRecord.state)
            .where(NationalRecord.record_id.in_(ids)))).all()
    by_id = {record_id: region for record_id, region, _ in rows}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise InvalidInput(f"no record received under {', '.join(unknown[:5])}",
                           reason="not_found", field="recordIds")
    decided = [record_id for record_id, _, state in rows if state != "RECEIVED"]
    if decided:
        raise InvalidInput(f"already decided: {', '.join(decided[:5])}",
                           reason="not_decidable", field="recordIds")
    grouped: dict[str, list[str]] = {}
    for record_id in ids:
        grouped.setdefault(by_id[record_id], []).append(record_id)
    return grouped


Signer = Callable[[], SigningCredentials]


async def determine(database: Database, signer: Signer, decree: Decree, actor: str, *,
                    regions: Sequence[str] | None = None,
                    record_ids: Sequence[str] | None = None) -> dict[str, str]:
    """Determine chosen records, or every waiting record (of ``regions``, or all): one signed
    decision per region. Returns region → message id."""
    desk = DecisionDesk(database, signer)
    if record_ids is None:
        return await desk.determine_period(decree, actor, regions=regions)
    grouped = await _regions_of(database, record_ids)
    if regions is not None:
        outside = sorted(set(grouped) - set(regions))
        if outside:
            raise InvalidInput(f"records of {', '.join(outside)} are outside the chosen regions",
                               reason="region", field="recordIds")
    return {region: await desk.issue(region, Decision(DecisionKind.DETERMINED, tuple(ids),
                                                      decree), actor)
            for region, ids in grouped.items()}


async def return_records(database: Database, signer: Signer, record_ids: Sequence[str],
                         reason: str, actor: str) -> dict[str, str]:
    if not reason.strip():
        raise InvalidInput("a return needs a reason", reason="required", field="reason")
    desk = DecisionDesk(database, signer)
    grouped = await _regions_of(database, record_ids)
    return {region: await desk.issue(region, Decision(DecisionKind.RETURNED, tuple(ids),
                                                      reason=reason.strip()), actor)
            for region, ids in grouped.items()}
