"""The read audit's group commit: operations that finish while an audit transaction is being
committed wait for it, then go together in the next one.

Every operation still gets its own chain entry (``append_reads`` links them in arrival
order), and each waits until the transaction holding its entry has committed: no answer
leaves before its audit is durable. What changes under load is the number of transactions,
and so of commits (each an ``fsync`` with ``synchronous=FULL``): one per batch instead of
one per operation. With one operation at a time a batch is that operation alone, written as
soon as it arrives (no waiting to fill a batch). A transaction that fails fails every
operation in it (their data is withheld: ``AUDIT_UNAVAILABLE``), and none of its entries is
left in the chain.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.adapters.database import Database
from gateway.inbox.audit import AuditNote, ReadRow, append_reads

MAX_BATCH = 256  # operations per transaction (a page's entry has ~300 rows)


class ReadAuditUnavailable(Exception):
    """The transaction holding this operation's entry did not commit."""


@dataclass(slots=True)
class _Waiting:
    note: AuditNote
    rows: Sequence[ReadRow]
    done: asyncio.Future[int]


@dataclass
class ReadAuditWriter:
    """Appends read entries to the gateway's chain, batching concurrent ones.

    ``transactions`` (attempted) and ``entries`` (committed) count what it did, so a test or
    an operator can see the batching: entries / transactions is the mean batch size."""

    database: Database
    max_batch: int = MAX_BATCH
    transactions: int = 0
    entries: int = 0
    _queue: list[_Waiting] = field(default_factory=list, repr=False)
    _flusher: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def waiting(self) -> int:
        """Operations queued for the next transaction (not the one being committed)."""
        return len(self._queue)

    async def append(self, note: AuditNote, rows: Sequence[ReadRow]) -> int:
        """The operation's entry, committed; returns its seq. Raises
        :class:`ReadAuditUnavailable` when its transaction failed."""
        waiting = _Waiting(note, rows, asyncio.get_running_loop().create_future())
        self._queue.append(waiting)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="read-audit-writer")
        return await waiting.done

    async def _flush(self) -> None:
        """Commit what is queued, batch after batch, until nothing is."""
        batch: list[_Waiting] = []
        try:
            while self._queue:
                batch = self._queue[:self.max_batch]
                del self._queue[:len(batch)]
                await self._commit(batch)
                batch = []
        except BaseException as exc:  # cancelled (the loop is closing): nobody waits forever
            for waiting in batch + self._queue:
                _fail(waiting, exc)
            self._queue.clear()
            raise

    async def _commit(self, batch: list[_Waiting]) -> None:
        operations = [(waiting.note, waiting.rows) for waiting in batch]
        self.transactions += 1
        try:
            seqs = await self.database.run_sync(
                lambda connection: append_reads(connection, operations), write=True)
        except Exception as exc:
            for waiting in batch:
                _fail(waiting, exc)
            return
        self.entries += len(seqs)
        for waiting, seq in zip(batch, seqs, strict=True):
            if not waiting.done.done():  # its request may have been cancelled meanwhile
                waiting.done.set_result(seq)


def _fail(waiting: _Waiting, cause: BaseException) -> None:
    if waiting.done.done():
        return
    error = ReadAuditUnavailable(f"the read audit's transaction failed: {cause!r}"[:500])
    error.__cause__ = cause
    waiting.done.set_exception(error)
