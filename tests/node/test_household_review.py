"""The review of a household (a returned change the node could not undo) is shown to the
region's staff and closed by Dinas Sosial with a note, audited; every other attempt is refused
with a typed error and changes nothing. And the decree of the latest determined proposal is
shown on the household, loaded in one query for a whole page. Real node app over HTTP,
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, select

from regional_node.adapters.orm import AuditEntry
from schema.enums import Program
from schema.roles import Principal, Role
from schema.sync_messages import Decree
from tests.node.cycle_helpers import household_rows, registered, walk
from tests.node.decision_helpers import determine, return_
from tests.node.proposal_helpers import (
    DINSOS,
    OPERATOR,
    OTHER_DINSOS,
    PENDAMPING,
    Node,
    data,
    database_dump,
    running_node,
)

CLOSE = """mutation($hid: ID!, $note: String!) { closeHouseholdReview(householdId: $hid,
  note: $note) { id review { reason proposalId } } }"""
REVIEW = "query($id: ID!) { household(id: $id) { review { reason proposalId } } }"
HISTORY = "query($id: ID!) { proposal(id: $id) { state history { action actor reason } } }"


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        yield running


async def under_review(node: Node) -> tuple[int, str]:
    """A household whose returned graduation could not be undone (corrected since)."""
    household_id, _ = await registered(node, Program.PKH)
    correction = {"dataCorrection": {"householdId": str(household_id),
                                     "household": {"address": "Jl. Sesudah No. 1"}}}
    await walk(node, correction)
    exit_ = await walk(node, {"programExit": {"householdId": str(household_id),
                                              "program": "PKH", "endDate": "2026-02-01"}})
    await walk(node, {"dataCorrection": {"householdId": str(household_id),
                                         "household": {"address": "Jl. Sesudah No. 2"}}})
    await return_(node, exit_["id"], reason="masih layak menerima PKH")
    return household_id, exit_["id"]


async def test_dinsos_closes_a_review_with_a_note(node: Node) -> None:
    household_id, pid = await under_review(node)
    shown = data(await node.call(OPERATOR, REVIEW, id=str(household_id)), "household")
    assert shown["review"]["proposalId"] == pid  # the desa's operator sees it too
    closed = data(await node.call(DINSOS, CLOSE, hid=str(household_id),
                                  note="PKH diaktifkan lagi lewat usulan baru"),
                  "closeHouseholdReview")
    assert closed == {"id": str(household_id), "review": None}
    household, _, _ = await household_rows(node, household_id)
    assert (household.review_reason, household.review_proposal_id) == (None, None)
    history = data(await node.call(DINSOS, HISTORY, id=pid), "proposal")
    assert history["state"] == "RETURNED"
    assert history["history"][-1] == {"action": "REVIEW_CLOSED", "actor": DINSOS.user_id,
                                      "reason": "PKH diaktifkan lagi lewat usulan baru"}
    async with node.database.reader() as session:
        last = (await session.execute(select(AuditEntry).order_by(AuditEntry.seq.desc())
                                      .limit(1))).scalar_one()
    assert (last.action, last.entity_id, last.actor) == (
        "household.review_close", str(household_id), DINSOS.user_id)


async def test_closing_a_review_is_refused_to_others_and_changes_nothing(node: Node) -> None:
    household_id, _ = await under_review(node)
    calm, _ = await registered(node)
    before = await database_dump(node.database)
    cases: list[tuple[Principal, str, str, str]] = [
        (OPERATOR, str(household_id), "sudah", "FORBIDDEN_FIELD"),
        (PENDAMPING, str(household_id), "sudah", "FORBIDDEN_FIELD"),
        (Principal("kemensos-1", Role.KEMENSOS), str(household_id), "sudah", "FORBIDDEN_FIELD"),
        (OTHER_DINSOS, str(household_id), "sudah", "OUT_OF_SCOPE"),
        (DINSOS, str(household_id), "   ", "INVALID_INPUT"),
        (DINSOS, str(calm), "sudah", "WRONG_STATE"),
        (DINSOS, "987654321", "sudah", "NOT_FOUND"),
    ]
    for principal, hid, note, expected in cases:
        body = await node.call(principal, CLOSE, hid=hid, note=note)
        codes = [e["extensions"]["code"] for e in body["errors"]]
        assert codes == [expected], (principal, body)
        assert body["data"]["closeHouseholdReview"] is None
    assert await database_dump(node.database) == before


DECREE_OF = "query($id: ID!) { household(id: $id) { decree { number date period pdfSha256 } } }"
PAGE = """{ households(first: 50, filter: {region: "32.73.01.1001"}) {
  edges { node { id decree { number } } } } }"""


async def test_the_household_shows_the_decree_of_its_latest_determination(node: Node) -> None:
    household_id, _ = await registered(node, Program.PKH)
    assert data(await node.call(DINSOS, DECREE_OF, id=str(household_id)),
                "household") == {"decree": None}
    first = await walk(node, {"dataCorrection": {"householdId": str(household_id),
                                                 "household": {"address": "Jl. A"}}})
    second = await walk(node, {"dataCorrection": {"householdId": str(household_id),
                                                  "household": {"address": "Jl. B"}}})
    await determine(node, first["id"])
    await determine(node, second["id"],
                    decree=Decree("200/HUK/2026", dt.date(2026, 12, 15), "2026-12"))
    shown = data(await node.call(DINSOS, DECREE_OF, id=str(household_id)), "household")
    assert shown == {"decree": {"number": "200/HUK/2026", "date": "2026-12-15",
                                "period": "2026-12", "pdfSha256": None}}
    # the proposal shows its own
    proposal = data(await node.call(DINSOS, "query($id: ID!) { proposal(id: $id) { "
                                    "decree { number } } }", id=first["id"]), "proposal")
    assert proposal == {"decree": {"number": "146/HUK/2026"}}


async def test_a_page_of_households_loads_their_decrees_in_one_query(node: Node) -> None:
    approved = []
    for _ in range(3):
        household_id, _ = await registered(node)
        approved.append(await walk(node, {"dataCorrection": {
            "householdId": str(household_id), "household": {"address": "Jl. C"}}}))
    await determine(node, *[a["id"] for a in approved])
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    engine = node.database.read_engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = data(await node.call(DINSOS, PAGE), "households")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [e["node"]["decree"] for e in page["edges"]] == [{"number": "146/HUK/2026"}] * 3
    assert sum("proposal_event" in s for s in statements) == 1
