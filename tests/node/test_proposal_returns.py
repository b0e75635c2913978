"""A proposal Kemensos returns does not leave its change in force: per kind, the node undoes it
(audited) or, when the household changed since the approval, marks it for Dinas Sosial to
review (docs/update-cycle.md). Real node app over HTTP, the sandbox Dukcapil, decisions signed
with the gateway's key; SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select, update

from regional_node.adapters.orm import (
    AuditEntry,
    Household,
    Notification,
    ProgramMembership,
    ProposalEvent,
)
from regional_node.service_layer.audit import verify_audit_chain
from schema.enums import Program
from tests import factories
from tests.node.cycle_helpers import DESA, household_rows, registered, walk
from tests.node.decision_helpers import return_
from tests.node.helpers import store
from tests.node.proposal_helpers import (
    DINSOS,
    Node,
    data,
    household_input,
    member_input,
    running_node,
    upload_minutes,
)
from tests.registry.sandbox import resident


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        yield running


async def returned_effect(node: Node, pid: str) -> dict[str, Any]:
    """What the RETURN history entry says the return did."""
    async with node.database.reader() as session:
        detail = (await session.execute(select(ProposalEvent.detail).where(
            ProposalEvent.proposal_id == pid, ProposalEvent.action == "RETURN"))).scalar_one()
    effect: dict[str, Any] = detail["return"]
    return effect


async def notice(node: Node, pid: str) -> str:
    async with node.database.reader() as session:
        message: str = (await session.execute(select(Notification.message).where(
            Notification.proposal_id == pid,
            Notification.topic == "PROPOSAL_RETURNED"))).scalar_one()
    return message


async def audit_actions(node: Node, household_id: int) -> list[str]:
    async with node.database.reader() as session:
        return list((await session.execute(select(AuditEntry.action).where(
            AuditEntry.entity_type == "household",
            AuditEntry.entity_id == str(household_id)).order_by(AuditEntry.seq))).scalars())


async def assert_undone(node: Node, pid: str, household_id: int) -> None:
    assert (await returned_effect(node, pid))["effect"] == "UNDONE"
    assert "sudah dibatalkan" in await notice(node, pid)
    assert "was undone" in await notice(node, pid)
    assert (await audit_actions(node, household_id))[-1] == "household.return_undo"
    household, _, _ = await household_rows(node, household_id)
    assert household.review_reason is None
    report = await verify_audit_chain(node.database)
    assert report.ok, report.first_break


async def test_a_returned_new_household_is_withdrawn(node: Node) -> None:
    record = factories.household(DESA, members=2)
    await node.sandbox.add_members([record])
    sha = await upload_minutes(node)
    approved = await walk(node, {"newHousehold": household_input(record)}, musdes={
        "heldOn": "2026-01-15", "minutesNumber": "BA/12/2026", "minutesSha256": sha})
    household_id = int(approved["householdId"])
    await return_(node, approved["id"])
    household, members, _ = await household_rows(node, household_id)
    assert (household.status, household.inactive_reason) == ("INACTIVE", "RETURNED")
    assert len(members) == 2  # kept, for the record and for a corrected proposal
    await assert_undone(node, approved["id"], household_id)


async def test_a_returned_new_member_is_removed(node: Node) -> None:
    household_id, record = await registered(node)
    baby = factories.household(DESA, members=3).members[2]
    await node.sandbox.add(resident(baby, record.kk_number))
    approved = await walk(node, {"newMember": {"householdId": str(household_id),
                                               "member": member_input(baby)}})
    await return_(node, approved["id"])
    household, members, _ = await household_rows(node, household_id)
    assert [m.nik for m in members] == [m.nik for m in record.members]
    assert household.version == 3  # registered 1, approval 2, undo 3
    await assert_undone(node, approved["id"], household_id)


async def test_a_returned_data_correction_restores_the_old_values(node: Node) -> None:
    household_id, record = await registered(node)
    before, members_before, _ = await household_rows(node, household_id)
    old = (before.address, before.desil, before.toilet, members_before[1].name,
           members_before[1].match_status)
    await node.sandbox.add(resident(dataclasses.replace(record.members[1],
                                                        name="Siti Rahmawati"),
                                    record.kk_number))
    approved = await walk(node, {"dataCorrection": {
        "householdId": str(household_id), "baseVersion": 1,
        "household": {"address": "Jl. Baru No. 7", "desil": 1, "toilet": "SHARED"},
        "members": [{"memberId": str(members_before[1].id), "name": "Siti Rahmawati"}]}})
    await return_(node, approved["id"])
    household, members, _ = await household_rows(node, household_id)
    assert (household.address, household.desil, household.toilet, members[1].name,
            members[1].match_status) == old
    await assert_undone(node, approved["id"], household_id)


async def _with_pbi(node: Node, household_id: int, member_id: int) -> None:
    async with node.database.write_engine.begin() as connection:
        await connection.execute(ProgramMembership.__table__.insert().values(
            household_id=household_id, member_id=member_id, program="PBI_JK",
            period="2026-S1", start_date=dt.date(2026, 1, 1), active=True))


async def test_a_returned_death_is_not_left_applied(node: Node) -> None:
    household_id, _ = await registered(node, Program.PKH)
    _, members, _ = await household_rows(node, household_id)
    await _with_pbi(node, household_id, members[0].id)
    approved = await walk(node, {"death": {"householdId": str(household_id),
                                           "memberId": str(members[0].id),
                                           "deathDate": "2026-02-03"}})
    _, members, programs = await household_rows(node, household_id)
    assert not members[0].alive and not {p.program: p for p in programs}["PBI_JK"].active
    await return_(node, approved["id"])
    household, members, programs = await household_rows(node, household_id)
    assert (members[0].alive, members[0].death_date) == (True, None)
    assert [(p.program, p.active, p.end_date) for p in programs] == [
        ("PKH", True, None), ("PBI_JK", True, None)]
    assert (household.status, household.inactive_reason) == ("ACTIVE", None)
    await assert_undone(node, approved["id"], household_id)
    answer = data(await node.call(DINSOS, """query($id: ID!) { household(id: $id) {
        status members { alive deathDate } programs { program active } } }""",
                                  id=str(household_id)), "household")
    assert answer["members"][0] == {"alive": True, "deathDate": None}
    assert {p["program"] for p in answer["programs"] if p["active"]} == {"PKH", "PBI_JK"}


async def test_a_returned_death_of_the_last_member_reactivates_the_household(
        node: Node) -> None:
    record = factories.household(DESA, members=1, programs=(Program.BPNT,))
    [household_id] = await store(node.database, [record])
    await node.sandbox.add_members([record])
    _, members, _ = await household_rows(node, household_id)
    approved = await walk(node, {"death": {"householdId": str(household_id),
                                           "memberId": str(members[0].id),
                                           "deathDate": "2026-02-03"}})
    household, _, _ = await household_rows(node, household_id)
    assert (household.status, household.inactive_reason) == ("INACTIVE", "DECEASED")
    await return_(node, approved["id"])
    household, members, programs = await household_rows(node, household_id)
    assert (household.status, household.inactive_reason) == ("ACTIVE", None)
    assert members[0].alive and [(p.active, p.end_date) for p in programs] == [(True, None)]
    await assert_undone(node, approved["id"], household_id)


@pytest.mark.parametrize("kind", ["moved", "graduation"])
async def test_a_returned_move_or_graduation_reactivates_the_household(node: Node,
                                                                       kind: str) -> None:
    household_id, _ = await registered(node, Program.PKH, Program.BPNT)
    details = ({"householdId": str(household_id), "movedOn": "2026-03-01"} if kind == "moved"
               else {"householdId": str(household_id), "reason": "usaha berkembang (mampu)"})
    approved = await walk(node, {kind: details})
    await return_(node, approved["id"])
    household, _, programs = await household_rows(node, household_id)
    assert (household.status, household.inactive_reason) == ("ACTIVE", None)
    assert [(p.active, p.end_date) for p in programs] == [(True, None), (True, None)]
    await assert_undone(node, approved["id"], household_id)


async def test_a_returned_exit_reactivates_the_membership(node: Node) -> None:
    household_id, _ = await registered(node, Program.BPNT)
    approved = await walk(node, {"programExit": {"householdId": str(household_id),
                                                 "program": "BPNT", "endDate": "2026-02-01"}})
    await return_(node, approved["id"])
    _, _, programs = await household_rows(node, household_id)
    assert [(p.program, p.active, p.end_date) for p in programs] == [("BPNT", True, None)]
    await assert_undone(node, approved["id"], household_id)


async def test_a_returned_enrolment_ends_its_membership_even_after_other_changes(
        node: Node) -> None:
    household_id, _ = await registered(node)
    _, members, _ = await household_rows(node, household_id)
    approved = await walk(node, {"programEnrolment": {
        "householdId": str(household_id), "program": "PIP", "period": "2026-S1",
        "startDate": "2026-01-02", "memberId": str(members[2].id)}})
    await walk(node, {"dataCorrection": {"householdId": str(household_id),
                                         "household": {"address": "Jl. Lain No. 2"}}})
    await return_(node, approved["id"])
    household, _, programs = await household_rows(node, household_id)
    assert [(p.program, p.proposal_id, p.active, p.end_date) for p in programs] == [
        ("PIP", approved["id"], False, dt.date(2026, 1, 2))]  # ends where it started
    assert household.address == "Jl. Lain No. 2"  # the later correction stays
    await assert_undone(node, approved["id"], household_id)


REVIEW = """query($id: ID!) { household(id: $id) { version review { reason proposalId } } }"""


async def test_a_household_changed_since_the_approval_is_marked_for_review(
        node: Node) -> None:
    household_id, _ = await registered(node, Program.PKH)
    _, members, _ = await household_rows(node, household_id)
    death = await walk(node, {"death": {"householdId": str(household_id),
                                        "memberId": str(members[1].id),
                                        "deathDate": "2026-02-03"}})
    await walk(node, {"dataCorrection": {"householdId": str(household_id),
                                         "household": {"address": "Jl. Sesudah No. 3"}}})
    before, _, _ = await household_rows(node, household_id)
    await return_(node, death["id"], reason="akta kematian tidak sah")
    household, members, _ = await household_rows(node, household_id)
    assert not members[1].alive and household.version == before.version  # not undone
    effect = await returned_effect(node, death["id"])
    assert (effect["effect"], effect["household_id"]) == ("REVIEW", household_id)
    message = await notice(node, death["id"])
    assert "ditandai untuk ditinjau Dinas Sosial" in message and "marked for review" in message
    review = data(await node.call(DINSOS, REVIEW, id=str(household_id)), "household")["review"]
    assert review["proposalId"] == death["id"]
    assert "akta kematian tidak sah" in review["reason"]
    assert "berubah sejak pengesahan" in review["reason"]
    assert "changed since the approval" in review["reason"]
    assert (await audit_actions(node, household_id))[-1] == "household.review_mark"
    assert (await verify_audit_chain(node.database)).ok


async def test_an_approval_without_undo_data_is_marked_for_review(node: Node) -> None:
    """Proposals approved before the node kept how to undo them."""
    household_id, _ = await registered(node, Program.PKH)
    approved = await walk(node, {"graduation": {"householdId": str(household_id),
                                                "reason": "mampu"}})
    async with node.database.writer() as session, session.begin():
        await session.execute(update(ProposalEvent).where(
            ProposalEvent.proposal_id == approved["id"], ProposalEvent.action == "APPROVE")
            .values(detail={"household_id": household_id}))
    await return_(node, approved["id"])
    household, _, _ = await household_rows(node, household_id)
    assert (household.status, household.review_proposal_id) == ("INACTIVE", approved["id"])
    assert household.review_reason is not None and "before the node kept" in (
        household.review_reason)


async def test_a_new_member_already_enrolled_is_marked_for_review(node: Node) -> None:
    household_id, record = await registered(node)
    baby = factories.household(DESA, members=3).members[2]
    await node.sandbox.add(resident(baby, record.kk_number))
    approved = await walk(node, {"newMember": {"householdId": str(household_id),
                                               "member": member_input(baby)}})
    _, members, _ = await household_rows(node, household_id)
    await _with_pbi(node, household_id, members[-1].id)  # outside any proposal: no version
    await return_(node, approved["id"])
    household, members, _ = await household_rows(node, household_id)
    assert members[-1].nik == baby.nik
    assert household.review_reason is not None and "programme membership" in (
        household.review_reason)


async def test_a_later_return_is_undone_after_an_earlier_one_went_to_review(
        node: Node) -> None:
    household_id, _ = await registered(node, Program.PKH)
    first = await walk(node, {"dataCorrection": {"householdId": str(household_id),
                                                 "household": {"address": "Jl. A"}}})
    second = await walk(node, {"dataCorrection": {"householdId": str(household_id),
                                                  "household": {"address": "Jl. B"}}})
    await return_(node, first["id"], reason="alamat salah")
    await return_(node, second["id"], reason="alamat juga salah")
    async with node.database.reader() as session:
        household = await session.get(Household, household_id)
    assert household is not None
    # the second was undone (nothing since it); the first could not be (the second came after)
    assert household.address == "Jl. A"
    assert household.review_proposal_id == first["id"]
    assert (await returned_effect(node, second["id"]))["effect"] == "UNDONE"


async def test_a_corrected_nik_taken_by_someone_else_since_is_marked_for_review(
        node: Node) -> None:
    household_id, record = await registered(node)
    _, members, _ = await household_rows(node, household_id)
    old_nik, new_nik = members[1].nik, members[1].nik[:-4] + "9999"
    await node.sandbox.add(resident(dataclasses.replace(record.members[1], nik=new_nik),
                                    record.kk_number))
    approved = await walk(node, {"dataCorrection": {
        "householdId": str(household_id),
        "members": [{"memberId": str(members[1].id), "nik": new_nik}]}})
    other = factories.household(DESA, members=2)
    other = dataclasses.replace(other, members=[other.members[0], record.members[1]])
    assert record.members[1].nik == old_nik
    await store(node.database, [other])  # the freed NIK, registered meanwhile elsewhere
    await return_(node, approved["id"])
    household, members, _ = await household_rows(node, household_id)
    assert members[1].nik == new_nik
    assert household.review_reason is not None and "registered to someone else" in (
        household.review_reason)


async def test_an_enrolment_whose_membership_is_not_found_is_marked_for_review(
        node: Node) -> None:
    """Enrolled before memberships named the proposal that created them."""
    household_id, _ = await registered(node)
    approved = await walk(node, {"programEnrolment": {
        "householdId": str(household_id), "program": "BPNT", "period": "2026-S1",
        "startDate": "2026-01-02"}})
    async with node.database.writer() as session, session.begin():
        await session.execute(update(ProgramMembership).values(proposal_id=None))
    await return_(node, approved["id"])
    household, _, programs = await household_rows(node, household_id)
    assert [(p.program, p.active) for p in programs] == [("BPNT", True)]
    assert household.review_proposal_id == approved["id"]
    assert household.review_reason is not None and "was not found" in household.review_reason
    assert (await returned_effect(node, approved["id"]))["effect"] == "REVIEW"
