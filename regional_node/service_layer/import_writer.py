"""The storing half of an import: batches of prepared households are checked against the
database and stored as the mode says (on PostgreSQL while the next batch is received).

``ALL_OR_NOTHING`` keeps one unit of work open for the whole file and stops storing at the
first error (the final rollback discards what was stored); ``SKIP_BAD_ROWS`` commits every
batch's good households in a unit of work of its own.

``ALL_OR_NOTHING`` on PostgreSQL also works a batch ahead: a batch's keys are drawn as soon as
it arrives, and its rows are built, its audit entries chained and its ``COPY`` records made
while the server stores the previous batch (its COPYs and their foreign-key checks), so that
this process and the server no longer take turns. The transaction holds the audit chain's
head from its first batch to its end, so entries can be chained before the previous batch's
are written; keys are drawn, and entries chained, in the order of the batches, so the stored
rows are the same as when each batch is stored before the next is looked at.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
from types import TracebackType
from typing import Any

from sqlalchemy import select

from regional_node.adapters.bulk_insert import CopyRows, copy_rows, send_copy
from regional_node.adapters.database import Database
from regional_node.adapters.household_warnings import kk_holding, store_import_warnings
from regional_node.adapters.orm import Household, Member, PmtScore, ProgramMembership, utcnow
from regional_node.domain.audit import Actor, timestamp
from regional_node.domain.household_rows import HouseholdRows
from regional_node.domain.import_format import Layout, RowError, RowWarning
from regional_node.domain.import_messages import msg
from regional_node.domain.pmt import PmtModel
from regional_node.service_layer.audit import entry_copy_rows
from regional_node.service_layer.import_reading import PreparedHousehold
from regional_node.service_layer.pmt import SCORE_INSERT, active_model, score_rows
from regional_node.service_layer.registry import (
    HOUSEHOLD_INSERT,
    MEMBER_INSERT,
    PROGRAM_INSERT,
    audit_digests,
    draw_household_keys,
    existing_identifiers,
    household_tables,
    store_household_rows,
)
from regional_node.service_layer.unit_of_work import UnitOfWork

# households per piece of a batch prepared ahead: between pieces, the task storing the
# previous batch gets the event loop (its COPY's answer waits at most one piece)
PREPARE_SLICE = 200


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all-or-nothing"
    SKIP_BAD_ROWS = "skip-bad-rows"


@dataclass
class ImportReport:
    source: str
    mode: ImportMode
    rows_read: int = 0
    households_read: int = 0
    households_stored: int = 0
    households_skipped: int = 0
    members_stored: int = 0
    seconds: float = 0.0
    reading_process: bool = False  # the file was read in a second process
    errors: list[RowError] = field(default_factory=list)
    # implausible but possible data of households without errors (stored with them)
    warnings: list[RowWarning] = field(default_factory=list)
    warnings_stored: int = 0
    failed_households: set[int] = field(default_factory=set, repr=False)  # their first rows

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def households_with_errors(self) -> int:
        return len(self.failed_households)


@dataclass(frozen=True, slots=True)
class _ReadyBatch:
    """A batch with its keys drawn, its rows built and its audit entries chained, as COPY
    sends them: what is left is the server's work."""

    households: CopyRows
    members: CopyRows
    programs: CopyRows
    scores: CopyRows
    entries: list[tuple[Any, ...]]
    audit: CopyRows
    household_count: int
    member_count: int


def prepares_ahead(database: Database, mode: ImportMode) -> bool:
    """Whether the writer prepares each batch while the previous one is stored (see the
    module's doc): all-or-nothing on PostgreSQL."""
    return mode is ImportMode.ALL_OR_NOTHING and database.dialect == "postgresql"


