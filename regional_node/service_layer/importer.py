"""Bulk import of existing DTKS data from a CSV or XLSX file, with a row-level error report.

A quick first pass finds what the file repeats (KKs, NIKs). Then rows stream through:
grouped by KK (a KK's rows must be consecutive), parsed and validated household by
household, marked when repeated in the file and checked, a batch at a time,
against the database, then stored with :func:`registry.store_households` while the next
batch is parsed (:mod:`regional_node.service_layer.import_writer`).

Modes:

* ``ALL_OR_NOTHING`` — one transaction; any error and nothing is written, and the report
  still lists every error in the file.
* ``SKIP_BAD_ROWS`` — a household with any bad row is skipped whole (never a partial
  family); good ones are committed in batches.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from regional_node.adapters.database import Database
from regional_node.adapters.tabular_files import open_table
from regional_node.domain.audit import Actor
from regional_node.domain.import_format import HEADER_ROW, Layout, RowError, resolve_header
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
    started = time.perf_counter()
    report = ImportReport(str(source_path), mode)
    with open_table(Path(source_path), sheet=sheet) as table:
        layout, header_errors = resolve_header(table.header)
        if not any(text(cell) for cell in table.header):
            header_errors = [RowError(HEADER_ROW, "", "no_header",
                                      "row 1 must be the header (the column names)")]
        if header_errors:
            report.errors = header_errors
            return report
        parser = HouseholdParser(layout, node_region)
        repeats = _repeats(table.rows(), layout)
        drafts = _drafts(_groups(table.rows(), layout, report), parser, layout, repeats)
        async with BatchWriter(database, actor, report, layout, batch_size) as writer:
            for count, draft in enumerate(drafts, start=1):
                if await writer.add(draft) and progress is not None:
                    progress(report.rows_read, table.estimated_rows)
                if count % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # let the batch being written move on
            await writer.finish()
    report.errors.sort(key=lambda error: error.row)
    report.seconds = time.perf_counter() - started
    if progress is not None:
        progress(report.rows_read, report.rows_read)
    return report


@dataclass(frozen=True, slots=True)
class Repeats:
    """What the file holds more than once, found by a quick pass before anything is stored:
    every occurrence is an error, so no copy (nor any part of a split family) gets in."""

    kk_blocks: dict[str, list[int]]  # KK → first row of each separate block of its rows
    nik_rows: dict[str, list[int]]  # NIK → every row it is on


def _repeats(rows: Iterable[SheetRow], layout: Layout) -> Repeats:
    kk_index, nik_index = layout.positions["kk_number"], layout.positions["nik"]
    kk_blocks: dict[str, list[int]] = {}
    nik_rows: dict[str, list[int]] = {}
    previous: str | None = None
    for number, cells in rows:
        if not any(cells):
            continue
        width = len(cells)
        kk = identity_number(cells[kk_index]) if kk_index < width else ""
        if kk != previous:
            kk_blocks.setdefault(kk, []).append(number)
            previous = kk
        if nik_index < width:
            nik_rows.setdefault(identity_number(cells[nik_index]), []).append(number)
    return Repeats({kk: starts for kk, starts in kk_blocks.items() if kk and len(starts) > 1},
                   {nik: found for nik, found in nik_rows.items() if nik and len(found) > 1})


def _groups(rows: Iterable[SheetRow], layout: Layout,
            report: ImportReport) -> Iterator[tuple[str, list[SheetRow]]]:
    """Consecutive non-blank rows with the same KK number."""
    kk_index = layout.positions["kk_number"]
    current: str | None = None
    group: list[SheetRow] = []
    for number, cells in rows:
        if not any(cells):
            continue
        report.rows_read += 1
        kk = identity_number(cells[kk_index]) if kk_index < len(cells) else ""
        if kk != current and group:
            yield current or "", group
            group = []
        current = kk
        group.append((number, cells))
    if group:
        yield current or "", group


def _drafts(groups: Iterable[tuple[str, list[SheetRow]]], parser: HouseholdParser,
            layout: Layout, repeats: Repeats) -> Iterator[HouseholdDraft]:
    """Parsed and validated households, with what the file repeats marked on every copy."""
    kk_label, nik_label = layout.label("kk_number"), layout.label("nik")
    for kk, rows in groups:
        draft = parser.parse(kk, rows)
        if not kk:
            for number, _ in rows[1:]:
                draft.fail(number, kk_label, "required", f"{kk_label} is empty")
        elif kk in repeats.kk_blocks:  # a fragment: whether it has its head is beside the point
            draft.errors = [e for e in draft.errors if e.reason != "one_head"]
            starts = ", ".join(map(str, repeats.kk_blocks[kk]))
            draft.fail(draft.first_row, kk_label, "duplicate_in_file",
                       f"KK {kk} is in {len(repeats.kk_blocks[kk])} separate places (starting "
                       f"on rows {starts}); a KK's rows must be consecutive and appear once")
        own_rows = {number for number, _ in rows}
        for member, row in zip(draft.record.members, draft.member_rows, strict=True):
            others = [n for n in repeats.nik_rows.get(member.nik, ()) if n not in own_rows]
            if others:
                draft.fail(row, nik_label, "duplicate_in_file",
                           f"NIK {member.nik} is also on row {', '.join(map(str, others))}")
        yield draft
