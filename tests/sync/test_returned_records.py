"""Issue 13 end to end: proposals approved at a real node app, signed and delivered to the
gateway over mutual TLS, returned or determined by Kemensos (the gateway's national-records
service, signed with the gateway's key), pulled back by the node's relay. A returned death is
not left applied; a determination's decree reaches the node, on the proposal and on the
household; a corrected proposal carries the returned one's id up to Kemensos. SQLite and
PostgreSQL on both sides."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gateway.inbox.http import GatewaySigner
from gateway.service_layer import national_records as national
from regional_node.service_layer.outbox import PkiSigner, forget_signer, use_signer
from schema.enums import Program
from tests.node.cycle_helpers import household_rows, registered, walk
from tests.node.proposal_helpers import DINSOS, Node, data, running_node
from tests.sync.test_national_records import DECREE
from tests.sync.world import GatewayServer, node_link, relay


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any,
               live_pki: Path) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        use_signer(running.database, PkiSigner(live_pki, "32.73"))  # what the gateway trusts
        try:
            yield running
        finally:
            forget_signer(running.database)


async def test_a_returned_death_is_undone_corrected_and_a_decree_reaches_the_household(
        node: Node, gateway_db: Any, live_pki: Path) -> None:
    dead_id, _ = await registered(node, Program.PKH)
    _, members, _ = await household_rows(node, dead_id)
    death = await walk(node, {"death": {"householdId": str(dead_id),
                                        "memberId": str(members[0].id),
                                        "deathDate": "2026-02-03"}})
    graduated_id, _ = await registered(node, Program.BPNT)
    graduation = await walk(node, {"graduation": {"householdId": str(graduated_id),
                                                  "reason": "usaha berkembang (mampu)"}})
    server = GatewayServer(gateway_db, live_pki)
    url = await server.start()
    signer = GatewaySigner(live_pki)
    try:
        async with node_link(live_pki, url) as link:
            node_relay = relay(node.database, link, live_pki)
            assert (await node_relay.run_once(checkpoint=False)).delivered >= 1
            await national.return_records(gateway_db, signer, [death["id"]],
                                          "akta kematian belum ada", "user:kemensos")
            await national.determine(gateway_db, signer, DECREE, "user:kemensos",
                                     record_ids=[graduation["id"]])
            assert (await node_relay.run_once(checkpoint=False)).decisions == 2
            household, members, programs = await household_rows(node, dead_id)
            assert (members[0].alive, members[0].death_date) == (True, None)
            assert [p.active for p in programs] == [True]
            assert household.review_reason is None
            # the operator proposes the death again, corrected, naming the returned one
            corrected = await walk(node, {"death": {"householdId": str(dead_id),
                                                    "memberId": str(members[0].id),
                                                    "deathDate": "2026-02-05"}},
                                   corrects=death["id"])
            assert (await node_relay.run_once(checkpoint=False)).delivered >= 1
    finally:
        await server.stop()
    waiting = await national.list_records(gateway_db, national.RecordFilter(state="RECEIVED"),
                                          10)
    assert [(r.record_id, r.corrects) for r in waiting.records] == [
        (corrected["id"], death["id"])]
    returned = await national.list_records(gateway_db, national.RecordFilter(state="RETURNED"),
                                           10)
    assert [(r.record_id, r.corrects) for r in returned.records] == [(death["id"], None)]
    shown = data(await node.call(DINSOS, "query($a: ID!) { returned: proposal(id: $a) { "
                                         "state reason } }", a=death["id"]), "returned")
    assert shown == {"state": "RETURNED", "reason": "akta kematian belum ada"}
    answer = await node.call(DINSOS, """query($b: ID!, $h: ID!) {
        determined: proposal(id: $b) { state decree { number date period } }
        household(id: $h) { status decree { number date period pdfSha256 } } }""",
                             b=graduation["id"], h=str(graduated_id))
    assert answer["data"] == {
        "determined": {"state": "DETERMINED", "decree": {
            "number": DECREE.number, "date": DECREE.date.isoformat(), "period": DECREE.period}},
        "household": {"status": "INACTIVE", "decree": {
            "number": DECREE.number, "date": DECREE.date.isoformat(), "period": DECREE.period,
            "pdfSha256": DECREE.pdf_sha256}}}
