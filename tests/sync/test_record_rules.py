"""Security review (issue 16) item 10: a valid signature proves who sent a record, not that it
is sound. The inbox applies the node's content rules (schema.sync_messages.check_record) and
refuses with a typed code; what it stores keeps its JWS, so the gateway can later prove which
node sent each record (gateway.inbox.proof). SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update

from certs.envelope import verify_envelope
from certs.envelope_errors import EnvelopeRefused
from gateway.adapters.orm import NationalRecord
from gateway.errors import ProofUnavailable
from gateway.inbox.decisions import DecisionDesk
from gateway.inbox.proof import prove_record, signed_envelope_of
from gateway.inbox.submissions import Inbox
from schema.errors import InvalidInput
from schema.sync_messages import Decree
from tests.sync.helpers import (
    BANDUNG,
    GATEWAY,
    NOW,
    SURABAYA,
    Pki,
    as_bytes,
    gateway_audit,
    make_records,
    signed,
    stored_counts,
)
from tests.sync.world import queue


def spoiled(region: str, **changes: Any) -> list[dict[str, Any]]:
    records = make_records(region, 3, prefix="bad")
    records[1] = {**records[1], **changes}
    return records


SPOILED = [
    ({"kind": "NONSENSE"}, "RECORD_KIND_UNKNOWN"),
    ({"kind": None}, "RECORD_KIND_UNKNOWN"),
    ({"desa_code": "35.78.99.9999"}, "RECORD_DESA_UNKNOWN"),
    ({"desa_code": "35.78.01"}, "RECORD_DESA_UNKNOWN"),  # a kecamatan, not a desa
    ({"niks": ["123"], "details": {"household": {"members": [{"nik": "123"}]}}},
     "RECORD_NIK_INVALID"),
    ({"niks": ["3578000000000000"],
      "details": {"household": {"members": [{"nik": "3578000000000000"}]}}},
     "RECORD_NIK_INVALID"),
    ({"niks": []}, "RECORD_MALFORMED"),  # the details name a NIK that niks leaves out
    ({"details": "not an object", "niks": []}, "RECORD_MALFORMED"),
    ({"corrects": 12}, "RECORD_MALFORMED"),  # a corrected record names a record id
]


@pytest.mark.parametrize(("changes", "code"), SPOILED,
                         ids=[code + "-" + str(i) for i, (_, code) in enumerate(SPOILED)])
async def test_validly_signed_nonsense_is_refused_with_a_typed_code(
        inbox: Inbox, pki: Pki, changes: dict[str, Any], code: str):
    envelope = signed(pki.credentials(SURABAYA), spoiled("35.78", **changes))
    outcome = await inbox.submit(as_bytes(envelope), now=NOW, tls_peer="35.78")
    assert (outcome.status, outcome.code, outcome.accepted) == (422, code, False), outcome
    assert await stored_counts(inbox.database) == (0, 0)
    last = (await gateway_audit(inbox.database))[-1]
    assert last.action == "inbox.refuse" and last.detail is not None
    assert last.detail["code"] == code


async def test_refused_nonsense_never_reaches_a_determination(inbox: Inbox, pki: Pki):
    good = signed(pki.credentials(SURABAYA), make_records("35.78", 2, prefix="ok"))
    assert (await inbox.submit(as_bytes(good), now=NOW, tls_peer="35.78")).accepted
    bad = signed(pki.credentials(SURABAYA), spoiled("35.78", kind="NONSENSE",
                                                    desa_code="35.78.99.9999"))
    assert not (await inbox.submit(as_bytes(bad), now=NOW, tls_peer="35.78")).accepted
    desk = DecisionDesk(inbox.database, lambda: pki.credentials(GATEWAY))
    decree = Decree("KEP-1/HUK/2026", dt.date(2026, 3, 2), "2026-1")
    await desk.determine_period(decree, "user:kemensos", now=NOW)
    async with inbox.database.reader() as session:
        determined = sorted((await session.execute(select(NationalRecord.record_id).where(
            NationalRecord.state == "DETERMINED"))).scalars())
    assert determined == ["ok-000000", "ok-000001"]


async def test_the_node_does_not_sign_what_the_gateway_would_refuse(database, pki: Pki):
    with pytest.raises(InvalidInput) as refused:
        await queue(database, spoiled("32.73", kind="NONSENSE"), pki.credentials(BANDUNG),
                    now=NOW)
    assert refused.value.extensions()["reason"] == "record_kind_unknown"


async def test_each_stored_record_can_be_proven_to_come_from_its_node(inbox: Inbox, pki: Pki):
    records = make_records("32.73", 3, prefix="p")
    envelope = signed(pki.credentials(BANDUNG), records)
    assert (await inbox.submit(as_bytes(envelope), now=NOW, tls_peer="32.73")).accepted
    for record in records:
        proof = await prove_record(inbox.database, pki.store(), "32.73", record["id"])
        assert proof.signer == BANDUNG and proof.header == envelope["header"]
        assert proof.signature == envelope["signature"]
    rebuilt = await signed_envelope_of(inbox.database, "32.73", "p-000001")
    assert rebuilt == envelope  # what the node sent, and anyone with the CA can check it
    verify_envelope(rebuilt, pki.store(), NOW)
    with pytest.raises(ProofUnavailable):
        await prove_record(inbox.database, pki.store(), "32.73", "no-such-record")


async def test_a_stored_record_altered_afterwards_no_longer_proves(inbox: Inbox, pki: Pki):
    envelope = signed(pki.credentials(BANDUNG), make_records("32.73", 2, prefix="t"))
    assert (await inbox.submit(as_bytes(envelope), now=NOW, tls_peer="32.73")).accepted
    altered = {**envelope["message"]["records"][0], "kind": "GRADUATION"}
    async with inbox.database.writer() as session, session.begin():
        await session.execute(update(NationalRecord).where(
            NationalRecord.record_id == "t-000000").values(payload=altered))
    with pytest.raises(EnvelopeRefused) as refused:
        await prove_record(inbox.database, pki.store(), "32.73", "t-000001")
    assert refused.value.code == "PAYLOAD_TAMPERED"
