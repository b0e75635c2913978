"""The node's outbox: signed envelopes written in the approving transaction, read by the relay.

:func:`queue_submission` is what an approval calls inside its unit of work: the records are
packed into a DCI-style envelope, signed with the region's key and stored as one
``outbox_message`` row (plus an audit entry), so the approval and its signed submission commit
together or not at all. Delivery state (attempts, backoff, last error) lives on the same row.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from certs.envelope import envelope_digest, make_header, sign_envelope
from certs.signing import SigningCredentials
from regional_node.adapters.database import Database
from regional_node.adapters.orm import NodeMeta, OutboxMessage, Proposal, utcnow
from regional_node.domain.sync import ApprovedProposal, OutboxStatus, submission_record
from regional_node.errors import ConfigError
from regional_node.service_layer.unit_of_work import UnitOfWork
from regional_node.sync_config import SyncConfig, load_signer
from schema.errors import InvalidInput
from schema.regions import is_within
from schema.roles import Principal
from schema.sync_messages import GATEWAY_RECEIVER, RecordRefused, SyncAction, check_record

SignerSource = Callable[[], SigningCredentials]


def _check_content(record: Mapping[str, Any]) -> None:
    """The rules the gateway applies on receipt (schema.sync_messages.check_record): never
    sign what it would refuse."""
    try:
        check_record(record)
    except RecordRefused as refused:
        raise InvalidInput(str(refused), reason=refused.code.lower(), field="records") from None


class PkiSigner:
    """The region's current signing key from a PKI directory, reloaded after a rotation
    (the certificate file changed), so a running node signs with the new key at once."""

    def __init__(self, pki_dir: Path, region: str) -> None:
        self.pki_dir, self.region = Path(pki_dir), region
        self._loaded: tuple[float, SigningCredentials] | None = None

    def __call__(self) -> SigningCredentials:
        path = self.pki_dir / "regions" / self.region / "signing.crt"
        try:
            stamp = os.stat(path).st_mtime_ns
        except OSError:
            stamp = -1
        if self._loaded is None or self._loaded[0] != stamp:
            self._loaded = (stamp, load_signer(self.pki_dir, self.region))
        return self._loaded[1]


_SOURCES: dict[str, SignerSource] = {}


def use_signer(database: Database, source: SignerSource) -> None:
    """Sign this database's submissions with ``source`` (set by the node app on start, and by
    tests running several nodes in one process)."""
    _SOURCES[database.url] = source


def forget_signer(database: Database) -> None:
    _SOURCES.pop(database.url, None)


async def _signer_for(uow: UnitOfWork) -> SigningCredentials:
    source = _SOURCES.get(uow.database.url)
    if source is not None:
        return source()
    pki_dir = SyncConfig.from_env().pki_dir
    if pki_dir is None:
        raise ConfigError("approval signs the records with the region's key: set "
                          "SIKS_NODE_PKI_DIR to the node's PKI directory")
    region = (await uow.session.execute(
        select(NodeMeta.value).where(NodeMeta.key == "region"))).scalar_one()
    source = PkiSigner(pki_dir, region)
    _SOURCES[uow.database.url] = source
    return source()


def envelope_text(envelope: Mapping[str, Any]) -> str:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


async def queue_submission(uow: UnitOfWork, records: Sequence[Mapping[str, Any]],
                           action: str = SyncAction.SUBMIT, *,
                           signer: SigningCredentials | None = None,
                           receiver_id: str = GATEWAY_RECEIVER,
                           now: dt.datetime | None = None) -> OutboxMessage:
    """Sign ``records`` as one envelope and queue it, inside the caller's transaction."""
    if not records:
        raise InvalidInput("nothing to submit", reason="empty", field="records")
    credentials = signer or await _signer_for(uow)
    region = credentials.holder.id
    for record in records:
        code = record.get("desa_code")
        if not isinstance(code, str) or not is_within(code, region):
            raise InvalidInput(f"record {record.get('id')} lies outside region {region}",
                               reason="out_of_region", field="records")
        if action == SyncAction.SUBMIT:
            _check_content(record)
    moment = now or utcnow()
    header = make_header(action=str(action), sender_id=region, receiver_id=receiver_id,
                         total_count=len(records), message_ts=moment)
    envelope = sign_envelope(header, {"records": [dict(r) for r in records]},
                             credentials.private_key, credentials.kid,
                             certificate=credentials.certificate)
    row = OutboxMessage(message_id=header["message_id"], action=str(action),
                        receiver_id=receiver_id, kid=credentials.kid,
                        digest=envelope_digest(envelope), record_count=len(records),
                        envelope=envelope_text(envelope), status=OutboxStatus.PENDING.value,
                        attempts=0, created_at=moment)
    uow.session.add(row)
    uow.audit.record("outbox.queue", "outbox_message", row.message_id,
                     after={"digest": row.digest, "kid": row.kid, "action": row.action,
                            "records": [str(r.get("id")) for r in records]})
    return row


