"""Matching stored members against the sandbox registry over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Collection
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditEntry, Member
from regional_node.domain.population_registry import (
    IdentityQuery,
    MatchResult,
)
from regional_node.errors import RegistryUnavailable
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.nik_matching import (
    AUDIT_ACTION,
    PersonToCheck,
    RegistryPersonMatcher,
    check_persons,
    match_members,
)
from schema.enums import MatchStatus
from siks.cli import main
from tests.factories import household
from tests.node.helpers import TEST_ACTOR, store
from tests.registry.sandbox import Sandbox, running_sandbox


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with running_sandbox(tmp_path) as running:
        yield running


async def statuses(database: Database) -> dict[str, str]:
    async with database.reader() as session:
        rows = await session.execute(select(Member.nik, Member.match_status))
        return {nik: status for nik, status in rows}


async def audit_count(database: Database) -> int:
    async with database.reader() as session:
        return int((await session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == AUDIT_ACTION))).scalar_one())


async def test_every_outcome_is_stored_and_audited_once(database: Database,
                                                        sandbox: Sandbox) -> None:
    [family] = records = [household(members=5)]
    await store(database, records)
    a, b, c, d, e = family.members
    await sandbox.add_members(records)
    await sandbox.add({"nik": b.nik, "name": b.name + "x", "birth_date": str(b.birth_date),
                       "sex": "female"},
                      {"nik": c.nik, "name": c.name, "sex": "male", "kk_number": family.kk_number,
                       "birth_date": str(c.birth_date + dt.timedelta(days=3))},
                      {"nik": d.nik, "name": d.name, "birth_date": str(d.birth_date),
                       "sex": "female", "deceased": True})
    async with sandbox.http.delete(f"{sandbox.url}/_sandbox/residents/{e.nik}"):
        pass
    async with sandbox.client() as registry:
        run = await match_members(database, registry, actor=TEST_ACTOR)
    assert await statuses(database) == {a.nik: "MATCH", b.nik: "MISMATCH", c.nik: "MISMATCH",
                                        d.nik: "DECEASED", e.nik: "NOT_FOUND"}
    assert (run.selected, run.checked, run.changed, run.complete) == (5, 5, 5, True)
    assert await audit_count(database) == 5
    async with sandbox.client() as registry:
        again = await match_members(database, registry, actor=TEST_ACTOR)
    assert (again.checked, again.changed) == (5, 0)  # re-runnable: nothing changes twice
    assert await audit_count(database) == 5
    assert (await verify_audit_chain(database)).ok


async def test_registry_down_mid_batch_keeps_what_was_answered(database: Database,
                                                               sandbox: Sandbox) -> None:
    records = [household(members=5) for _ in range(60)]  # 300 people
    await store(database, records)
    await sandbox.add_members(records)
    await sandbox.faults(down_after=7)  # 7 requests of 20 answered, then down
    async with sandbox.client(batch_size=20, concurrency=1, attempts=2) as registry:
        run = await match_members(database, registry, actor=TEST_ACTOR, chunk_size=100)
    assert isinstance(run.stopped, RegistryUnavailable)
    assert (run.selected, run.checked, run.remaining) == (300, 140, 160)
    assert Counter((await statuses(database)).values()) == {"MATCH": 140, "UNCHECKED": 160}
    assert await audit_count(database) == 140

    await sandbox.clear_faults()
    await sandbox.reset_stats()
    async with sandbox.client(batch_size=20) as registry:
        rerun = await match_members(database, registry, actor=TEST_ACTOR, only_unchecked=True)
    assert (rerun.selected, rerun.checked, rerun.complete) == (160, 160, True)
    assert (await sandbox.stats())["search_items"] == 160  # answered ones not asked again
    assert Counter((await statuses(database)).values()) == {"MATCH": 300}
    assert await audit_count(database) == 300  # one entry per member: none lost, none twice
    assert (await verify_audit_chain(database)).ok


async def test_registry_timing_out_mid_batch(database: Database, sandbox: Sandbox) -> None:
    records = [household(members=4) for _ in range(10)]  # 40 people
    await store(database, records)
    await sandbox.add_members(records)
    await sandbox.faults(down_after=1, down_mode="hang")
    async with sandbox.client(batch_size=10, concurrency=1, attempts=2,
                              timeout_s=0.2) as registry:
        run = await match_members(database, registry, actor=TEST_ACTOR)
    assert isinstance(run.stopped, RegistryUnavailable)
    assert "no answer within 0.2 s" in run.stopped.message
    assert Counter((await statuses(database)).values()) == {"MATCH": 10, "UNCHECKED": 30}
    await sandbox.clear_faults()
    async with sandbox.client(batch_size=10) as registry:
        rerun = await match_members(database, registry, actor=TEST_ACTOR)
    assert (rerun.checked, rerun.changed) == (40, 30)
    assert await audit_count(database) == 40


async def test_selection_by_member_ids_and_only_unchecked(database: Database,
                                                          sandbox: Sandbox) -> None:
    records = [household(members=3) for _ in range(3)]
    ids = await store(database, records)
    await sandbox.add_members(records)
    async with database.reader() as session:
        member_ids = list((await session.execute(
            select(Member.id).where(Member.household_id == ids[0]))).scalars())
    async with sandbox.client() as registry:
        first = await match_members(database, registry, actor=TEST_ACTOR, member_ids=member_ids)
        assert (first.selected, first.changed) == (3, 3)
        rest = await match_members(database, registry, actor=TEST_ACTOR, only_unchecked=True)
        assert (rest.selected, rest.changed) == (6, 6)


async def test_a_member_edited_during_the_check_is_left_for_the_next_run(
        database: Database, sandbox: Sandbox) -> None:
    records = [household(members=2)]
    await store(database, records)
    await sandbox.add_members(records)
    edited = records[0].members[1]

    class EditsWhileChecking:
        def __init__(self, inner: object) -> None:
            self.inner = inner

        async def check(self, requests: list[IdentityQuery]) -> list[MatchResult]:
            async with database.writer() as session, session.begin():
                await session.execute(update(Member).where(Member.nik == edited.nik)
                                      .values(name="Nama Baru"))
            return await self.inner.check(requests)  # type: ignore[attr-defined]

    async with sandbox.client() as registry:
        run = await match_members(database, EditsWhileChecking(registry), actor=TEST_ACTOR)
    assert (run.checked, run.stale) == (1, 1)
    assert (await statuses(database))[edited.nik] == "UNCHECKED"


async def test_check_persons_decides_duplicates_from_the_node_data(
        database: Database, sandbox: Sandbox) -> None:
    stored = household(members=2)
    [household_id] = await store(database, [stored])
    newcomer = household(members=2)
    await sandbox.add_members([stored, newcomer])
    old, other = stored.members
    new_a, new_b = newcomer.members

    def person(member: object, household: int | None = None) -> PersonToCheck:
        return PersonToCheck(member.nik, member.name, member.birth_date,  # type: ignore[attr-defined]
                             household_id=household)

    class Elsewhere:
        async def registered_elsewhere(self, niks: Collection[str]) -> set[str]:
            return {new_b.nik} & set(niks)

    await sandbox.reset_stats()
    async with sandbox.client() as registry:
        outcomes = await check_persons(database, registry, [
            person(old),  # a new household claiming a NIK stored in another one
            person(other, household_id),  # a correction inside its own household
            person(new_a), person(new_a),  # the same NIK twice in one check
            person(new_b),  # registered in another region
        ], directory=Elsewhere())
    assert [o.status for o in outcomes] == [MatchStatus.DUPLICATE, MatchStatus.MATCH,
                                            MatchStatus.DUPLICATE, MatchStatus.DUPLICATE,
                                            MatchStatus.DUPLICATE]
    assert "another household" in outcomes[0].detail and stored.kk_number in outcomes[0].detail
    assert "another region" in outcomes[4].detail
    assert [o.anomaly for o in outcomes] == [True, False, True, True, True]
    assert (await sandbox.stats())["search_items"] == 1  # duplicates are never sent
    assert await audit_count(database) == 0  # check_persons writes nothing
    assert set((await statuses(database)).values()) == {"UNCHECKED"}


async def test_check_persons_raises_when_the_registry_is_down(database: Database,
                                                              sandbox: Sandbox) -> None:
    member = household(members=1).members[0]
    await sandbox.faults(down=True)
    async with sandbox.client(attempts=2) as registry:
        with pytest.raises(RegistryUnavailable):
            await check_persons(database, registry, [
                PersonToCheck(member.nik, member.name, member.birth_date)])
        matcher = RegistryPersonMatcher(database, registry)
        assert await matcher.match_person(
            PersonToCheck(member.nik, member.name, member.birth_date)) is None
    await sandbox.clear_faults()
    await sandbox.add_members([household(members=1)])
    async with sandbox.client() as registry:
        matcher = RegistryPersonMatcher(database, registry)
        unknown = PersonToCheck(member.nik, "Orang Lain", member.birth_date)
        assert await matcher.match_person(unknown) is MatchStatus.NOT_FOUND


async def test_cli_match_nik(database: Database, database_url: str, sandbox: Sandbox,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    records = [household(members=3) for _ in range(4)]
    await store(database, records)
    await sandbox.add_members(records[:3])
    monkeypatch.setenv("SIKS_NODE_DUKCAPIL_ATTEMPTS", "1")
    argv = ["node", "match-nik", "--db", database_url, "--region", "32.73",
            "--registry-url", sandbox.url, "--batch-size", "5"]
    assert await asyncio.to_thread(main, argv) == 0
    out = capsys.readouterr().out
    assert "checked 12 of 12 members (MATCH 9, NOT_FOUND 3); 12 status changes" in out
    assert sandbox.envelopes[0]["header"]["sender_id"] == "siks-node-32.73"

    await sandbox.faults(down=True)
    assert await asyncio.to_thread(main, argv + ["--only-unchecked"]) == 0  # nothing to do
    await database.dispose()
    async with database.writer() as session, session.begin():
        await session.execute(update(Member).values(match_status="UNCHECKED"))
    assert await asyncio.to_thread(main, argv) == 1
    err = capsys.readouterr().err
    assert "siks: error: population registry" in err and "12 members left" in err
    elsewhere = [a if a != "32.73" else "35.78" for a in argv]
    assert await asyncio.to_thread(main, elsewhere) == 2
    assert "belongs to region 32.73" in capsys.readouterr().err
