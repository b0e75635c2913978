"""The gateway's append-only audit log: the same hash chain as the nodes'
(:mod:`schema.audit_chain`), in ``gateway_audit_entry`` with its tip in ``gateway_audit_head``.

Entries are appended inside the caller's transaction; writers serialise on the head row
(``SELECT … FOR UPDATE`` on PostgreSQL, the write lock on SQLite). ``detail`` (say, the code
and reason of a refused submission) is stored beside the entry and covered by its hash through
``after_digest``.

A read operation (``append_reads``) is one entry whose ``detail`` holds the digest of what it
read (``readsDigest``: SHA-256 over the canonical JSON of its ``[kind, record id, NIK key]``
rows, in order); the rows themselves go to ``gateway_read_record`` in the same transaction,
so verification recomputes each such entry's digest from its rows.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayAuditEntry, GatewayAuditHead, GatewayReadRecord
from schema.audit_chain import (
    AuditFields,
    ChainBreak,
    StoredEntry,
    canonical_json,
    digest,
    entry_hash,
    timestamp,
    verify_chain,
)

INBOX_ACTOR_ROLE = "SYSTEM"
_ENTRIES = cast(Table, GatewayAuditEntry.__table__)  # Core inserts: no ORM work per row
_READ_RECORDS = cast(Table, GatewayReadRecord.__table__)
_NO_DETAIL = digest({})
READS_DIGEST = "readsDigest"  # in the detail of an entry that owns gateway_read_record rows

ReadRow = tuple[str, str, str | None]  # (kind, record id, NIK key)
_READ_COLUMNS = ("entry_seq", "position", "kind", "record_id", "nik_key")
_MARKS = {"qmark": "?, ?, ?, ?, ?", "numeric_dollar": "$1, $2, $3, $4, $5",
          "format": "%s, %s, %s, %s, %s"}


@dataclass(frozen=True, slots=True)
class AuditNote:
    actor: str
    action: str
    entity_type: str
    entity_id: str
    detail: Mapping[str, Any]
    role: str = INBOX_ACTOR_ROLE  # a user's role for reads and user management
    attachments: tuple[str, ...] = ()  # e.g. operation:<name>, query:<sha256> for reads


_HEAD = (select(GatewayAuditHead.seq, GatewayAuditHead.entry_hash)
         .where(GatewayAuditHead.id == 1).with_for_update())


def _linked(seq: int, prev: str, notes: list[AuditNote]
            ) -> tuple[list[dict[str, Any]], Any]:
    """The rows of ``notes`` linked after entry ``seq`` (hash ``prev``), and the statement
    that moves the head onto the last of them."""
    ts, rows = timestamp(), []
    for note in notes:
        seq += 1
        fields = AuditFields(seq, ts, note.actor, note.role, note.action[:64],
                             note.entity_type, note.entity_id[:64], None,
                             digest(note.detail) if note.detail else _NO_DETAIL,
                             tuple(note.attachments))
        current = entry_hash(prev, fields)
        rows.append({"seq": seq, "ts": ts, "actor": fields.actor, "role": fields.role,
                     "action": fields.action, "entity_type": fields.entity_type,
                     "entity_id": fields.entity_id, "before_digest": None,
                     "after_digest": fields.after_digest,
                     "attachments": list(fields.attachments),
                     "prev_hash": prev, "entry_hash": current, "detail": dict(note.detail)})
        prev = current
    return rows, (update(GatewayAuditHead).where(GatewayAuditHead.id == 1)
                  .values(seq=seq, entry_hash=prev))


async def append(session: AsyncSession, notes: list[AuditNote]) -> int | None:
    """Link ``notes`` onto the chain inside the session's open transaction; returns the
    sequence number of the last one (None: no notes, nothing written)."""
    if not notes:
        return None
    seq, prev = (await session.execute(_HEAD)).one()
    rows, move_head = _linked(seq, prev, notes)
    await session.execute(insert(_ENTRIES), rows)
    await session.execute(move_head)
    return int(rows[-1]["seq"])


def reads_digest(rows: Sequence[ReadRow]) -> str:
    """The digest of what a read operation read, in order."""
    return hashlib.sha256(canonical_json([list(row) for row in rows])).hexdigest()


def append_reads(connection: Connection,
                 operations: Sequence[tuple[AuditNote, Sequence[ReadRow]]]) -> list[int]:
    """One entry per read operation, linked in order (each ``detail`` gains the count and
    digest of its rows), and all their rows in ``gateway_read_record`` (one bulk insert),
    inside the connection's open transaction (the writer's: ``Database.run_sync(...,
    write=True)``); returns each operation's seq. Several operations in one transaction is
    the read audit's group commit (:mod:`gateway.service_layer.read_audit_writer`)."""
    if not operations:
        return []
    notes = [AuditNote(note.actor, note.action, note.entity_type, note.entity_id,
                       {**note.detail, "reads": len(rows), READS_DIGEST: reads_digest(rows)},
                       note.role, note.attachments) for note, rows in operations]
    if connection.dialect.name == "sqlite":
        return _append_reads_sqlite(connection, notes, operations)
    seq, prev = connection.execute(_HEAD).one()
    entries, move_head = _linked(seq, prev, notes)
    connection.execute(insert(_ENTRIES), entries)
    values = _read_values(entries, operations)
    if values:
        marks = _MARKS.get(connection.dialect.paramstyle)
        if marks is None:
            connection.execute(insert(_READ_RECORDS), [dict(zip(_READ_COLUMNS, v, strict=True))
                                                       for v in values])
        else:  # the driver's executemany: no per-row parameter processing (~1 ms a page)
            connection.exec_driver_sql(_INSERT_READS.format(marks=marks), values)
    connection.execute(move_head)
    return [int(entry["seq"]) for entry in entries]


