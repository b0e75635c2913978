"""Community reports over GraphQL over HTTP, on SQLite and PostgreSQL: the public sends an usul
or a sanggah with no login and gets only a receipt; the desa's operator works the inbox, turns
reports into proposals, resolves or dismisses them; a sanggah nobody acted on expires after 14
days (a clock the test moves); every write is audited and every refusal changes nothing."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from regional_node.adapters.orm import AuditEntry, CommunityReport, Notification, Proposal
from regional_node.domain.audit import Actor
from regional_node.entrypoints.graphql.community_report_mutations import SUBMISSION_LIMIT
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.community_reports import expire_overdue
from regional_node.service_layer.unit_of_work import UnitOfWork
from service_kit.ratelimit import Rate
from tests import factories
from tests.node.helpers import error_codes, store
from tests.node.proposal_helpers import (
    DINSOS,
    KEMENSOS,
    MINUTES_PDF,
    OPERATOR,
    OTHER_OPERATOR,
    PENDAMPING,
    audit_length,
    data,
    database_dump,
    household_input,
)
from tests.node.report_helpers import BANDUNG, JAKARTA, JPEG, ReportNode, report_node

DESA = "32.73.01.1001"

SUBMIT_USUL = """mutation($input: UsulInput!) { submitUsul(input: $input) {
  receiptId status } }"""
SUBMIT_SANGGAH = """mutation($input: SanggahInput!) { submitSanggah(input: $input) {
  receiptId status } }"""
RECEIPT = "query($id: ID!) { communityReportReceipt(receiptId: $id) { receiptId status } }"
REPORT_FIELDS = """id kind status desaCode personName address description nik photoSha256
  latitude longitude outsideRegency submitterName submitterContact receivedAt dueAt overdue
  proposalId closedBy closeReason version"""
INBOX = f"""query($filter: CommunityReportFilter) {{ communityReports(filter: $filter) {{
  edges {{ node {{ {REPORT_FIELDS} }} }} pageInfo {{ hasNextPage }} }} }}"""
ONE = f"query($id: ID!) {{ communityReport(id: $id) {{ {REPORT_FIELDS} }} }}"
PROPOSE = f"""mutation($id: ID!, $proposal: ProposalInput!) {{
  proposeFromCommunityReport(id: $id, proposal: $proposal) {{ {REPORT_FIELDS} }} }}"""
RESOLVE = f"""mutation($id: ID!, $reason: String!) {{
  resolveCommunityReport(id: $id, reason: $reason) {{ {REPORT_FIELDS} }} }}"""
DISMISS = f"""mutation($id: ID!, $reason: String!) {{
  dismissCommunityReport(id: $id, reason: $reason) {{ {REPORT_FIELDS} }} }}"""


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[ReportNode]:
    async for running in report_node(database_url, aiohttp_client, tmp_path):
        yield running


def usul(**changes: Any) -> dict[str, Any]:
    return {"desaCode": DESA, "personName": "Siti Aminah", "address": "Gg. Mawar 3 RT 02",
            "description": "janda, tiga anak, rumah bocor", "nik": "3273014107800002",
            "submitter": {"name": "Pak RT Ujang", "contact": "0812-1111-2222"}, **changes}


def sanggah(position: tuple[float, float] = BANDUNG, **changes: Any) -> dict[str, Any]:
    return {"desaCode": DESA, "personName": "Budi Santoso", "address": "Jl. Contoh No. 1",
            "description": "punya dua mobil, tidak layak menerima PKH", "program": "PKH",
            "photoBase64": base64.b64encode(JPEG).decode(), "latitude": position[0],
            "longitude": position[1], **changes}


async def public_usul(node: ReportNode, **changes: Any) -> str:
    receipt = data(await node.call(None, SUBMIT_USUL, input=usul(**changes)), "submitUsul")
    assert receipt["status"] == "OPEN"
    return str(receipt["receiptId"])


async def public_sanggah(node: ReportNode, **changes: Any) -> str:
    receipt = data(await node.call(None, SUBMIT_SANGGAH, input=sanggah(**changes)),
                   "submitSanggah")
    assert receipt["status"] == "OPEN"
    return str(receipt["receiptId"])


async def report(node: ReportNode, rid: str, principal: Any = OPERATOR) -> dict[str, Any]:
    return data(await node.call(principal, ONE, id=rid), "communityReport")


async def test_the_public_sends_an_usul_and_gets_only_a_receipt(node: ReportNode) -> None:
    audit_before = await audit_length(node.database)
    body = await node.call(None, SUBMIT_USUL, input=usul())
    assert body == {"data": {"submitUsul": {"receiptId": body["data"]["submitUsul"]["receiptId"],
                                            "status": "OPEN"}}}
    rid = body["data"]["submitUsul"]["receiptId"]
    # the receipt type has nothing else to ask for, and the inbox is closed to the public
    asked = await node.call(None, "mutation($i: UsulInput!) { submitUsul(input: $i) { "
                                  "receiptId personName } }", i=usul())
    assert "Cannot query field 'personName'" in asked["errors"][0]["message"]
    snooping = await node.call(None, INBOX)
    assert error_codes(snooping) == ["FORBIDDEN_FIELD"]
    assert snooping["data"] == {"communityReports": None}
    assert error_codes(await node.call(None, ONE, id=rid)) == ["FORBIDDEN_FIELD"]
    assert data(await node.call(None, RECEIPT, id=rid), "communityReportReceipt") == {
        "receiptId": rid, "status": "OPEN"}
    # the operator of the desa has it as work, due in 30 days, and a notification about it
    seen = await report(node, rid)
    assert (seen["kind"], seen["status"], seen["personName"], seen["nik"],
            seen["submitterContact"], seen["overdue"]) == (
        "USUL", "OPEN", "Siti Aminah", "3273014107800002", "0812-1111-2222", False)
    received = dt.datetime.fromisoformat(seen["receivedAt"])
    assert received == node.clock.now()
    assert dt.datetime.fromisoformat(seen["dueAt"]) - received == dt.timedelta(days=30)
    async with node.database.reader() as session:
        notes = list((await session.execute(select(Notification))).scalars())
        entry = (await session.execute(select(AuditEntry).order_by(
            AuditEntry.seq.desc()).limit(1))).scalar_one()
    assert [(n.desa_code, n.topic) for n in notes] == [(DESA, "COMMUNITY_REPORT")]
    assert (entry.action, entry.entity_id, entry.role) == ("community_report.usul", rid,
                                                           "PUBLIC")
    assert await audit_length(node.database) == audit_before + 1
    # a pendamping sees the NIK masked and not who sent it; another desa sees nothing
    as_pendamping = await node.call(PENDAMPING, ONE, id=rid)
    assert error_codes(as_pendamping) == ["FORBIDDEN_FIELD"] * 2
    masked = as_pendamping["data"]["communityReport"]
    assert masked["nik"] == "3273********0002"
    assert masked["submitterContact"] is None and masked["submitterName"] is None
    assert data(await node.call(OTHER_OPERATOR, ONE, id=rid), "communityReport") is None
    assert data(await node.call(OTHER_OPERATOR, INBOX), "communityReports")["edges"] == []


async def test_a_sanggah_keeps_its_photo_and_flags_a_position_outside_the_regency(
        node: ReportNode) -> None:
    inside = await public_sanggah(node)
    outside = await public_sanggah(node, position=JAKARTA)
    first, second = await report(node, inside), await report(node, outside)
    assert first["photoSha256"] == second["photoSha256"]  # the same photo is stored once
    assert (first["latitude"], first["longitude"], first["outsideRegency"]) == (
        *BANDUNG, False)
    assert second["outsideRegency"] is True
    assert dt.datetime.fromisoformat(first["dueAt"]) - dt.datetime.fromisoformat(
        first["receivedAt"]) == dt.timedelta(days=14)
    async with node.database.reader() as session:
        entries = list((await session.execute(select(AuditEntry).where(
            AuditEntry.action == "community_report.sanggah"))).scalars())
    assert [e.attachments for e in entries] == [[first["photoSha256"]]] * 2
    refused = await node.call(None, SUBMIT_SANGGAH, input=sanggah(
        photoBase64=base64.b64encode(b"%PDF-1.4 not a photo").decode()))
    assert error_codes(refused) == ["INVALID_INPUT"]
    refused = await node.call(None, SUBMIT_SANGGAH, input=sanggah(latitude=40.0))
    assert error_codes(refused) == ["INVALID_RECORD"]
    refused = await node.call(None, SUBMIT_SANGGAH, input=sanggah(desaCode="35.78.01.1001"))
    assert error_codes(refused) == ["OUT_OF_REGION"]


async def test_a_sanggah_nobody_acts_on_expires_after_14_days(node: ReportNode) -> None:
    rid = await public_sanggah(node)
    usul_id = await public_usul(node)
    node.clock.advance(dt.timedelta(days=13, hours=23))
    assert (await report(node, rid))["status"] == "OPEN"
    node.clock.advance(dt.timedelta(hours=1))
    # visible at once, before any sweep: to the operator, in the filters, on the receipt
    seen = await report(node, rid)
    assert (seen["status"], seen["overdue"]) == ("EXPIRED", False)
    expired = data(await node.call(OPERATOR, INBOX, filter={"status": "EXPIRED"}),
                   "communityReports")["edges"]
    assert [e["node"]["id"] for e in expired] == [rid]
    still_open = data(await node.call(OPERATOR, INBOX, filter={"status": "OPEN"}),
                      "communityReports")["edges"]
    assert [e["node"]["id"] for e in still_open] == [usul_id]
    assert data(await node.call(None, RECEIPT, id=rid),
                "communityReportReceipt")["status"] == "EXPIRED"
    # too late to act on it; nothing changes
    before = await database_dump(node.database)
    late = await node.call(OPERATOR, RESOLVE, id=rid, reason="sudah dicek")
    assert error_codes(late) == ["WRONG_STATE"]
    assert await database_dump(node.database) == before
    # the sweep stores it, audited, once
    async with UnitOfWork(node.database, Actor("system:report-expiry", "SYSTEM")) as uow:
        assert await expire_overdue(uow, node.clock.now()) == [rid]
        await uow.commit()
    async with UnitOfWork(node.database, Actor("system:report-expiry", "SYSTEM")) as uow:
        assert await expire_overdue(uow, node.clock.now()) == []
        await uow.commit()
    stored = await report(node, rid)
    assert (stored["status"], stored["closedBy"]) == ("EXPIRED", "system:report-expiry")
    assert stored["closeReason"].startswith("nobody acted on it by")
    # an usul does not expire: it is overdue after 30 days, and still open
    node.clock.advance(dt.timedelta(days=17))
    usul_now = await report(node, usul_id)
    assert (usul_now["status"], usul_now["overdue"]) == ("OPEN", True)
    overdue = data(await node.call(DINSOS, INBOX, filter={"overdue": True}),
                   "communityReports")["edges"]
    assert [e["node"]["id"] for e in overdue] == [usul_id]
    assert (await verify_audit_chain(node.database)).ok


async def test_the_operator_turns_an_usul_into_a_draft_proposal(node: ReportNode) -> None:
    rid = await public_usul(node)
    minutes = data(await node.call(OPERATOR, """mutation($c: String!) { uploadAttachment(
        contentBase64: $c, mediaType: "application/pdf") { sha256 } }""",
        c=base64.b64encode(MINUTES_PDF).decode()), "uploadAttachment")["sha256"]
    record = factories.household(DESA, members=2, head_name="Siti Aminah")
    pid = str(uuid.uuid4())
    proposal = {"id": pid, "details": {"newHousehold": household_input(record)},
                "musdes": {"heldOn": "2026-02-20", "minutesNumber": "BA/3/II/2026",
                           "minutesSha256": minutes}}
    wrong_kind = await node.call(OPERATOR, PROPOSE, id=rid, proposal={
        "id": str(uuid.uuid4()), "details": {"graduation": {"householdId": "1",
                                                            "reason": "x"}}})
    assert error_codes(wrong_kind) == ["FORBIDDEN_TRANSITION"]
    audit_before = await audit_length(node.database)
    linked = data(await node.call(OPERATOR, PROPOSE, id=rid, proposal=proposal),
                  "proposeFromCommunityReport")
    assert (linked["status"], linked["proposalId"], linked["closedBy"]) == (
        "PROPOSED", pid, OPERATOR.user_id)
    assert await audit_length(node.database) == audit_before + 2  # proposal + report
    created = data(await node.call(OPERATOR, "query($id: ID!) { proposal(id: $id) { "
                                             "state kind desaCode } }", id=pid), "proposal")
    assert created == {"state": "DRAFT", "kind": "NEW_HOUSEHOLD", "desaCode": DESA}
    # sending the same again (a retry) changes nothing; the receipt now says PROPOSED
    before = await database_dump(node.database)
    again = data(await node.call(OPERATOR, PROPOSE, id=rid, proposal=proposal),
                 "proposeFromCommunityReport")
    assert again == linked
    assert await database_dump(node.database) == before
    assert data(await node.call(None, RECEIPT, id=rid),
                "communityReportReceipt")["status"] == "PROPOSED"
    by_link = data(await node.call(OPERATOR, INBOX, filter={"proposalId": pid}),
                   "communityReports")["edges"]
    assert [e["node"]["id"] for e in by_link] == [rid]


async def test_a_sanggah_opens_a_graduation_or_a_data_correction(node: ReportNode) -> None:
    record = factories.household(DESA)
    [household_id] = await store(node.database, [record])
    graduation, correction = await public_sanggah(node), await public_sanggah(
        node, description="alamat salah, sudah pindah RT")
    first = data(await node.call(OPERATOR, PROPOSE, id=graduation, proposal={
        "id": str(uuid.uuid4()), "details": {"graduation": {
            "householdId": str(household_id), "reason": "mampu: dua mobil (sanggah)"}}}),
        "proposeFromCommunityReport")
    second = data(await node.call(OPERATOR, PROPOSE, id=correction, proposal={
        "id": str(uuid.uuid4()), "details": {"dataCorrection": {
            "householdId": str(household_id), "household": {"address": "Gg. Baru 7"}}}}),
        "proposeFromCommunityReport")
    async with node.database.reader() as session:
        kinds = {row.id: (row.kind, row.state, row.household_id) for row in (
            await session.execute(select(Proposal))).scalars()}
    assert kinds[first["proposalId"]] == ("GRADUATION", "DRAFT", household_id)
    assert kinds[second["proposalId"]] == ("DATA_CORRECTION", "DRAFT", household_id)


async def test_resolve_and_dismiss_need_a_reason_the_right_role_and_scope(
        node: ReportNode) -> None:
    rid, other = await public_sanggah(node), await public_usul(node)
    before = await database_dump(node.database)
    for principal, mutation, reason, code in (
            (OPERATOR, DISMISS, "  ", "INVALID_INPUT"),
            (OTHER_OPERATOR, DISMISS, "tidak benar", "OUT_OF_SCOPE"),
            (PENDAMPING, RESOLVE, "sudah dicek", "FORBIDDEN_FIELD"),
            (KEMENSOS, RESOLVE, "sudah dicek", "FORBIDDEN_FIELD"),
            (None, DISMISS, "spam", "FORBIDDEN_FIELD")):
        assert error_codes(await node.call(principal, mutation, id=rid, reason=reason)) == [
            code], (principal, reason)
    assert error_codes(await node.call(OPERATOR, RESOLVE, id=str(uuid.uuid4()),
                                       reason="x")) == ["NOT_FOUND"]
    assert await database_dump(node.database) == before
    dismissed = data(await node.call(OPERATOR, DISMISS, id=rid,
                                     reason="dicek: kendaraan milik majikan"),
                     "dismissCommunityReport")
    assert (dismissed["status"], dismissed["closeReason"], dismissed["version"]) == (
        "DISMISSED", "dicek: kendaraan milik majikan", 2)
    resolved = data(await node.call(DINSOS, RESOLVE, id=other,
                                    reason="sudah terdaftar sebagai penerima BPNT"),
                    "resolveCommunityReport")
    assert (resolved["status"], resolved["closedBy"]) == ("RESOLVED", DINSOS.user_id)
    assert error_codes(await node.call(OPERATOR, RESOLVE, id=rid, reason="lagi")) == [
        "WRONG_STATE"]
    # the public learns the outcome, not the reason
    assert data(await node.call(None, RECEIPT, id=rid), "communityReportReceipt") == {
        "receiptId": rid, "status": "DISMISSED"}


async def test_a_relay_retrying_with_its_own_id_creates_one_report(node: ReportNode) -> None:
    rid = str(uuid.uuid4())
    first = await public_usul(node, id=rid)
    again = await public_usul(node, id=rid)
    assert first == again == rid
    async with node.database.reader() as session:
        assert len(list((await session.execute(select(CommunityReport))).scalars())) == 1
    other = await node.call(None, SUBMIT_USUL, input=usul(id=rid, personName="Orang Lain"))
    assert error_codes(other) == ["CONFLICT"]
    assert error_codes(await node.call(None, SUBMIT_USUL, input=usul(id="not-a-uuid"))) == [
        "INVALID_INPUT"]


async def test_public_submissions_are_rate_limited_per_address(node: ReportNode) -> None:
    node.client.app[SUBMISSION_LIMIT].rate = Rate(per_minute=1, burst=2)
    await public_usul(node)
    await public_usul(node)
    refused = await node.call(None, SUBMIT_USUL, input=usul())
    assert error_codes(refused) == ["RATE_LIMITED"]
    # staff entering a report they received on paper are not limited
    data(await node.call(OPERATOR, SUBMIT_USUL, input=usul()), "submitUsul")


async def _old_sanggah(url: str) -> str:
    from regional_node.adapters.database import open_database
    from regional_node.domain.community_reports import SanggahSubmission
    from regional_node.service_layer.community_reports import Photo, submit_sanggah
    from schema.roles import ANONYMOUS

    database = open_database(url)
    try:
        async with UnitOfWork(database, Actor("anonymous", "PUBLIC")) as uow:
            row = await submit_sanggah(uow, ANONYMOUS, SanggahSubmission(
                DESA, "Budi Santoso", "Jl. Contoh", "mampu", "", *BANDUNG), Photo(
                JPEG, "image/jpeg"), "32.73",
                dt.datetime.now(dt.UTC) - dt.timedelta(days=15))
            await uow.commit()
        return row.id
    finally:
        await database.dispose()


def test_siks_node_expire_reports_stores_the_expiry(
        database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from siks.cli import main

    rid = asyncio.run(_old_sanggah(database_url))
    args = ["node", "expire-reports", "--db", database_url, "--region", "32.73"]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == f"1 sanggah expired: {rid}"
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == "0 sanggah expired"
    assert main(["node", "expire-reports", "--db", database_url, "--region", "35.78"]) == 2
    assert "belongs to region 32.73" in capsys.readouterr().err