async def queue_approved(uow: UnitOfWork, rows: Sequence[Proposal],
                         approver: Principal) -> OutboxMessage:
    """Sign the just-approved proposals as one ``submit`` envelope and queue it (what an
    approval calls in its own transaction; a batch approval calls it once for all)."""
    return await queue_submission(uow, [submission_record(ApprovedProposal(
        id=row.id, kind=row.kind, desa_code=row.desa_code, household_id=row.household_id,
        details=row.details, details_digest=row.details_digest,
        approved_at=row.updated_at or utcnow(), approved_by=approver.user_id,
        musdes=_musdes_of(row), corrects=row.corrects_id))
        for row in rows])


def _musdes_of(row: Proposal) -> dict[str, str] | None:
    """The village meeting's reference, sent up with the record (its minutes stay here)."""
    if row.musdes_held_on is None or not row.musdes_minutes_number \
            or not row.musdes_minutes_sha256:
        return None
    return {"held_on": row.musdes_held_on.isoformat(),
            "minutes_number": row.musdes_minutes_number,
            "minutes_sha256": row.musdes_minutes_sha256}


# --- what the relay and the status views read -----------------------------------------------

@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    pending_records: int
    oldest_at: dt.datetime | None
    last_error: str | None
    next_attempt_at: dt.datetime | None
    refused: int
    delivered: int

    def oldest_age_s(self, now: dt.datetime) -> float | None:
        return None if self.oldest_at is None else (now - _aware(self.oldest_at)).total_seconds()


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


async def backlog(database: Database) -> Backlog:
    async with database.reader() as session:
        counts = dict((await session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
        records = (await session.execute(
            select(func.coalesce(func.sum(OutboxMessage.record_count), 0)).where(
                OutboxMessage.status == OutboxStatus.PENDING.value))).scalar_one()
        head = (await session.execute(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING.value)
            .order_by(OutboxMessage.id).limit(1))).scalar_one_or_none()
        last_error = (await session.execute(
            select(OutboxMessage.last_error).where(OutboxMessage.last_error.is_not(None))
            .order_by(OutboxMessage.last_attempt_at.desc()).limit(1))).scalar_one_or_none()
    return Backlog(
        pending=int(counts.get(OutboxStatus.PENDING.value, 0)),
        pending_records=int(records),
        oldest_at=_aware(head.created_at) if head else None,
        last_error=head.last_error if head and head.last_error else
        (last_error if head else None),
        next_attempt_at=_aware(head.next_attempt_at) if head and head.next_attempt_at else None,
        refused=int(counts.get(OutboxStatus.REFUSED.value, 0)),
        delivered=int(counts.get(OutboxStatus.DELIVERED.value, 0)))


@dataclass(frozen=True, slots=True)
class Queued:
    """One outbox message as the relay sends it."""

    message_id: str
    digest: str
    envelope: str
    record_ids: tuple[str, ...]
    attempts: int
    next_attempt_at: dt.datetime | None


async def oldest_pending(database: Database, limit: int = 1) -> list[Queued]:
    async with database.reader() as session:
        rows = (await session.execute(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING.value)
            .order_by(OutboxMessage.id).limit(limit))).scalars().all()
    return [Queued(r.message_id, r.digest, r.envelope, _record_ids(r.envelope), r.attempts,
                   _aware(r.next_attempt_at) if r.next_attempt_at else None) for r in rows]


def _record_ids(text: str) -> tuple[str, ...]:
    records = json.loads(text)["message"].get("records", [])
    return tuple(str(r.get("id")) for r in records if isinstance(r, Mapping))
