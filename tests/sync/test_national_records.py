"""Kemensos' view of what the nodes sent, and its decisions over chosen records of several
regions (gateway.service_layer.national_records), on SQLite and PostgreSQL: records
arrive through the real inbox, signed with real region keys; decisions are signed by the
gateway's key and queued per region."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from gateway.adapters.orm import DecisionOutbox
from gateway.inbox.http import GatewaySigner
from gateway.service_layer import national_records as national
from schema.errors import InvalidInput
from schema.sync_messages import Decree
from tests.sync.helpers import BANDUNG, NOW, SURABAYA, as_bytes, make_records, signed

DECREE = Decree("146/HUK/2026", dt.date(2026, 12, 1), "2026-12", "e" * 64)


@pytest.fixture
async def received(gateway_db, inbox, pki):
    """Five records from Kota Bandung, three from Kota Surabaya, through the inbox."""
    for holder, count, prefix in ((BANDUNG, 5, "b"), (SURABAYA, 3, "s")):
        records = make_records(holder.id, count, prefix=prefix)
        for record in records:
            record["approved_by"] = f"user:dinsos-{holder.id.replace('.', '')}"
        outcome = await inbox.submit(as_bytes(signed(pki.credentials(holder), records, at=NOW)),
                                     tls_peer=holder.id, now=NOW)
        assert outcome.status == 200, outcome.body()
    return gateway_db


async def test_records_page_oldest_first_with_their_signer(received):
    first = await national.list_records(received, national.RecordFilter(), 3)
    assert first.total == 8 and first.has_next and len(first.records) == 3
    rest = await national.list_records(received, national.RecordFilter(), 10,
                                       after=first.end_cursor)
    ids = [r.record_id for r in first.records + rest.records]
    assert sorted(ids) == sorted({*ids}) and len(ids) == 8  # each once, none lost
    assert not rest.has_next
    bandung = await national.list_records(received, national.RecordFilter(region="32.73"), 50)
    assert {r.region for r in bandung.records} == {"32.73"} and bandung.total == 5
    assert all(r.signer_kid and r.signer_kid.startswith("32.73#") for r in bandung.records)
    assert {r.approved_by for r in bandung.records} == {"user:dinsos-3273"}
    province = await national.list_records(received, national.RecordFilter(region="35"), 50)
    assert province.total == 3


async def test_bad_filters_and_cursors_are_typed_errors(received):
    with pytest.raises(InvalidInput):
        await national.list_records(received, national.RecordFilter(), 0)
    with pytest.raises(InvalidInput):
        await national.list_records(received, national.RecordFilter(), 5, after="nonsense")
    with pytest.raises(InvalidInput):
        national.RecordFilter(state="PAID")


async def test_determine_chosen_records_of_two_regions_then_return_others(received, pki):
    signer = GatewaySigner(pki.root)
    issued = await national.determine(received, signer, DECREE, "user:kemensos",
                                      record_ids=["b-000000", "s-000001"])
    assert set(issued) == {"32.73", "35.78"}  # one signed decision per region
    async with received.reader() as session:
        rows = (await session.execute(select(DecisionOutbox))).scalars().all()
    decree = json.loads(rows[0].envelope)["message"]["decision"]["decree"]
    assert decree == {"number": "146/HUK/2026", "date": "2026-12-01", "period": "2026-12",
                      "pdf_sha256": "e" * 64}
    returned = await national.return_records(received, signer, ["b-000001"], " foto buram ",
                                             "user:kemensos")
    assert set(returned) == {"32.73"}
    summary = {s.region: s for s in await national.summary(received)}
    assert (summary["32.73"].received, summary["32.73"].determined,
            summary["32.73"].returned) == (3, 1, 1)
    assert (summary["35.78"].received, summary["35.78"].determined) == (2, 1)
    decided = await national.list_records(received, national.RecordFilter(state="DETERMINED",
                                                                          period="2026-12"), 50)
    assert {r.record_id for r in decided.records} == {"b-000000", "s-000001"}
    assert all(r.decree and r.decree.pdf_sha256 == "e" * 64 for r in decided.records)
    back = await national.list_records(received, national.RecordFilter(state="RETURNED"), 50)
    assert [(r.record_id, r.return_reason) for r in back.records] == [("b-000001", "foto buram")]


async def test_a_refused_decision_decides_nothing(received, pki):
    signer = GatewaySigner(pki.root)
    await national.determine(received, signer, DECREE, "user:kemensos", record_ids=["b-000000"])
    for ids in (["b-000002", "b-000000"], ["b-000002", "nope"]):  # one decided, one unknown
        with pytest.raises(InvalidInput):
            await national.determine(received, signer, DECREE, "user:kemensos", record_ids=ids)
    with pytest.raises(InvalidInput):
        await national.determine(received, signer, DECREE, "user:kemensos",
                                 regions=["35.78"], record_ids=["b-000002"])
    with pytest.raises(InvalidInput):
        await national.return_records(received, signer, ["b-000002"], "  ", "user:kemensos")
    summary = {s.region: s for s in await national.summary(received)}
    assert summary["32.73"].received == 4 and summary["32.73"].determined == 1
    assert summary["35.78"].received == 3
