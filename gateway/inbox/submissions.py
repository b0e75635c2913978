"""Accepting a node's signed submission into the national store.

The rules (docs/sync.md, "Inbox rules"): the envelope verifies (:func:`certs.envelope.
verify_envelope`: chained to the national CA, valid at ``message_ts``, not revoked, SAN region
= ``sender_id`` = every record's region, signature, ``EdDSA``, known ``kid``, inside the time
window); the TLS peer that posted it is its sender; the message is a list of records that
each meet the content rules the node applies (:func:`schema.sync_messages.check_record`:
``RECORD_KIND_UNKNOWN``, ``RECORD_DESA_UNKNOWN``, ``RECORD_NIK_INVALID``, ``RECORD_MALFORMED``,
422). Then, in one transaction: the ``(message_id, digest)`` receipt, the header and JWS
(``signed_message``, kept for good: :mod:`gateway.inbox.proof`), every record with its
position, the NIK directory entries and the audit entry. A message id already received with
the same digest is acknowledged again and stores nothing (``REPLAYED``); with another digest it
is a 409 conflict. Every outcome is audited with its code and reason; a refusal stores nothing
else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from certs.envelope import (
    VerifiedEnvelope,
    canonical_json,
    envelope_digest,
    verify_envelope,
    verify_signature,
)
from certs.envelope_errors import EnvelopeMalformed, EnvelopeRefused
from certs.identity import HolderKind
from certs.trust import CertificateStore
from gateway.adapters.database import Database
from gateway.adapters.duplicate_store import refresh_duplicates
from gateway.adapters.orm import (
    InboxReceipt,
    NationalRecord,
    NikDirectoryEntry,
    SignedMessage,
    utcnow,
)
from gateway.federation.directory import NikDirectoryKey
from gateway.inbox.audit import AuditNote, append, audit_alone
from schema.sync_messages import (
    GATEWAY_RECEIVER,
    MessageShapeError,
    RecordRefused,
    SyncAction,
    submission_records,
)

MAX_MESSAGE_ID = 64
# A resend of a stored message refused only for one of these (its key was revoked since, or
# it is now past the window) is still acknowledged; each is checked after the signature.
REPLAYABLE_CODES = frozenset({"CERT_REVOKED", "MESSAGE_TOO_OLD"})
STATUS_BY_CODE = {"ENVELOPE_MALFORMED": 400, "TOTAL_COUNT_MISMATCH": 400,
                  "SUBMISSION_MALFORMED": 400, "WRONG_ACTION": 400,
                  "MESSAGE_ID_CONFLICT": 409, "RECORD_CONFLICT": 409}


@dataclass(frozen=True, slots=True)
class InboxOutcome:
    """What the inbox answers: ``accepted`` means stored now; a replay is acknowledged (200)
    without being stored; everything else is a refusal with a code."""

    status: int
    code: str
    reason: str
    message_id: str | None = None
    accepted: bool = False
    body_extra: dict[str, Any] = field(default_factory=dict)

    @property
    def acknowledged(self) -> bool:
        return self.status == 200

    def body(self) -> dict[str, Any]:
        return {"status": "accepted" if self.accepted else
                ("duplicate" if self.acknowledged else "refused"),
                "code": self.code, "reason": self.reason, "message_id": self.message_id,
                **self.body_extra}


def parse_envelope(raw: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(raw, Mapping):
        return raw
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise EnvelopeMalformed("the body is not JSON") from None
    if not isinstance(value, Mapping):
        raise EnvelopeMalformed("an envelope is a JSON object")
    return value


def _message_id_of(envelope: Mapping[str, Any] | None) -> str | None:
    header = envelope.get("header") if isinstance(envelope, Mapping) else None
    value = header.get("message_id") if isinstance(header, Mapping) else None
    return value[:MAX_MESSAGE_ID] if isinstance(value, str) else None


def _sender_of(envelope: Mapping[str, Any] | None) -> str:
    header = envelope.get("header") if isinstance(envelope, Mapping) else None
    value = header.get("sender_id") if isinstance(header, Mapping) else None
    return value[:32] if isinstance(value, str) else "?"


class Inbox:
    """Verifies and stores submissions; one per process (``trust`` may reload itself)."""

    def __init__(self, database: Database, trust: Any, *,
                 directory_key: NikDirectoryKey | None = None,
                 max_age: dt.timedelta | None = None) -> None:
        self.database = database
        self._trust = trust
        self.directory_key = directory_key
        self.max_age = max_age

    def trust(self) -> CertificateStore:
        return self._trust() if callable(self._trust) else self._trust

    def verify(self, envelope: Mapping[str, Any], now: dt.datetime, action: SyncAction,
               tls_peer: str | None, record_region: str | None) -> VerifiedEnvelope:
        kwargs: dict[str, Any] = {} if self.max_age is None else {"max_age": self.max_age}
        verified = verify_envelope(envelope, self.trust(), now, record_region=record_region,
                                   receiver_id=GATEWAY_RECEIVER, signers={HolderKind.REGION},
                                   **kwargs)
        if verified.header["action"] != action.value:
            raise Refusal("WRONG_ACTION", f"action {verified.header['action']!r} is not "
                           f"{action.value!r} on this endpoint")
        if tls_peer is not None and tls_peer != verified.signer.id:
            raise Refusal("TLS_PEER_MISMATCH", f"posted over the TLS connection of {tls_peer}, "
                           f"signed by {verified.signer.id}", 403)
        if len(str(verified.header["message_id"])) > MAX_MESSAGE_ID:
            raise Refusal("ENVELOPE_MALFORMED", "message_id is longer than 64 characters")
        return verified

    async def submit(self, raw: bytes | str | Mapping[str, Any], *,
                     now: dt.datetime | None = None, tls_peer: str | None = None
                     ) -> InboxOutcome:
        now = now or utcnow()
        envelope: Mapping[str, Any] | None = None
        try:
            envelope = parse_envelope(raw)
            verified = self.verify(envelope, now, SyncAction.SUBMIT, tls_peer, "desa_code")
            records = submission_records(verified.message)
        except EnvelopeRefused as exc:
            replay = await self._stored_replay(envelope, tls_peer, exc.code)
            if replay is not None:
                return replay
            return await self.refuse(envelope, exc.code, exc.message,
                                      403 if exc.code not in STATUS_BY_CODE else None)
        except Refusal as exc:
            return await self.refuse(envelope, exc.code, exc.reason, exc.status)
        except RecordRefused as exc:
            return await self.refuse(envelope, exc.code, str(exc), 422)
        except MessageShapeError as exc:
            return await self.refuse(envelope, "SUBMISSION_MALFORMED", str(exc))
        for _ in range(3):  # a concurrent twin may commit first: then it is a replay
            try:
                return await self._store(verified, records, now)
            except IntegrityError:
                continue
            except Refusal as exc:  # rolled back: only the refusal is audited
                return await self.refuse(envelope, exc.code, exc.reason, exc.status)
        return await self.refuse(envelope, "RECORD_CONFLICT",
                                  "the records conflict with stored ones")

    async def _store(self, verified: VerifiedEnvelope, records: list[Mapping[str, Any]],
                     now: dt.datetime) -> InboxOutcome:
        header, region = verified.header, verified.signer.id
        message_id = str(header["message_id"])
        actor = f"node:{region}"
        async with self.database.writer() as session, session.begin():
            known = await session.get(InboxReceipt, message_id)
            if known is not None:
                return await self._replayed(session, known, verified, actor)
            ids = [str(r["id"]) for r in records]
            clash = (await session.execute(select(NationalRecord.record_id).where(
                NationalRecord.region == region, NationalRecord.record_id.in_(ids)))).scalars()
            clashing = sorted(clash)
            if clashing:
                raise Refusal("RECORD_CONFLICT", "records already stored from another "
                               f"message: {', '.join(clashing[:5])}", 409)
            session.add(InboxReceipt(message_id=message_id, digest=verified.digest,
                                     sender_id=region, action=SyncAction.SUBMIT.value,
                                     kid=verified.kid, message_ts=verified.message_ts,
                                     record_count=len(records), received_at=now))
            digests = verified.record_digests  # each record canonicalized once, in verify
            if digests is None or len(digests) != len(records):
                digests = tuple(hashlib.sha256(canonical_json(r)).hexdigest() for r in records)
            session.add(SignedMessage(message_id=message_id, sender_id=region,
                                      kid=verified.kid, header=dict(header),
                                      signature=verified.signature,
                                      record_count=len(records), received_at=now))
            await session.execute(insert(NationalRecord), [
                {"region": region, "record_id": str(r["id"]), "message_id": message_id,
                 "position": position,
                 "kind": str(r["kind"]) if r.get("kind") is not None else None,
                 "desa_code": str(r["desa_code"]), "payload": dict(r), "digest": digest,
                 "state": "RECEIVED", "received_at": now}
                for position, (r, digest) in enumerate(zip(records, digests, strict=True))])
            entries = await self._feed_directory(session, region, records, now)
            outcome = InboxOutcome(200, "ACCEPTED", f"{len(records)} records stored",
                                   message_id, accepted=True,
                                   body_extra={"digest": verified.digest,
                                               "records": len(records),
                                               "received_at": now.isoformat()})
            await append(session, [_note(actor, "inbox.accept", message_id, outcome, verified,
                                         records=len(records), directory_entries=entries)])
        return outcome

    async def _replayed(self, session: AsyncSession, known: InboxReceipt,
                        verified: VerifiedEnvelope, actor: str) -> InboxOutcome:
        message_id = known.message_id
        if known.digest == verified.digest:
            outcome = InboxOutcome(
                200, "REPLAYED", "already received with this digest: acknowledged again, "
                "nothing stored", message_id,
                body_extra={"digest": known.digest, "records": known.record_count,
                            "received_at": known.received_at.isoformat()})
            action = "inbox.replay"
        else:
            outcome = InboxOutcome(409, "MESSAGE_ID_CONFLICT",
                                   "this message id was received with another digest",
                                   message_id, body_extra={"digest": known.digest})
            action = "inbox.refuse"
        await append(session, [_note(actor, action, message_id, outcome, verified)])
        return outcome

    async def _stored_replay(self, envelope: Mapping[str, Any] | None, tls_peer: str | None,
                             code: str) -> InboxOutcome | None:
        """A resend of a message this inbox already stored, which no longer verifies (its key
        was revoked since, or it is now past the window): acknowledged again, nothing stored.
        Otherwise a node whose acknowledgement was lost would mark refused what the gateway
        holds. Same id, same digest (which covers header and message), same sender as the
        TLS peer, and a signature that still verifies with the key that signed it when it was
        stored (``REPLAYABLE_CODES``: refused only for a later revocation or the window); a
        zeroed, garbage or missing signature is a refusal like any other."""
        message_id = _message_id_of(envelope)
        if envelope is None or message_id is None or code not in REPLAYABLE_CODES:
            return None
        try:
            digest = envelope_digest(envelope)
            kid = verify_signature(envelope, self.trust())
        except (EnvelopeRefused, TypeError, ValueError):
            return None
        async with self.database.writer() as session, session.begin():
            known = await session.get(InboxReceipt, message_id)
            if known is None or known.digest != digest or known.kid != kid or (
                    tls_peer is not None and tls_peer != known.sender_id):
                return None
            outcome = InboxOutcome(
                200, "REPLAYED", "already received with this digest: acknowledged again, "
                f"nothing stored (it would now be refused {code})", message_id,
                body_extra={"digest": known.digest, "records": known.record_count,
                            "received_at": known.received_at.isoformat()})
            await append(session, [AuditNote(
                f"node:{known.sender_id}", "inbox.replay", "message", message_id,
                {"code": outcome.code, "reason": outcome.reason, "sender_id": known.sender_id,
                 "kid": known.kid, "digest": known.digest, "now_refused": code})])
        return outcome

    async def _feed_directory(self, session: AsyncSession, region: str,
                              records: list[Mapping[str, Any]], now: dt.datetime) -> int:
        """The NIK directory (keyed hash → regions) learns every NIK the records name."""
        if self.directory_key is None:
            return 0
        keys = sorted({self.directory_key.key_of(nik) for r in records
                       for nik in r.get("niks", ()) if isinstance(nik, str)})
        if not keys:
            return 0
        rows = [{"nik_key": k, "region": region, "updated_at": now} for k in keys]
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        module: Any = postgresql if dialect == "postgresql" else sqlite
        statement = module.insert(NikDirectoryEntry)
        statement = statement.on_conflict_do_update(
            index_elements=["nik_key", "region"],
            set_={"updated_at": statement.excluded.updated_at})
        for start in range(0, len(rows), 1000):
            await session.execute(statement, rows[start:start + 1000])
        await refresh_duplicates(session, keys, now)  # held elsewhere too: a finding
        return len(keys)

    async def refuse(self, envelope: Mapping[str, Any] | None, code: str, reason: str,
                      status: int | None = None) -> InboxOutcome:
        message_id = _message_id_of(envelope)
        outcome = InboxOutcome(status or STATUS_BY_CODE.get(code, 403), code, reason,
                               message_id)
        await audit_alone(self.database, AuditNote(
            f"node:{_sender_of(envelope)}", "inbox.refuse", "message", message_id or "?",
            {"code": code, "reason": reason, "sender_id": _sender_of(envelope)}))
        return outcome


class Refusal(Exception):
    def __init__(self, code: str, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.code, self.reason, self.status = code, reason, status


def _note(actor: str, action: str, message_id: str, outcome: InboxOutcome,
          verified: VerifiedEnvelope, **extra: Any) -> AuditNote:
    return AuditNote(actor, action, "message", message_id,
                     {"code": outcome.code, "reason": outcome.reason,
                      "sender_id": verified.signer.id, "kid": verified.kid,
                      "digest": verified.digest, **extra})