_INSERT_READS = (f"INSERT INTO gateway_read_record ({', '.join(_READ_COLUMNS)}) "
                 "VALUES ({marks})")
_ENTRY_COLUMNS = ("seq", "ts", "actor", "role", "action", "entity_type", "entity_id",
                  "before_digest", "after_digest", "attachments", "prev_hash", "entry_hash",
                  "detail")
_JSON_COLUMNS = frozenset({"attachments", "detail"})
_SQLITE_HEAD = "SELECT seq, entry_hash FROM gateway_audit_head WHERE id = 1"
_SQLITE_INSERT_ENTRIES = (f"INSERT INTO gateway_audit_entry ({', '.join(_ENTRY_COLUMNS)}) "
                          f"VALUES ({', '.join('?' * len(_ENTRY_COLUMNS))})")
_SQLITE_MOVE_HEAD = "UPDATE gateway_audit_head SET seq = ?, entry_hash = ? WHERE id = 1"


def _read_values(entries: Sequence[Mapping[str, Any]],
                 operations: Sequence[tuple[AuditNote, Sequence[ReadRow]]]
                 ) -> list[tuple[Any, ...]]:
    return [(entry["seq"], position, kind, record_id, nik_key)
            for entry, (_, rows) in zip(entries, operations, strict=True)
            for position, (kind, record_id, nik_key) in enumerate(rows)]


