"""The whole DTKS update cycle for every kind of proposal, over GraphQL over HTTP, against the
sandbox Dukcapil over HTTP, on SQLite and PostgreSQL; approval effects checked row by row."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from regional_node.adapters.orm import ProgramMembership
from regional_node.entrypoints.graphql.mutations import POPULATION_REGISTRY
from regional_node.service_layer.proposal_nik_check import check_waiting_proposals
from schema.enums import Program
from tests import factories
from tests.node.cycle_helpers import DESA, household_rows, registered, walk
from tests.node.proposal_helpers import (
    CREATE,
    OPERATOR,
    RESUBMIT,
    SUBMIT,
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


async def test_new_household(node: Node) -> None:
    record = factories.household(DESA, members=2)
    await node.sandbox.add_members([record])
    sha = await upload_minutes(node)
    approved = await walk(node, {"newHousehold": household_input(record)}, musdes={
        "heldOn": "2026-01-15", "minutesNumber": "BA/12/2026", "minutesSha256": sha})
    assert [c["outcome"] for c in approved["nikChecks"]] == ["MATCH", "MATCH"]
    household, members, _ = await household_rows(node, int(approved["householdId"]))
    assert (household.kk_number, household.desa_code, household.status) == (
        record.kk_number, DESA, "PROPOSED")
    assert [(m.nik, m.name, m.match_status) for m in members] == [
        (m.nik, m.name, "MATCH") for m in record.members]


async def test_new_member(node: Node) -> None:
    household_id, record = await registered(node)
    baby = factories.household(DESA, members=3).members[2]
    await node.sandbox.add(resident(baby, record.kk_number))
    await walk(node, {"newMember": {"householdId": str(household_id),
                                    "member": member_input(baby)}})
    household, members, _ = await household_rows(node, household_id)
    assert household.version == 2
    assert [m.nik for m in members] == [m.nik for m in record.members] + [baby.nik]
    assert (members[-1].name, members[-1].match_status) == (baby.name, "MATCH")


async def test_data_correction(node: Node) -> None:
    household_id, record = await registered(node)
    _, members, _ = await household_rows(node, household_id)
    renamed = members[1]
    await node.sandbox.add(resident(dataclass_with(record.members[1], name="Siti Rahmawati"),
                                    record.kk_number))
    await walk(node, {"dataCorrection": {
        "householdId": str(household_id), "baseVersion": 1,
        "household": {"address": "Jl. Baru No. 7", "desil": 1, "toilet": "SHARED"},
        "members": [{"memberId": str(renamed.id), "name": "Siti Rahmawati"}]}})
    household, members, _ = await household_rows(node, household_id)
    assert (household.address, household.desil, household.toilet, household.version) == (
        "Jl. Baru No. 7", 1, "SHARED", 2)
    assert (members[1].name, members[1].match_status) == ("Siti Rahmawati", "MATCH")
    assert members[0].name == record.members[0].name


def dataclass_with(member: Any, **changes: Any) -> Any:
    return dataclasses.replace(member, **changes)


async def test_death_ends_the_member_programs(node: Node) -> None:
    household_id, record = await registered(node, Program.PKH)
    _, members, _ = await household_rows(node, household_id)
    async with node.database.write_engine.begin() as connection:
        await connection.execute(ProgramMembership.__table__.insert().values(
            household_id=household_id, member_id=members[0].id, program="PBI_JK",
            period="2026-S1", start_date=dt.date(2026, 1, 1), active=True))
    await walk(node, {"death": {"householdId": str(household_id),
                                "memberId": str(members[0].id), "deathDate": "2026-02-03"}})
    household, members, programs = await household_rows(node, household_id)
    assert (members[0].alive, members[0].death_date) == (False, dt.date(2026, 2, 3))
    assert all(m.alive for m in members[1:])
    by_program = {p.program: p for p in programs}
    assert (by_program["PBI_JK"].active, by_program["PBI_JK"].end_date) == (
        False, dt.date(2026, 2, 3))
    assert by_program["PKH"].active  # the household's own program goes on
    assert (household.status, household.version) == ("ACTIVE", 2)


async def test_moved(node: Node) -> None:
    household_id, _ = await registered(node, Program.BPNT)
    await walk(node, {"moved": {"householdId": str(household_id), "movedOn": "2026-03-01",
                                "destination": "Kab. Garut"}})
    household, _, programs = await household_rows(node, household_id)
    assert (household.status, household.inactive_reason) == ("INACTIVE", "MOVED")
    assert [(p.active, p.end_date) for p in programs] == [(False, dt.date(2026, 3, 1))]


async def test_graduation(node: Node) -> None:
    household_id, _ = await registered(node, Program.PKH, Program.BPNT)
    await walk(node, {"graduation": {"householdId": str(household_id),
                                     "reason": "usaha warung berkembang (mampu)"}})
    household, _, programs = await household_rows(node, household_id)
    assert (household.status, household.inactive_reason) == ("INACTIVE", "GRADUATED")
    assert [p.active for p in programs] == [False, False]
    assert all(p.end_date is not None for p in programs)


async def test_program_enrolment_and_exit(node: Node) -> None:
    household_id, _ = await registered(node)
    _, members, _ = await household_rows(node, household_id)
    await walk(node, {"programEnrolment": {
        "householdId": str(household_id), "program": "PIP", "period": "2026-S1",
        "startDate": "2026-01-02", "memberId": str(members[2].id)}})
    _, _, programs = await household_rows(node, household_id)
    assert [(p.program, p.member_id, p.period, p.active) for p in programs] == [
        ("PIP", members[2].id, "2026-S1", True)]
    await walk(node, {"programExit": {
        "householdId": str(household_id), "program": "PIP", "endDate": "2026-02-01",
        "memberId": str(members[2].id)}})
    household, _, programs = await household_rows(node, household_id)
    assert [(p.active, p.end_date) for p in programs] == [(False, dt.date(2026, 2, 1))]
    assert household.version == 3


async def test_nik_anomaly_notifies_and_a_corrected_resubmission_clears_it(node: Node) -> None:
    record = factories.household(DESA, members=2)
    await node.sandbox.add_members([record])
    sha = await upload_minutes(node)
    wrong = household_input(record)
    wrong["members"][1]["name"] = "Nama Salah Ketik"
    pid = str(uuid.uuid4())
    musdes = {"heldOn": "2026-01-15", "minutesNumber": "BA/13/2026", "minutesSha256": sha}
    data(await node.call(OPERATOR, CREATE, input={
        "id": pid, "details": {"newHousehold": wrong}, "musdes": musdes}), "createProposal")
    blocked = data(await node.call(OPERATOR, SUBMIT, id=pid), "submitProposal")
    assert blocked["state"] == "NIK_ANOMALY"
    assert [c["outcome"] for c in blocked["nikChecks"]] == ["MATCH", "MISMATCH"]
    notes = data(await node.call(OPERATOR, """{ notifications(unreadOnly: true) {
        edges { node { id topic proposalId message } } } }"""), "notifications")["edges"]
    assert [(n["node"]["topic"], n["node"]["proposalId"]) for n in notes] == [
        ("NIK_ANOMALY", pid)]
    assert "tidak padan" in notes[0]["node"]["message"]
    assert record.members[1].nik not in notes[0]["node"]["message"]  # masked

    fixed = data(await node.call(OPERATOR, RESUBMIT, id=pid, details={
        "newHousehold": household_input(record)}), "resubmitProposal")
    assert fixed["state"] == "NIK_VALID"
    assert fixed["musdes"] == {"minutesSha256": sha}
    assert [e["toState"] for e in fixed["history"]] == [
        "DRAFT", "SUBMITTED", "NIK_ANOMALY", "SUBMITTED", "NIK_VALID"]


async def test_registry_down_leaves_the_proposal_submitted(node: Node) -> None:
    household_id, record = await registered(node)
    baby = factories.household(DESA, members=3).members[2]
    await node.sandbox.add(resident(baby, record.kk_number))
    await node.sandbox.faults(fail_rate=1.0, fail_status=503)
    pid = str(uuid.uuid4())
    data(await node.call(OPERATOR, CREATE, input={"id": pid, "details": {"newMember": {
        "householdId": str(household_id), "member": member_input(baby)}}}), "createProposal")
    waiting = data(await node.call(OPERATOR, SUBMIT, id=pid), "submitProposal")
    assert (waiting["state"], waiting["nikChecks"]) == ("SUBMITTED", None)
    await node.sandbox.clear_faults()
    run = await check_waiting_proposals(node.database, node.client.app[POPULATION_REGISTRY])
    assert run.checked == [pid]
    checked = data(await node.call(OPERATOR, "query($id: ID!) { proposal(id: $id) { state } }",
                                   id=pid), "proposal")
    assert checked == {"state": "NIK_VALID"}


async def test_create_is_idempotent_by_client_id(node: Node) -> None:
    household_id, _ = await registered(node)
    details = {"graduation": {"householdId": str(household_id), "reason": "mampu"}}
    pid = str(uuid.uuid4())
    first = data(await node.call(OPERATOR, CREATE, input={"id": pid, "details": details}),
                 "createProposal")
    again = data(await node.call(OPERATOR, CREATE, input={"id": pid, "details": details}),
                 "createProposal")
    assert first == again and len(again["history"]) == 1
    other = await node.call(OPERATOR, CREATE, input={"id": pid, "details": {
        "graduation": {"householdId": str(household_id), "reason": "lain"}}})
    assert other["errors"][0]["extensions"]["code"] == "CONFLICT"
