"""Bulk import of existing DTKS data from a CSV or XLSX file, with a row-level error report.

Two halves: reading (:mod:`regional_node.service_layer.import_reading`: group rows by KK,
parse, validate, mark what the file repeats, prepare rows and audit digests) and storing
(:mod:`regional_node.service_layer.import_writer`: check each batch against the database and
store it). For a large file on a machine with two cores or more, the reading half runs in a
process of its own (:mod:`regional_node.adapters.process_stream`) while this one stores;
otherwise both run here, one batch after the other. Both ways store the same rows and report
the same errors (the tests run both).

Modes:

* ``ALL_OR_NOTHING`` — one transaction; any error and nothing is written, and the report
  still lists every error in the file.
* ``SKIP_BAD_ROWS`` — a household with any bad row is skipped whole (never a partial
  family); good ones are committed in batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

from regional_node.adapters.database import Database
from regional_node.adapters.process_stream import stream_from_process
from regional_node.domain.audit import Actor
from regional_node.domain.household_rows import rows_digest
from regional_node.service_layer.import_reading import (
    Opening,
    PreparedHousehold,
    ReadBatch,
    ReadRequest,
    fewer_collections,
    read_import,
)
from regional_node.service_layer.import_runs import record_run
from regional_node.service_layer.import_writer import (
    BatchWriter,
    ImportMode,
    ImportReport,
    prepares_ahead,
)
from schema.regions import RegionLevel, regions

BATCH_HOUSEHOLDS = 2000
DIGEST_SLICE = 100
# Below this size a second process costs more to start (~0.3 s) than it saves.
READING_PROCESS_MIN_BYTES = 2_000_000
Progress = Callable[[int, int | None], None]  # (rows read, rows expected or None)

__all__ = ["ImportMode", "ImportReport", "Progress", "import_households"]


async def import_households(database: Database, source_path: str | Path, *, node_region: str,
                            actor: Actor, mode: ImportMode = ImportMode.ALL_OR_NOTHING,
                            progress: Progress | None = None, sheet: str | None = None,
                            batch_size: int = BATCH_HOUSEHOLDS,
                            reading_process: bool | None = None) -> ImportReport:
    """Import the households in ``source_path`` into ``database`` for ``node_region``.

    ``reading_process``: read in a second process (True), in this one (False), or decide by
    the file's size and the cores this process may use (None).
    """
    regions().require(node_region, level=RegionLevel.KABKOTA)
    path = Path(source_path)
    if reading_process is None:
        reading_process = _worth_a_process(path)
    # With a reading process, the audit digests (a fifth of the reading's CPU) are computed
    # here as batches arrive, while it reads on: it is the slower half on both backends.
    request = ReadRequest(path, node_region, mode is ImportMode.SKIP_BAD_ROWS, sheet,
                          batch_size, digests=not reading_process,
                          growing=prepares_ahead(database, mode))
    started = time.perf_counter()
    report = ImportReport(str(path), mode, reading_process=reading_process)
    with fewer_collections():
        async with _read(request, in_process=reading_process) as messages:
            await _store(messages, database, actor, report, progress, request.digests)
    report.errors.sort(key=lambda error: error.row)
    report.seconds = time.perf_counter() - started
    await record_run(database, actor, report)
    if progress is not None:
        progress(report.rows_read, report.rows_read)
    return report


async def _store(messages: AsyncIterator[Opening | ReadBatch], database: Database,
                 actor: Actor, report: ImportReport, progress: Progress | None,
                 digested: bool) -> None:
    opening = await anext(messages)
    assert isinstance(opening, Opening)
    if opening.header_errors:
        report.errors = opening.header_errors
        return
    async with BatchWriter(database, actor, report, opening.layout) as writer:
        # A writer that prepares batches ahead keeps the one it prepared last until the next
        # arrives (its keys must be drawn before the server gets busy with the previous
        # batch). From a reading process the next batch is received while this one is
        # stored, so that whether it is there already is known: if not, what is ready is
        # sent at once. Read here, the next batch is only read after this one is handed on.
        batches = _Received(messages, ahead=writer.prepares_ahead and not digested)
        try:
            while (batch := await batches.next()) is not None:
                report.rows_read = batch.rows_read
                report.errors += batch.late_errors
                report.failed_households |= batch.late_households
                if not digested:
                    await _add_digests(batch.households)
                await writer.write(batch.households)
                if not batches.waiting():
                    await writer.send_ready()
                if progress is not None:
                    progress(report.rows_read, opening.estimated_rows)
        finally:
            await batches.close()
        await writer.finish()


class _Received:
    """The batches of ``messages``; with ``ahead``, the next one is received (in a task of
    its own) while the caller works on the current one."""

    def __init__(self, messages: AsyncIterator[Opening | ReadBatch], *, ahead: bool) -> None:
        self._messages = messages
        self._queue: asyncio.Queue[ReadBatch | BaseException | None] = asyncio.Queue(1)
        self._task = asyncio.create_task(self._receive()) if ahead else None

    async def next(self) -> ReadBatch | None:
        """The next batch, or None after the last."""
        if self._task is None:
            message = await anext(self._messages, None)
            assert message is None or isinstance(message, ReadBatch)
            return message
        received = await self._queue.get()
        if isinstance(received, BaseException):
            raise received
        return received

    def waiting(self) -> bool:
        """Whether the next batch (or the end) has been received already."""
        return not self._queue.empty()

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _receive(self) -> None:
        try:
            async for message in self._messages:
                assert isinstance(message, ReadBatch)
                await self._queue.put(message)
        except Exception as exc:  # noqa: BLE001 - raised again by next(), in order
            await self._queue.put(exc)
            return
        await self._queue.put(None)


async def _add_digests(households: list[PreparedHousehold]) -> None:
    """Fill in the audit digests, a slice at a time: on PostgreSQL the previous batch is
    being stored meanwhile, and its task gets the event loop between slices."""
    for start in range(0, len(households), DIGEST_SLICE):
        for household in households[start:start + DIGEST_SLICE]:
            if household.rows is not None and household.rows[3] is None:
                values, members, programs, _ = household.rows
                household.rows = (values, members, programs,
                                  rows_digest(values, members, programs))
        await asyncio.sleep(0)


@asynccontextmanager
async def _read(request: ReadRequest, *, in_process: bool
                ) -> AsyncIterator[AsyncIterator[Opening | ReadBatch]]:
    if in_process:
        async with stream_from_process(read_import, request) as messages:
            yield messages
    else:
        yield _read_here(read_import(request))


async def _read_here(messages: Iterator[Opening | ReadBatch]
                     ) -> AsyncIterator[Opening | ReadBatch]:
    for message in messages:
        yield message
        await asyncio.sleep(0)  # let a batch being written move on


def _worth_a_process(path: Path) -> bool:
    try:
        size = path.stat().st_size
    except OSError:
        return False  # the reading half reports the missing file
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return size >= READING_PROCESS_MIN_BYTES and (cores or 1) >= 2