def _append_reads_sqlite(connection: Connection, notes: list[AuditNote],
                         operations: Sequence[tuple[AuditNote, Sequence[ReadRow]]]
                         ) -> list[int]:
    """:func:`append_reads` on SQLite: the same statements and values, straight on the
    stdlib driver's cursor inside the same transaction (SQLAlchemy's per-statement work
    was ~0.5 ms of a ~1 ms audit transaction; issue 13). JSON columns are written by the
    dialect's JSON serializer, as the ORM writes them."""
    write_json = getattr(connection.dialect, "_json_serializer", None) or json.dumps
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        seq, prev = cursor.execute(_SQLITE_HEAD).fetchone()
        entries, _ = _linked(seq, prev, notes)
        cursor.executemany(_SQLITE_INSERT_ENTRIES, [
            tuple(write_json(entry[c]) if c in _JSON_COLUMNS else entry[c]
                  for c in _ENTRY_COLUMNS) for entry in entries])
        values = _read_values(entries, operations)
        if values:
            cursor.executemany(_INSERT_READS.format(marks=_MARKS["qmark"]), values)
        cursor.execute(_SQLITE_MOVE_HEAD, (entries[-1]["seq"], entries[-1]["entry_hash"]))
    finally:
        cursor.close()
    return [int(entry["seq"]) for entry in entries]


async def audit_alone(database: Database, note: AuditNote) -> None:
    """One entry in its own transaction (a refusal: nothing else is written)."""
    async with database.writer() as session, session.begin():
        await append(session, [note])


@dataclass(frozen=True, slots=True)
class GatewayChainReport:
    verified: int
    head_seq: int
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


async def verify_gateway_chain(database: Database) -> GatewayChainReport:
    """Recompute the chain; a ``detail`` that no longer matches its digest, or read records
    (``gateway_read_record``) that no longer match their entry's digest, count as altered."""
    async with database.reader() as session, session.begin():
        head = (await session.execute(select(GatewayAuditHead)
                                      .where(GatewayAuditHead.id == 1))).scalar_one()
        rows = (await session.execute(select(GatewayAuditEntry)
                                      .order_by(GatewayAuditEntry.seq))).scalars().all()
        reads = (await session.execute(
            select(_READ_RECORDS.c.entry_seq, _READ_RECORDS.c.kind, _READ_RECORDS.c.record_id,
                   _READ_RECORDS.c.nik_key)
            .order_by(_READ_RECORDS.c.entry_seq, _READ_RECORDS.c.position))).all()
    read_rows: dict[int, list[ReadRow]] = defaultdict(list)
    for entry_seq, kind, record_id, nik_key in reads:
        read_rows[entry_seq].append((kind, record_id, nik_key))
    content_break = _content_break(rows, read_rows)
    entries = [StoredEntry(AuditFields(r.seq, r.ts, r.actor, r.role, r.action, r.entity_type,
                                       r.entity_id, r.before_digest, r.after_digest,
                                       tuple(r.attachments or ())), r.prev_hash, r.entry_hash)
               for r in rows]
    verified, first_break = verify_chain(entries, head.seq, head.entry_hash)
    if content_break is not None and (first_break is None or content_break.seq <= first_break.seq):
        return GatewayChainReport(content_break.seq - 1, head.seq, content_break)
    return GatewayChainReport(verified, head.seq, first_break)


def _content_break(entries: Sequence[GatewayAuditEntry],
                   read_rows: dict[int, list[ReadRow]]) -> ChainBreak | None:
    """The first entry whose detail, or whose read records, no longer match its digests."""
    for row in entries:
        if row.detail is not None and digest(row.detail) != row.after_digest:
            return ChainBreak(row.seq, "altered", f"entry {row.seq}: its detail was altered")
        owned = read_rows.pop(row.seq, [])
        expected = (row.detail or {}).get(READS_DIGEST)
        if expected is None and owned:
            return ChainBreak(row.seq, "altered",
                              f"entry {row.seq}: records were added to gateway_read_record "
                              "for an entry that read none")
        if expected is not None and reads_digest(owned) != expected:
            return ChainBreak(row.seq, "altered",
                              f"entry {row.seq}: the records it read were altered "
                              "(gateway_read_record rows edited, deleted or added)")
    if read_rows:
        seq = min(read_rows)
        return ChainBreak(seq, "altered", f"gateway_read_record holds records of entry {seq}, "
                                          "which is not in the chain")
    return None
