"""Audit of reads at the gateway (UU PDP 27/2022): which person's or household's data a
national or partner user read through the gateway, and every NIK looked up, by anyone.

Written to the gateway's own hash chain (``gateway_audit_entry``, the chain of the inbox
work) before the response leaves, through a group commit (:mod:`.read_audit_writer`: entries
of operations that finish together share a transaction). **One entry per audited
operation** (action ``read``, entity ``operation`` / its name; actor and role the token's
subject and role; attachments ``operation:<name>`` and ``query:<sha256>``), whose ``detail``
binds the full list of what it read through a digest (``readsDigest``, see
:func:`gateway.inbox.audit.append_reads`). The list itself is in ``gateway_read_record``, one
row per record in the order read, written in the same transaction with one bulk insert:
``household`` / ``member`` and the global id ``32.73:123``; ``nik`` and the masked NIK, with
the NIK directory's keyed hash in ``nik_key`` (which binds the NIK without storing it).
"Who read household 32.73:123, and when" is one indexed query (:func:`readers_of`).
The nodes audit the same reads in their own chains (the gateway's token names the user).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayAuditEntry, GatewayReadRecord
from gateway.federation.directory import NikDirectoryKey
from gateway.inbox.audit import AuditNote, ReadRow
from gateway.service_layer.read_audit_writer import ReadAuditWriter
from schema.identity_numbers import mask_number
from schema.roles import Principal

READ = "read"
OPERATION = "operation"  # the entity of a read entry: the operation (its name as the id)
NIK = "nik"  # the kind of a NIK lookup's row


def operation_refs(operation_name: str | None, query: str | None) -> tuple[str, str]:
    digest = hashlib.sha256((query or "").encode("utf-8")).hexdigest()
    return f"operation:{operation_name or '(anonymous)'}", f"query:{digest}"


def read_rows(directory_key: NikDirectoryKey, entities: Iterable[tuple[str, str]],
              nik_lookups: Iterable[str]) -> list[ReadRow]:
    """What an operation read, as the rows of ``gateway_read_record``: the records in the
    order read, then the NIKs looked up."""
    rows: list[ReadRow] = [(kind, record_id[:64], None) for kind, record_id in entities]
    rows += [(NIK, mask_number(nik)[:64], directory_key.key_of(nik)) for nik in nik_lookups]
    return rows


async def record_reads(writer: ReadAuditWriter, directory_key: NikDirectoryKey,
                       principal: Principal, entities: Iterable[tuple[str, str]],
                       nik_lookups: Iterable[str], *, operation_name: str | None,
                       query: str | None) -> int:
    """Append the operation's entry and its rows, and return once their transaction has
    committed; returns how many records (and NIK lookups) it names. Nothing to audit:
    nothing written, 0. Raises when the audit could not be written."""
    rows = read_rows(directory_key, entities, nik_lookups)
    if not rows:
        return 0
    refs = operation_refs(operation_name, query)
    note = AuditNote(principal.user_id, READ, OPERATION,
                     (operation_name or "(anonymous)")[:64], {}, principal.role.value, refs)
    await writer.append(note, rows)
    return len(rows)


@dataclass(frozen=True, slots=True)
class Reader:
    """Someone who read a record (or looked up a NIK): the entry that says so."""

    seq: int
    ts: str
    actor: str
    role: str
    attachments: tuple[str, ...]


async def readers_of(database: Database, record_id: str, kind: str | None = None
                     ) -> list[Reader]:
    """Who read ``record_id`` (a global id ``32.73:123``; for ``kind`` ``nik``, pass the
    NIK key instead: ``NikDirectoryKey.key_of(nik)``), oldest first."""
    column = GatewayReadRecord.nik_key if kind == NIK else GatewayReadRecord.record_id
    statement = (select(GatewayAuditEntry.seq, GatewayAuditEntry.ts, GatewayAuditEntry.actor,
                        GatewayAuditEntry.role, GatewayAuditEntry.attachments)
                 .join(GatewayReadRecord, GatewayReadRecord.entry_seq == GatewayAuditEntry.seq)
                 .where(column == record_id).order_by(GatewayAuditEntry.seq))
    if kind is not None:
        statement = statement.where(GatewayReadRecord.kind == kind)
    async with database.reader() as session:
        rows = (await session.execute(statement)).all()
    readers: dict[int, Reader] = {}  # one per entry (a NIK may be looked up twice in one)
    for seq, ts, actor, role, attachments in rows:
        readers.setdefault(seq, Reader(seq, ts, actor, role, tuple(attachments or ())))
    return list(readers.values())
