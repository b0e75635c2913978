"""Append to the audit chain inside the caller's transaction, and verify a stored chain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.bulk_insert import CopyRows, copy_rows, insert_tuples, send_copy
from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditEntry, AuditHead, AuditNikLookup
from regional_node.domain.audit import (
    Actor,
    AuditFields,
    ChainBreak,
    StoredEntry,
    digest,
    entry_hash,
    timestamp,
    verify_chain,
)
from regional_node.domain.nik_lookups import NIK_LOOKUPS, batch_digest


@dataclass(frozen=True, slots=True)
class PendingEntry:
    action: str
    entity_type: str
    entity_id: str
    before_digest: str | None
    after_digest: str | None
    attachments: tuple[str, ...]


class AuditTrail:
    """Collects a transaction's entries; :meth:`flush` links them onto the chain."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self._session = session
        self._actor = actor
        self._pending: list[PendingEntry] = []
        # (seq, entry_hash) of the chain's end in this transaction, once its row is locked:
        # no other writer can move it until the transaction ends
        self._head: tuple[int, str] | None = None

    def record(self, action: str, entity_type: str, entity_id: object, *,
               before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
               attachments: Iterable[str] = ()) -> None:
        self._pending.append(PendingEntry(
            action, entity_type, str(entity_id),
            digest(before) if before is not None else None,
            digest(after) if after is not None else None,
            tuple(attachments),
        ))

    def record_digests(self, action: str, entity_type: str, entity_ids: Iterable[object],
                       after_digests: Iterable[str], *, attachments: Iterable[str] = ()
                       ) -> None:
        """One entry per entity whose ``after`` digest was computed already (bulk paths)."""
        refs = tuple(attachments)
        self._pending += [PendingEntry(action, entity_type, str(entity_id), None, after, refs)
                          for entity_id, after in zip(entity_ids, after_digests, strict=True)]

    async def flush_returning_last(self) -> int:
        """:meth:`flush`, then the seq of the last entry it appended (rows that name their
        entry, as ``audit_nik_lookup`` does, are written after it)."""
        if not await self.flush():
            raise ValueError("nothing was recorded")
        assert self._head is not None
        return self._head[0]

    def transaction_ended(self) -> None:
        """The transaction that held the head is over: the next flush locks and reads it
        again (another writer may have moved it meanwhile)."""
        self._head = None

    async def flush(self) -> int:
        """Append the pending entries; the head row lock serialises concurrent writers."""
        if not self._pending:
            return 0
        await self.hold_head()
        rows = self.chain(self.take_pending(), timestamp())
        await self.write(rows)
        return len(rows)

    async def hold_head(self) -> None:
        """Lock the chain's head row for this transaction (once) and remember where it is."""
        if self._head is None:
            head = (await self._session.execute(
                select(AuditHead).where(AuditHead.id == 1).with_for_update()
            )).scalar_one()
            self._head = head.seq, head.entry_hash

    def take_pending(self) -> list[PendingEntry]:
        """The entries recorded and not chained yet, in order; none remain pending."""
        pending, self._pending = self._pending, []
        return pending

    def chain(self, entries: Iterable[PendingEntry], ts: str) -> list[tuple[Any, ...]]:
        """Link ``entries`` after the chain's end as it will be once every row chained
        before is written: the rows :meth:`write` stores. No database work, so a caller may
        chain the next entries while the server stores the previous ones; chained rows must
        be written in the order they were chained. Needs :meth:`hold_head` first."""
        assert self._head is not None, "hold_head() first"
        seq, prev = self._head
        actor, role = self._actor.id, self._actor.role
        rows: list[tuple[Any, ...]] = []
        for pending in entries:
            seq += 1
            fields = AuditFields(seq, ts, actor, role, pending.action, pending.entity_type,
                                 pending.entity_id, pending.before_digest,
                                 pending.after_digest, pending.attachments)
            current = entry_hash(prev, fields)
            rows.append((seq, ts, actor, role, pending.action, pending.entity_type,
                         pending.entity_id, pending.before_digest, pending.after_digest,
                         list(pending.attachments), prev, current))
            prev = current
        self._head = seq, prev
        return rows

    async def write(self, rows: Sequence[tuple[Any, ...]],
                    prepared: CopyRows | None = None) -> None:
        """Store chained rows (:meth:`chain`; on PostgreSQL ``prepared``, their
        :func:`entry_copy_rows`, may be given instead of converting them now) and move the
        head row to the last of them."""
        if not rows:
            return
        if prepared is not None:
            await send_copy(self._session, prepared)
        else:
            await insert_tuples(self._session, AuditEntry, ENTRY_COLUMNS, rows)
        last = rows[-1]
        await self._session.execute(
            update(AuditHead).where(AuditHead.id == 1).values(seq=last[0], entry_hash=last[-1]))


