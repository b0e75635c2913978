"""The audit log is append-only and tamper-evident, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditEntry, Household
from regional_node.domain.audit import Actor
from regional_node.errors import Duplicate, InvalidRecord
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.unit_of_work import UnitOfWork
from siks.cli import main as siks
from tests import factories
from tests.node.helpers import store


async def _five_entries(database: Database) -> None:
    for _ in range(5):
        await store(database, [factories.household()])


async def _tamper(database: Database, *statements: str) -> None:
    """What an attacker with database access could do: lift the guard, then rewrite."""
    lift = (["DROP TRIGGER audit_entry_no_update", "DROP TRIGGER audit_entry_no_delete"]
            if database.dialect == "sqlite"
            else ["ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"])
    async with database.writer() as session, session.begin():
        for statement in [*lift, *statements]:
            await session.execute(text(statement))


async def test_every_write_leaves_one_linked_entry(database):
    await _five_entries(database)
    report = await verify_audit_chain(database)
    assert report.ok and report.verified == 5 and report.head_seq == 5
    async with database.reader() as session:
        entries = (await session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars()
        entries = list(entries)
    assert [e.action for e in entries] == ["household.register"] * 5
    assert all(e.actor == "test:operator" and e.role == "DINSOS" for e in entries)
    assert all(e.after_digest and e.before_digest is None for e in entries)
    assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]


@pytest.mark.parametrize("statement", ["UPDATE audit_entry SET actor = 'x' WHERE seq = 1",
                                       "DELETE FROM audit_entry WHERE seq = 1"])
async def test_the_database_refuses_to_rewrite_entries(database, statement):
    await _five_entries(database)
    with pytest.raises(DBAPIError, match="append-only"):
        async with database.writer() as session, session.begin():
            await session.execute(text(statement))
    assert (await verify_audit_chain(database)).ok


@pytest.mark.parametrize(("statements", "seq", "reason"), [
    (["UPDATE audit_entry SET actor = 'someone-else' WHERE seq = 3"], 3, "altered"),
    (["UPDATE audit_entry SET after_digest = before_digest WHERE seq = 1"], 1, "altered"),
    (["DELETE FROM audit_entry WHERE seq = 3"], 3, "missing"),
    (["UPDATE audit_entry SET seq = 100 WHERE seq = 2",
      "UPDATE audit_entry SET seq = 2 WHERE seq = 3",
      "UPDATE audit_entry SET seq = 3 WHERE seq = 100"], 2, "relinked"),
    (["DELETE FROM audit_entry WHERE seq = 5"], 5, "truncated"),
])
async def test_tampering_is_detected_at_the_first_broken_entry(database, statements, seq, reason):
    await _five_entries(database)
    await _tamper(database, *statements)
    report = await verify_audit_chain(database)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.reason) == (seq, reason)
    assert report.verified == seq - 1


async def test_audit_verify_command(database_url, database, capsys):
    await _five_entries(database)
    assert await asyncio.to_thread(siks, ["audit", "verify", "--db", database_url]) == 0
    assert "audit chain OK: 5 entries" in capsys.readouterr().out
    await _tamper(database, "UPDATE audit_entry SET role = 'KEMENSOS' WHERE seq = 4")
    assert await asyncio.to_thread(siks, ["audit", "verify", "--db", database_url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("audit chain BROKEN at entry 4: entry 4 was altered")
    assert len(err.strip().splitlines()) == 1


async def test_concurrent_writers_keep_one_chain(database):
    await asyncio.gather(*(store(database, [factories.household()]) for _ in range(8)))
    report = await verify_audit_chain(database)
    assert report.ok and report.verified == 8


async def test_a_refused_write_stores_nothing_not_even_audit(database):
    first = factories.household()
    await store(database, [first])
    clash = factories.household()
    clash.kk_number = first.kk_number
    bad = factories.household()
    bad.members[0].nik = "3273015705900000"
    with pytest.raises(Duplicate, match=f"KK {first.kk_number}"):
        await store(database, [factories.household(), clash])
    with pytest.raises(InvalidRecord) as caught:
        await store(database, [factories.household(), bad])
    assert caught.value.problems[0].field == "nik"
    async with database.reader() as session:
        assert (await session.execute(select(func.count()).select_from(Household))).scalar() == 1
    report = await verify_audit_chain(database)
    assert report.ok and report.verified == 1


async def test_a_unit_of_work_committing_twice_links_after_other_writers(database):
    """The chain's head is held for one transaction only: a unit of work that commits, then
    writes and commits again, links its second entry after what others wrote meanwhile."""
    actor = Actor("user:operator", "OPERATOR_DESA")
    async with UnitOfWork(database, actor) as uow:
        uow.audit.record("note", "test", 1, after={"n": 1})
        await uow.commit()
        await store(database, [factories.household()])  # another writer moves the head
        uow.audit.record("note", "test", 2, after={"n": 2})
        await uow.commit()
    report = await verify_audit_chain(database)
    assert report.ok and report.verified == 3