class BatchWriter:
    """Writes batches; at most one batch is being written at a time."""

    def __init__(self, database: Database, actor: Actor, report: ImportReport,
                 layout: Layout) -> None:
        self.database, self.actor, self.report, self.layout = database, actor, report, layout
        self._in_flight: asyncio.Task[None] | None = None
        self._single: UnitOfWork | None = None
        # PostgreSQL works in its own process while the next batch is parsed. SQLite works in
        # a thread of this process that needs the GIL between statements: overlapping it with
        # parsing makes it wait for the GIL each time, which costs more than it saves.
        self._overlap = database.dialect == "postgresql"
        self._look_up = True  # check batches against what the database holds
        # what this import stored: the database holds them, but a repeat of one in the file
        # is a repeat in the file (already marked), not a registration from before
        self._stored_kks: set[str] = set()
        self._stored_niks: set[str] = set()
        self.prepares_ahead = False  # all-or-nothing on PostgreSQL: see the module's doc
        self._ready: _ReadyBatch | None = None  # prepared ahead, not sent yet
        self._held_warnings: list[RowWarning] = []  # of stored households, kept at the end
        self._model: PmtModel | None = None  # scores the batches prepared ahead

    async def __aenter__(self) -> BatchWriter:
        if self.report.mode is ImportMode.ALL_OR_NOTHING:
            self._single = UnitOfWork(self.database, self.actor)
            await self._single.__aenter__()
            # A first import into an empty node (the usual bulk load) has nothing to look up:
            # the transaction sees no household before its own. Should another writer commit
            # a KK or NIK of the file meanwhile, the unique constraints refuse the import.
            found = await self._single.session.execute(select(Household.id).limit(1))
            self._look_up = found.first() is not None
            self.prepares_ahead = prepares_ahead(self.database, self.report.mode)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        try:
            if self._in_flight is not None:
                if not self._in_flight.done():
                    self._in_flight.cancel()
                with contextlib.suppress(BaseException):  # failed too: the first error wins
                    await self._in_flight
        finally:
            if self._single is not None:
                await self._single.__aexit__(exc_type, exc, tb)  # rolls back unless committed

    async def write(self, batch: list[PreparedHousehold]) -> None:
        """Start writing ``batch`` once the previous one is written (PostgreSQL: return then;
        SQLite: return when it is written). When preparing ahead, the batch prepared before
        is sent now and ``batch`` is prepared meanwhile, to be sent with the next call (or
        :meth:`send_ready`, or :meth:`finish`)."""
        if self.prepares_ahead:
            if batch:
                await self._write_ahead(batch)
            return
        await self._wait()
        if batch:
            self._in_flight = asyncio.create_task(self._write(batch))
            if not self._overlap:
                await self._wait()

    async def send_ready(self) -> None:
        """Start sending the batch prepared last now, without waiting for the next one (the
        caller has none at hand yet)."""
        if self._ready is not None:
            await self._wait()
            self._start_sending_ready()

    async def finish(self) -> None:
        """Wait for the last batch; all-or-nothing commits here, or reports nothing stored."""
        await self._wait()
        report = self.report
        if self._ready is not None:
            ready, self._ready = self._ready, None
            if not report.errors:
                await self._send(ready)
        if self._single is None:
            return
        if report.errors:
            report.households_stored = report.members_stored = 0
            report.households_skipped = report.households_read
        else:
            await self._keep_warnings(self._single)
            await self._single.commit()

    async def _wait(self) -> None:
        if self._in_flight is not None:
            task, self._in_flight = self._in_flight, None
            await task

    async def _write(self, drafts: list[PreparedHousehold]) -> None:
        if self._single is not None:
            await self._check_and_store(self._single, drafts)
            return
        async with UnitOfWork(self.database, self.actor) as uow:
            await self._check_and_store(uow, drafts)
            await self._keep_warnings(uow)
            await uow.commit()

    async def _check_and_store(self, uow: UnitOfWork, drafts: list[PreparedHousehold]) -> None:
        good = await self._check(uow, drafts)
        if good is None:
            return  # all-or-nothing: nothing more is worth writing, the end rolls back
        await store_household_rows(uow, [d.rows for d in good if d.rows is not None])
        self._held_warnings += [w for d in good for w in d.warnings]
        await uow.audit.flush()  # chain this batch's entries now, not all at the commit
        self._stored_kks.update(d.kk_number for d in good)
        self._stored_niks.update(nik for d in good for nik in d.niks)
        report = self.report
        report.households_stored += len(good)
        report.members_stored += sum(len(d.niks) for d in good)

    async def _check(self, uow: UnitOfWork, drafts: list[PreparedHousehold]
                     ) -> list[PreparedHousehold] | None:
        """Mark what the node holds already and count the batch in the report: the
        households to store, or None when all-or-nothing has seen an error."""
        await self._mark_registered(uow, drafts)
        good = [d for d in drafts if not d.errors]
        report = self.report
        report.households_read += len(drafts)
        report.households_skipped += len(drafts) - len(good)
        for draft in drafts:
            if draft.errors:
                report.errors += draft.errors
                report.failed_households.add(draft.first_row)
            else:
                report.warnings += draft.warnings
        if self._single is not None and report.errors:
            return None
        return good

    async def _write_ahead(self, drafts: list[PreparedHousehold]) -> None:
        """All-or-nothing on PostgreSQL: draw this batch's keys, send the batch prepared
        before, and prepare this one while the server stores that."""
        await self._wait()  # the connection is free: the batch sent before is stored
        uow = self._single
        assert uow is not None
        good = await self._check(uow, drafts)
        if good is None:
            self._ready = None  # never sent: the end rolls back what was
            return
        prepared = [d.rows for d in good if d.rows is not None]
        keys = await draw_household_keys(uow.session, prepared)
        await uow.audit.hold_head()  # (once) the chain's end stays ours until the end
        if self._model is None:  # (once) while the connection is free
            self._model = await active_model(uow.session)
        self._held_warnings += [w for d in good for w in d.warnings]
        self._start_sending_ready()
        self._ready = await self._prepare(uow, prepared, keys, len(good),
                                          sum(len(d.niks) for d in good))
        self._stored_kks.update(d.kk_number for d in good)
        self._stored_niks.update(nik for d in good for nik in d.niks)

    def _start_sending_ready(self) -> None:
        """Send the batch prepared last, if any, in a task (the connection must be free)."""
        if self._ready is not None:
            ready, self._ready = self._ready, None
            self._in_flight = asyncio.create_task(self._send(ready))

    async def _prepare(self, uow: UnitOfWork, prepared: list[HouseholdRows],
                       keys: tuple[list[int], list[int]], household_count: int,
                       member_count: int) -> _ReadyBatch:
        """Everything this process does to store a batch, a slice at a time (the task
        sending the previous batch gets the event loop in between)."""
        household_ids, member_ids = keys
        now, ts, member_keys = utcnow(), timestamp(), iter(member_ids)
        assert self._model is not None
        households: list[tuple[Any, ...]] = []
        members: list[tuple[Any, ...]] = []
        programs: list[tuple[Any, ...]] = []
        entries: list[tuple[Any, ...]] = []
        scores: list[tuple[Any, ...]] = []
        for start in range(0, len(prepared), PREPARE_SLICE):
            piece = prepared[start:start + PREPARE_SLICE]
            ids = household_ids[start:start + PREPARE_SLICE]
            built = household_tables(piece, ids, member_keys, now)
            households += built[0]
            members += built[1]
            programs += built[2]
            scores += score_rows(self._model, piece, ids, now)
            uow.audit.record_digests("household.register", "household", ids,
                                     audit_digests(piece))
            entries += uow.audit.chain(uow.audit.take_pending(), ts)
            await asyncio.sleep(0)
        ready = _ReadyBatch(copy_rows(Household, HOUSEHOLD_INSERT, households),
                            copy_rows(Member, MEMBER_INSERT, members),
                            copy_rows(ProgramMembership, PROGRAM_INSERT, programs),
                            copy_rows(PmtScore, SCORE_INSERT, scores),
                            entries, entry_copy_rows(entries), household_count, member_count)
        await asyncio.sleep(0)
        return ready

    async def _send(self, ready: _ReadyBatch) -> None:
        """The server's part of storing a prepared batch: its COPYs and the chain's head."""
        uow = self._single
        assert uow is not None
        await send_copy(uow.session, ready.households)
        await send_copy(uow.session, ready.members)
        await send_copy(uow.session, ready.programs)
        await send_copy(uow.session, ready.scores)
        await uow.audit.write(ready.entries, ready.audit)
        self.report.households_stored += ready.household_count
        self.report.members_stored += ready.member_count

    async def _keep_warnings(self, uow: UnitOfWork) -> None:
        """Store the warnings of the households stored in ``uow``'s transaction."""
        held, self._held_warnings = self._held_warnings, []
        self.report.warnings_stored += await store_import_warnings(uow.session, held)

    async def _mark_registered(self, uow: UnitOfWork, drafts: list[PreparedHousehold]) -> None:
        """Fail drafts whose KK or members' NIKs this node held before the import."""
        if not self._look_up:
            return
        kks, niks = await existing_identifiers(
            uow.session, (d.kk_number for d in drafts if d.kk_number),
            (nik for d in drafts for nik in d.niks))
        kks -= self._stored_kks
        niks -= self._stored_niks
        if not kks and not niks:
            return
        kk_label, nik_label = self.layout.label("kk_number"), self.layout.label("nik")
        holders = await kk_holding(uow.session, niks)
        for draft in drafts:
            if draft.kk_number in kks:
                draft.fail(draft.first_row, kk_label, "already_registered", msg(
                    "KK {kk} is already registered on this node", kk=draft.kk_number))
            for nik, row in zip(draft.niks, draft.member_rows, strict=True):
                if nik in niks:
                    draft.fail(row, nik_label, "already_registered", msg(
                        "NIK {nik} is already registered on this node, in KK {kk}", nik=nik,
                        kk=holders.get(nik, "?")))
