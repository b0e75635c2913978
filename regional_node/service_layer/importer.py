"""Bulk import of existing DTKS data from a CSV or XLSX file, with a row-level error report.

Rows stream through: grouped by KK (a KK's rows must be consecutive), parsed and validated
household by household, marked when the file repeats a KK or NIK
(:mod:`regional_node.domain.import_repeats`) and checked, a batch at a time, against the
database, then stored with :func:`registry.store_households`
(:mod:`regional_node.service_layer.import_writer`; on PostgreSQL, while the next batch is
parsed).

Modes:

* ``ALL_OR_NOTHING`` — one transaction; any error and nothing is written, and the report
  still lists every error in the file.
* ``SKIP_BAD_ROWS`` — a household with any bad row is skipped whole (never a partial
  family); good ones are committed in batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from regional_node.adapters.database import Database
from regional_node.adapters.tabular_files import open_table
from regional_node.domain.audit import Actor
from regional_node.domain.import_format import HEADER_ROW, Layout, RowError, resolve_header
from regional_node.domain.import_repeats import RepeatMarker, find_repeats
from regional_node.domain.import_rows import HouseholdDraft, HouseholdParser, SheetRow
from regional_node.domain.import_values import identity_number, text
from regional_node.service_layer.import_writer import BatchWriter, ImportMode, ImportReport
from schema.regions import RegionLevel, regions

BATCH_HOUSEHOLDS = 2000
YIELD_EVERY = 32  # households parsed between two turns of the event loop
Progress = Callable[[int, int | None], None]  # (rows read, rows expected or None)

__all__ = ["ImportMode", "ImportReport", "Progress", "import_households"]


async def import_households(database: Database, source_path: str | Path, *, node_region: str,
                            actor: Actor, mode: ImportMode = ImportMode.ALL_OR_NOTHING,
                            progress: Progress | None = None, sheet: str | None = None,
                            batch_size: int = BATCH_HOUSEHOLDS) -> ImportReport:
    """Import the households in ``source_path`` into ``database`` for ``node_region``."""
    regions().require(node_region, level=RegionLevel.KABKOTA)
    with _fewer_collections():
        return await _import(database, Path(source_path), node_region, actor, mode, progress,
                             sheet, batch_size)


async def _import(database: Database, source_path: Path, node_region: str, actor: Actor,
                  mode: ImportMode, progress: Progress | None, sheet: str | None,
                  batch_size: int) -> ImportReport:
    started = time.perf_counter()
    report = ImportReport(str(source_path), mode)
    with open_table(source_path, sheet=sheet) as table:
        layout, header_errors = resolve_header(table.header)
        if not any(text(cell) for cell in table.header):
            header_errors = [RowError(HEADER_ROW, "", "no_header",
                                      "row 1 must be the header (the column names)")]
        if header_errors:
            report.errors = header_errors
            return report
        parser = HouseholdParser(layout, node_region)
        # all-or-nothing stores nothing once an error is found: repeats can be found late
        known = find_repeats(table.rows(), layout) if mode is ImportMode.SKIP_BAD_ROWS else None
        marker = RepeatMarker(layout, known)
        drafts = _drafts(_groups(table.rows(), layout, report), parser, marker, report)
        async with BatchWriter(database, actor, report, layout, batch_size) as writer:
            for count, draft in enumerate(drafts, start=1):
                if await writer.add(draft) and progress is not None:
                    progress(report.rows_read, table.estimated_rows)
                if count % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # let a batch being written move on
            await writer.finish()
    report.errors.sort(key=lambda error: error.row)
    report.seconds = time.perf_counter() - started
    if progress is not None:
        progress(report.rows_read, report.rows_read)
    return report


# An import keeps millions of young objects alive until their batch is stored: with the
# default threshold (a collection every 700 allocations) the cyclic collector walks them over
# and over, ~10 % of the import's CPU, and finds nothing to free. Collect less often meanwhile.
IMPORT_GC_THRESHOLD = 100_000
_importing = 0
_saved_threshold: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    global _importing, _saved_threshold
    if _importing == 0:
        _saved_threshold = gc.get_threshold()
        if 0 < _saved_threshold[0] < IMPORT_GC_THRESHOLD:
            gc.set_threshold(IMPORT_GC_THRESHOLD, *_saved_threshold[1:])
    _importing += 1
    try:
        yield
    finally:
        _importing -= 1
        if _importing == 0:
            gc.set_threshold(*_saved_threshold)


def _groups(rows: Iterable[SheetRow], layout: Layout,
            report: ImportReport) -> Iterator[tuple[str, list[SheetRow]]]:
    """Consecutive non-blank rows with the same KK number."""
    kk_index = layout.positions["kk_number"]
    current: str | None = None
    current_cell: object = None
    group: list[SheetRow] = []
    for number, cells in rows:
        if not any(cells):
            continue
        report.rows_read += 1
        cell = cells[kk_index] if kk_index < len(cells) else None
        if cell is not None and cell == current_cell:  # the usual case: the same text again
            group.append((number, cells))
            continue
        kk = identity_number(cell)
        if kk != current and group:
            yield current or "", group
            group = []
        current, current_cell = kk, cell
        group.append((number, cells))
    if group:
        yield current or "", group


def _drafts(groups: Iterable[tuple[str, list[SheetRow]]], parser: HouseholdParser,
            marker: RepeatMarker, report: ImportReport) -> Iterator[HouseholdDraft]:
    """Parsed and validated households, with what the file repeats marked on every copy."""
    kk_label = parser.layout.label("kk_number")
    for kk, rows in groups:
        draft = parser.parse(kk, rows)
        if not kk:
            for number, _ in rows[1:]:
                draft.fail(number, kk_label, "required", f"{kk_label} is empty")
        marker.mark(draft, rows)
        if marker.late_errors:  # earlier households, already handed over: report directly
            report.errors += marker.late_errors
            report.failed_households |= marker.late_households
            marker.late_errors.clear()
            marker.late_households.clear()
        yield draft
