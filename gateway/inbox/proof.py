"""Proving which node sent a stored record: the envelope it came in, rebuilt from what the
inbox kept (``signed_message``: the header and the JWS; ``national_record``: the message's
records, as signed, in ``position`` order) and verified again against the national PKI, as of
its ``message_ts``. Anyone holding the CA certificate can check the same envelope: the
signature is the node's, over the canonical header and records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from certs.envelope import VerifiedEnvelope, verify_envelope
from certs.identity import HolderKind
from certs.trust import CertificateStore
from gateway.adapters.database import Database
from gateway.adapters.orm import NationalRecord, SignedMessage
from gateway.errors import ProofUnavailable
from schema.sync_messages import GATEWAY_RECEIVER


async def signed_envelope_of(database: Database, region: str, record_id: str) -> dict[str, Any]:
    """The envelope, byte for byte as to its canonical form, that brought this record."""
    async with database.reader() as session:
        record = await session.get(NationalRecord, (region, record_id))
        if record is None:
            raise ProofUnavailable(f"no record {record_id} of {region} is stored")
        message = await session.get(SignedMessage, record.message_id)
        if message is None or record.position is None:
            raise ProofUnavailable(f"record {record_id} of {region} was stored before the "
                                   "gateway kept signatures")
        payloads = (await session.execute(
            select(NationalRecord.payload).where(NationalRecord.message_id == record.message_id)
            .order_by(NationalRecord.position))).scalars().all()
    return {"header": message.header, "message": {"records": list(payloads)},
            "signature": message.signature}


async def prove_record(database: Database, trust: CertificateStore, region: str,
                       record_id: str) -> VerifiedEnvelope:
    """The record's envelope, verified (signer, region, every record) as of its
    ``message_ts``; an :class:`~certs.envelope_errors.EnvelopeRefused` if what is stored no
    longer matches what the node signed."""
    envelope = await signed_envelope_of(database, region, record_id)
    at = dt.datetime.fromisoformat(str(envelope["header"]["message_ts"]))
    return verify_envelope(envelope, trust, at, record_region="desa_code",
                           receiver_id=GATEWAY_RECEIVER, signers={HolderKind.REGION})
