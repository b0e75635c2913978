"""What a Dukcapil check leaves for the operator to act on (issue 15): the fields that differ
and the registry's values, kept on the member and shown to staff; a death the registry
records drafted as a death proposal for the desa's operator, once; a clean match clears it."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from regional_node.adapters.orm import Member, Notification, Proposal
from regional_node.service_layer.nik_matching import match_members
from schema.roles import Principal, Role
from tests.factories import household
from tests.node.helpers import TEST_ACTOR, error_codes, gql, store
from tests.registry.sandbox import Sandbox, resident, running_sandbox

DEATH = dt.date(2026, 9, 14)
FINDING = """query($nik: String!) { person(nik: $nik) { matchStatus alive dukcapilFinding {
  status fields registryName registryBirthDate registryKkNumber registrySex
  registryDeathDate } } }"""


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with running_sandbox(tmp_path) as running:
        yield running


async def _check(database: Any, sandbox: Sandbox, *, region: str | None = "32.73") -> Any:
    async with sandbox.client() as registry:
        return await match_members(database, registry, actor=TEST_ACTOR, node_region=region)


@pytest.fixture
async def family(node_database: Any, sandbox: Sandbox) -> Any:
    """A household of four the registry knows: the head misspelt there, the spouse recorded
    female there, the first child dead there since DEATH, the second child a clean match."""
    record = household(members=4)
    await store(node_database, [record])
    head, spouse, child, other = record.members
    await sandbox.add({**resident(head, record.kk_number), "name": head.name + " Binti"},
                      {**resident(spouse, record.kk_number),
                       "sex": "male" if spouse.sex.value == "FEMALE" else "female"},
                      {**resident(child, record.kk_number), "death_date": DEATH.isoformat()},
                      resident(other, record.kk_number))
    return record


async def test_the_registry_side_is_kept_for_staff_to_compare(node_client, node_database,
                                                               sandbox, family):
    run = await _check(node_database, sandbox)
    assert run.checked == 4
    head, spouse, child, other = family.members

    found = (await gql(node_client, FINDING, nik=head.nik))["data"]["person"]
    assert found["matchStatus"] == "MISMATCH"
    assert found["dukcapilFinding"] == {
        "status": "MISMATCH", "fields": ["name"], "registryName": head.name + " Binti",
        "registryBirthDate": None, "registryKkNumber": None, "registrySex": None,
        "registryDeathDate": None}
    sexed = (await gql(node_client, FINDING, nik=spouse.nik))["data"]["person"]
    assert sexed["matchStatus"] == "MATCH"  # another sex is reported, never a mismatch
    assert sexed["dukcapilFinding"]["fields"] == []
    assert sexed["dukcapilFinding"]["registrySex"] in ("MALE", "FEMALE")
    assert sexed["dukcapilFinding"]["registrySex"] != spouse.sex.value
    dead = (await gql(node_client, FINDING, nik=child.nik))["data"]["person"]
    assert (dead["matchStatus"], dead["alive"]) == ("DECEASED", True)
    assert dead["dukcapilFinding"]["registryDeathDate"] == DEATH.isoformat()
    clean = (await gql(node_client, FINDING, nik=other.nik))["data"]["person"]
    assert (clean["matchStatus"], clean["dukcapilFinding"]) == ("MATCH", None)


async def test_partners_never_see_the_registry_side(node_client, node_database, sandbox,
                                                    family):
    await _check(node_database, sandbox)
    partner = Principal("user:mitra", Role.MITRA, programs=("PKH",))
    body = await gql(node_client, FINDING, principal=partner, nik=family.members[0].nik)
    assert "FORBIDDEN_FIELD" in error_codes(body)
    assert (body["data"]["person"] or {}).get("dukcapilFinding") is None


async def test_a_registry_death_is_drafted_once_for_the_desa_operator(
        node_client, node_database, sandbox, family):
    child = family.members[2]
    run = await _check(node_database, sandbox)
    assert run.deaths_drafted == 1
    async with node_database.reader() as session:
        [draft] = (await session.execute(select(Proposal).where(
            Proposal.kind == "DEATH"))).scalars().all()
        member_id = (await session.execute(select(Member.id).where(
            Member.nik == child.nik))).scalar_one()
        [notice] = (await session.execute(select(Notification).where(
            Notification.proposal_id == draft.id))).scalars().all()
    assert (draft.state, draft.created_by) == ("DRAFT", "system:nik-check")
    assert draft.details["member_id"] == member_id
    assert draft.details["death_date"] == DEATH.isoformat()
    assert notice.topic == "REGISTRY_DEATH" and notice.desa_code == family.desa_code
    assert notice.message.startswith("Dukcapil mencatat") and " / Dukcapil records" in \
        notice.message

    again = await _check(node_database, sandbox)
    assert again.deaths_drafted == 0  # one draft per member while it is open

    operator = Principal("user:operator", Role.OPERATOR_DESA, family.desa_code)
    seen = await gql(node_client, "{ notifications(first: 5) { edges { node { topic "
                                  "proposalId } } } }", principal=operator)
    assert {"topic": "REGISTRY_DEATH", "proposalId": draft.id} in [
        e["node"] for e in seen["data"]["notifications"]["edges"]]
    submitted = await gql(node_client, "mutation($id: ID!) { submitProposal(id: $id) "
                                       "{ state } }", principal=operator, id=draft.id)
    assert submitted["data"]["submitProposal"]["state"] in ("SUBMITTED", "NIK_VALID",
                                                            "NIK_ANOMALY"), submitted


async def test_without_the_node_region_nothing_is_drafted(node_database, sandbox, family):
    run = await _check(node_database, sandbox, region=None)
    assert run.deaths_drafted == 0


async def test_a_clean_match_clears_the_finding(node_client, node_database, sandbox, family):
    await _check(node_database, sandbox)
    head = family.members[0]
    await sandbox.add(resident(head, family.kk_number))  # put right at Dukcapil
    await _check(node_database, sandbox)
    found = (await gql(node_client, FINDING, nik=head.nik))["data"]["person"]
    assert (found["matchStatus"], found["dukcapilFinding"]) == ("MATCH", None)


async def test_the_query_docs_dukcapil_md_prints_runs_as_printed(node_client, node_database,
                                                                sandbox, family):
    from tests.docs.runner import doc, runnable

    [printed] = [code for language, code, _ in runnable(doc("dukcapil.md"))
                 if language == "graphql"]
    await _check(node_database, sandbox)
    body = await gql(node_client, printed, nik=family.members[0].nik)
    assert "errors" not in body, body
    assert body["data"]["person"]["dukcapilFinding"]["fields"] == ["name"]


async def test_a_check_keeps_its_warnings_with_the_household_once(node_client, node_database,
                                                                  sandbox, family):
    run = await _check(node_database, sandbox)
    assert run.warnings_kept == 2
    listed = await gql(node_client, "{ householdWarnings(first: 10) { edges { node { kind "
                                    "source message english: message(language: \"en\") "
                                    "member { nik } } } } }")
    found = {(e["node"]["kind"], e["node"]["source"], e["node"]["member"]["nik"])
             for e in listed["data"]["householdWarnings"]["edges"]}
    _, spouse, child, _ = family.members
    assert found == {("DECEASED_AT_DUKCAPIL", "REGISTRY", child.nik),
                     ("SEX_DIFFERS_AT_DUKCAPIL", "REGISTRY", spouse.nik)}
    by_kind = {e["node"]["kind"]: (e["node"]["message"], e["node"]["english"])
               for e in listed["data"]["householdWarnings"]["edges"]}
    sex = by_kind["SEX_DIFFERS_AT_DUKCAPIL"]
    assert sex[0].startswith(f"jenis kelamin {spouse.name}: {spouse.sex.value} di DTKS, ")
    assert sex[1].startswith(f"{spouse.name}'s sex is {spouse.sex.value} in DTKS, ")
    death = by_kind["DECEASED_AT_DUKCAPIL"]
    assert death[0].startswith(f"{child.name} hidup di DTKS, tetapi meninggal menurut Dukcapil")
    assert death[1].startswith(f"{child.name} is alive in DTKS, deceased at Dukcapil")
    again = await _check(node_database, sandbox)
    assert again.warnings_kept == 0  # still open: not kept twice