def entry_copy_rows(rows: Sequence[tuple[Any, ...]]) -> CopyRows:
    """Chained rows as ``COPY`` sends them (PostgreSQL), for :meth:`AuditTrail.write`."""
    return copy_rows(AuditEntry, ENTRY_COLUMNS, rows)


ENTRY_COLUMNS = ("seq", "ts", "actor", "role", "action", "entity_type", "entity_id",
                 "before_digest", "after_digest", "attachments", "prev_hash", "entry_hash")


def _stored(row: AuditEntry) -> StoredEntry:
    fields = AuditFields(row.seq, row.ts, row.actor, row.role, row.action, row.entity_type,
                         row.entity_id, row.before_digest, row.after_digest,
                         tuple(row.attachments or ()))
    return StoredEntry(fields, row.prev_hash, row.entry_hash)


@dataclass(frozen=True, slots=True)
class ChainReport:
    verified: int
    head_seq: int
    head_hash: str
    first_break: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


async def verify_audit_chain(database: Database) -> ChainReport:
    """Recompute the whole chain from the database, streaming it in order; then every
    batch of NIK lookups (``audit_nik_lookup``) against its entry's after-digest."""
    async with database.reader() as session, session.begin():
        head = (await session.execute(select(AuditHead).where(AuditHead.id == 1))).scalar_one()
        result = await session.stream_scalars(
            select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000))
        entries = [_stored(row) async for row in result]
        lookups = await session.stream(
            select(AuditNikLookup.entry_seq, AuditNikLookup.masked_nik,
                   AuditNikLookup.nik_digest)
            .order_by(AuditNikLookup.entry_seq, AuditNikLookup.position)
            .execution_options(yield_per=5000))
        batches: dict[int, list[tuple[str, str]]] = {}
        async for seq, masked, nik_digest in lookups:
            batches.setdefault(seq, []).append((masked, nik_digest))
    verified, first_break = verify_chain(entries, head.seq, head.entry_hash)
    if first_break is None:
        first_break = _batch_break(entries, batches)
    return ChainReport(verified, head.seq, head.entry_hash, first_break)


def _batch_break(entries: Sequence[StoredEntry], batches: dict[int, list[tuple[str, str]]]
                 ) -> ChainBreak | None:
    """The first batch entry whose NIK rows no longer match its digest (rows edited,
    deleted or added), or rows of an entry that is no batch."""
    for entry in entries:
        fields = entry.fields
        owned = batches.pop(fields.seq, None)
        if fields.action != NIK_LOOKUPS:
            if owned is not None:
                return ChainBreak(fields.seq, "altered",
                                  f"entry {fields.seq}: audit_nik_lookup holds NIKs of an "
                                  "entry that looked up no batch")
            continue
        if batch_digest(owned or []) != fields.after_digest:
            return ChainBreak(fields.seq, "altered",
                              f"entry {fields.seq}: the NIKs it looked up were altered "
                              "(audit_nik_lookup rows edited, deleted or added)")
    if batches:
        seq = min(batches)
        return ChainBreak(seq, "altered", f"audit_nik_lookup holds NIKs of entry {seq}, "
                                          "which is not in the chain")
    return None
