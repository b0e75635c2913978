"""The read audit's group commit (gateway/service_layer/read_audit_writer.py): operations that
finish together share a transaction, each keeps its own chain entry, none is answered before
its entry has committed, and a transaction that fails fails every operation in it."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import pytest
from sqlalchemy import func, make_url, select, text

from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayAuditEntry, GatewayAuditHead
from gateway.entrypoints.app import SERVICES
from gateway.federation.directory import NikDirectoryKey
from gateway.inbox.audit import verify_gateway_chain
from gateway.service_layer.read_audit import readers_of, record_reads
from gateway.service_layer.read_audit_writer import ReadAuditUnavailable, ReadAuditWriter
from schema.roles import Principal, Role
from tests import factories
from tests.gateway.identity_helpers import KEMENSOS, bearer, gql_as, secure_gateway, token_for
from tests.node.helpers import store

KEY = NikDirectoryKey.from_secret("test-directory-secret-0123456789abcdef")
STAFF = Principal("user:kemensos", Role.KEMENSOS)
POISON = "32.73:666"  # a record whose audit row makes its transaction fail at COMMIT
PAGE = "query Page { households { edges { node { kkNumber members { name } } } } }"


def _read_of(writer: ReadAuditWriter, i: int) -> Any:
    return record_reads(writer, KEY, STAFF, [("household", f"32.73:{i}"),
                                             ("member", f"32.73:{1000 + i}")], [],
                        operation_name=f"Op{i}", query="{ household { … } }")


async def _head(database: Database) -> int:
    async with database.reader() as session:
        return int((await session.execute(select(GatewayAuditHead.seq))).scalar_one())


async def _entries(database: Database) -> int:
    async with database.reader() as session:
        return int((await session.execute(select(func.count()).select_from(
            GatewayAuditEntry))).scalar_one())


async def _fail_at_commit_when_poisoned(database: Database) -> None:
    """A deferred constraint on the audit rows, checked at COMMIT: the transaction that
    carries the poisoned record fails there, after every statement succeeded."""
    if database.dialect == "sqlite":
        statements = [
            "CREATE TABLE poison_parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE poison_child (parent_id INTEGER REFERENCES poison_parent (id) "
            "DEFERRABLE INITIALLY DEFERRED)",
            f"CREATE TRIGGER poison AFTER INSERT ON gateway_read_record WHEN NEW.record_id = "
            f"'{POISON}' BEGIN INSERT INTO poison_child VALUES (1); END"]
    else:
        statements = [
            "CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION "
            "'poisoned'; END $$ LANGUAGE plpgsql",
            "CREATE CONSTRAINT TRIGGER poison AFTER INSERT ON gateway_read_record "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.record_id = "
            f"'{POISON}') EXECUTE FUNCTION poison()"]
    async with database.writer() as session, session.begin():
        for statement in statements:
            await session.execute(text(statement))


async def test_concurrent_reads_share_transactions_but_not_entries(gateway_database):
    writer = ReadAuditWriter(gateway_database)
    await _read_of(writer, 0)  # alone: a transaction of its own
    assert (writer.transactions, writer.entries) == (1, 1)
    counts = await asyncio.gather(*(_read_of(writer, i) for i in range(1, 33)))
    assert counts == [2] * 32
    assert writer.entries == 33 and writer.transactions < 1 + 32
    report = await verify_gateway_chain(gateway_database)
    assert report.ok and report.verified == 33 and report.head_seq == 33
    for i in range(33):  # each operation's records are bound to its own entry
        [reader] = await readers_of(gateway_database, f"32.73:{i}", "household")
        assert reader.attachments[0] == f"operation:Op{i}"
        assert await readers_of(gateway_database, f"32.73:{1000 + i}", "member") == [reader]


async def test_a_failing_commit_fails_every_operation_of_its_batch(gateway_database):
    writer = ReadAuditWriter(gateway_database)
    await _read_of(writer, 1)
    await _fail_at_commit_when_poisoned(gateway_database)
    poisoned = record_reads(writer, KEY, STAFF, [("household", POISON)], [],
                            operation_name="Poisoned", query="{ household { … } }")
    batch = [_read_of(writer, i) for i in range(2, 9)]
    results = await asyncio.gather(poisoned, *batch, return_exceptions=True)
    assert writer.transactions == 2  # the first read, then one batch of eight
    assert [type(r) for r in results] == [ReadAuditUnavailable] * 8
    assert all("poison" in str(r).lower() or "foreign key" in str(r).lower() for r in results)
    assert await _head(gateway_database) == 1 and await _entries(gateway_database) == 1
    assert await _read_of(writer, 9) == 2  # the next transaction is not affected
    report = await verify_gateway_chain(gateway_database)
    assert report.ok and report.head_seq == 2


@pytest.fixture
async def gateway_app(cluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    await store(cluster.nodes["32.73"].database, [factories.household(members=2)])
    return await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)


def _hold_write_lock(client: Any) -> sqlite3.Connection:
    """Another writer on the gateway's SQLite file: the audit's next transaction waits."""
    path = make_url(client.app[SERVICES].database.url).database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


async def _until_queued(writer: ReadAuditWriter, count: int) -> None:
    for _ in range(500):
        if writer.waiting >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"only {writer.waiting} operations queued, expected {count}")


async def test_no_answer_leaves_before_its_entry_is_committed(gateway_app):
    writer: ReadAuditWriter = gateway_app.app[SERVICES].read_audit
    holder = _hold_write_lock(gateway_app)
    requests = [asyncio.create_task(gql_as(gateway_app, PAGE, KEMENSOS)) for _ in range(12)]
    await _until_queued(writer, 11)  # one transaction waits for the lock, eleven behind it
    await asyncio.sleep(0.2)
    assert not any(r.done() for r in requests)  # every node answered; nothing was sent
    holder.rollback()
    holder.close()
    bodies = await asyncio.gather(*requests)
    assert all(len(b["data"]["households"]["edges"]) == 1 for b in bodies)
    assert (writer.entries, writer.transactions) == (12, 2)
    database = gateway_app.app[SERVICES].database
    report = await verify_gateway_chain(database)
    assert report.ok and report.head_seq == 12
    async with database.reader() as session:
        names = (await session.execute(select(GatewayAuditEntry.entity_id))).scalars().all()
    assert names == ["Page"] * 12
    scraped = await gateway_app.get("/metrics",
                                    headers=bearer(token_for(gateway_app, KEMENSOS)))
    text = await scraped.text()
    assert "siks_gateway_read_audit_entries_total 12\n" in text
    assert "siks_gateway_read_audit_transactions_total 2\n" in text


async def test_when_a_batch_cannot_be_written_none_of_its_requests_gets_data(gateway_app):
    writer: ReadAuditWriter = gateway_app.app[SERVICES].read_audit
    holder = _hold_write_lock(gateway_app)
    requests = [asyncio.create_task(gql_as(gateway_app, PAGE, KEMENSOS)) for _ in range(6)]
    await _until_queued(writer, 5)
    holder.execute("DROP TABLE gateway_read_record")  # what the waiting transactions need
    holder.execute("COMMIT")
    holder.close()
    for body in await asyncio.gather(*requests):
        assert body.get("data") is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["AUDIT_UNAVAILABLE"]
    assert writer.transactions == 2 and writer.entries == 0
    assert await _head(gateway_app.app[SERVICES].database) == 0
