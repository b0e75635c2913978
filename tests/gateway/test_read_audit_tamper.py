"""The records a read operation names (``gateway_read_record``) are as tamper-evident as the
chain itself, on SQLite and PostgreSQL: the table is append-only, and verification recomputes
every read entry's digest from its rows, so a row edited, deleted, added or moved, or a row
hung on an entry that read nothing, is found at the first entry concerned."""

from __future__ import annotations

import sqlite3

import asyncpg
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DBAPIError

from gateway.adapters.database import Database
from gateway.federation.directory import NikDirectoryKey
from gateway.inbox.audit import AuditNote, audit_alone, reads_digest, verify_gateway_chain
from gateway.service_layer.read_audit import read_rows, readers_of, record_reads
from gateway.service_layer.read_audit_writer import ReadAuditWriter
from schema.roles import Principal, Role

KEY = NikDirectoryKey.from_secret("test-directory-secret-0123456789abcdef")
KEMENSOS = Principal("user:kemensos", Role.KEMENSOS)
NIK = "3273014101900001"


async def _history(database: Database) -> None:
    """Entry 1: a read of 3 records and a NIK; 2: a user creation (no reads); 3: a read of 2."""
    await record_reads(ReadAuditWriter(database), KEY, KEMENSOS, [("household", "32.73:1"),
                                                 ("member", "32.73:10"),
                                                 ("member", "32.73:11")], [NIK],
                       operation_name="Plan", query="{ households { … } }")
    await audit_alone(database, AuditNote("cli:admin", "user.create", "gateway_user", "7",
                                          {"role": "MITRA"}))
    await record_reads(ReadAuditWriter(database), KEY, KEMENSOS, [("household", "32.73:2"),
                                                 ("member", "32.73:20")], [],
                       operation_name=None, query="{ household { … } }")


async def _tamper(database: Database, *statements: str) -> None:
    """What an attacker with database access could do: lift the guards, then rewrite."""
    lift = (["DROP TRIGGER gateway_read_record_no_update",
             "DROP TRIGGER gateway_read_record_no_delete",
             "DROP TRIGGER gateway_audit_entry_no_update"]
            if database.dialect == "sqlite"
            else ["ALTER TABLE gateway_read_record DISABLE TRIGGER "
                  "gateway_read_record_append_only",
                  "ALTER TABLE gateway_audit_entry DISABLE TRIGGER "
                  "gateway_audit_entry_append_only"])
    async with database.writer() as session, session.begin():
        for statement in [*lift, *statements]:
            await session.execute(text(statement))


async def test_a_clean_history_verifies(gateway_database):
    await _history(gateway_database)
    report = await verify_gateway_chain(gateway_database)
    assert report.ok and report.verified == 3 and report.head_seq == 3
    assert [r.seq for r in await readers_of(gateway_database, "32.73:1")] == [1]
    assert [r.seq for r in await readers_of(gateway_database, "32.73:20", "member")] == [3]
    assert [r.seq for r in await readers_of(gateway_database, KEY.key_of(NIK), "nik")] == [1]
    assert await readers_of(gateway_database, "32.73:10", "household") == []


@pytest.mark.parametrize("statement", [
    "UPDATE gateway_read_record SET record_id = '32.73:99' WHERE entry_seq = 1",
    "DELETE FROM gateway_read_record WHERE entry_seq = 3",
])
async def test_the_database_refuses_to_rewrite_read_records(gateway_database, statement):
    await _history(gateway_database)
    with pytest.raises(DBAPIError, match="append-only"):
        async with gateway_database.writer() as session, session.begin():
            await session.execute(text(statement))
    assert (await verify_gateway_chain(gateway_database)).ok


EDITED = "the records it read were altered"


@pytest.mark.parametrize(("statements", "seq", "message"), [
    (["UPDATE gateway_read_record SET record_id = '32.73:99' "
      "WHERE entry_seq = 1 AND position = 0"], 1, EDITED),
    (["UPDATE gateway_read_record SET kind = 'household' "
      "WHERE entry_seq = 3 AND position = 1"], 3, EDITED),
    (["UPDATE gateway_read_record SET nik_key = NULL WHERE kind = 'nik'"], 1, EDITED),
    (["DELETE FROM gateway_read_record WHERE entry_seq = 3 AND position = 1"], 3, EDITED),
    (["DELETE FROM gateway_read_record WHERE entry_seq = 1"], 1, EDITED),
    (["INSERT INTO gateway_read_record (entry_seq, position, kind, record_id) "
      "VALUES (3, 2, 'household', '32.73:5')"], 3, EDITED),
    (["UPDATE gateway_read_record SET position = 9 WHERE entry_seq = 1 AND position = 0"],
     1, EDITED),  # moved to the end of its list: the order read is part of the digest
    (["UPDATE gateway_read_record SET entry_seq = 3, position = 7 "
      "WHERE entry_seq = 1 AND position = 2"], 1, EDITED),  # moved to another entry
    (["INSERT INTO gateway_read_record (entry_seq, position, kind, record_id) "
      "VALUES (2, 0, 'household', '32.73:5')"], 2, "for an entry that read none"),
])
async def test_tampering_with_read_records_is_detected(gateway_database, statements, seq,
                                                        message):
    await _history(gateway_database)
    await _tamper(gateway_database, *statements)
    report = await verify_gateway_chain(gateway_database)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.reason) == (seq, "altered")
    assert message in report.first_break.message
    assert report.verified == seq - 1


async def test_a_covered_up_digest_breaks_the_chain(gateway_database):
    """Rewriting the entry's detail to match edited rows breaks its hash instead."""
    await _history(gateway_database)
    forged = [(k, "32.73:99" if i == 0 else r, n)
              for i, (k, r, n) in enumerate(read_rows(KEY, [("household", "32.73:2"),
                                                            ("member", "32.73:20")], []))]
    await _tamper(gateway_database,
                  "UPDATE gateway_read_record SET record_id = '32.73:99' "
                  "WHERE entry_seq = 3 AND position = 0",
                  "UPDATE gateway_audit_entry SET detail = "
                  f"'{{\"reads\": 2, \"readsDigest\": \"{reads_digest(forged)}\"}}' "
                  "WHERE seq = 3")
    report = await verify_gateway_chain(gateway_database)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.message) == (
        3, "entry 3: its detail was altered")


async def test_records_of_an_entry_not_in_the_chain_are_detected(gateway_database):
    """Rows hung on a sequence number no entry has (the foreign key lifted first)."""
    await _history(gateway_database)
    insert = ("INSERT INTO gateway_read_record (entry_seq, position, kind, record_id) "
              "VALUES (40, 0, 'household', '32.73:5')")
    url = make_url(gateway_database.url)
    if gateway_database.dialect == "sqlite":
        connection = sqlite3.connect(str(url.database))  # foreign keys are off by default
        connection.execute(insert)
        connection.commit()
        connection.close()
    else:
        raw = await asyncpg.connect(user=url.username, host=url.host, port=url.port,
                                    database=url.database)
        try:
            await raw.execute("ALTER TABLE gateway_read_record DROP CONSTRAINT "
                              "fk_gateway_read_record_entry_seq_gateway_audit_entry")
            await raw.execute(insert)
        finally:
            await raw.close()
    report = await verify_gateway_chain(gateway_database)
    assert report.first_break is not None
    assert (report.first_break.seq, report.first_break.reason) == (40, "altered")
    assert "which is not in the chain" in report.first_break.message
