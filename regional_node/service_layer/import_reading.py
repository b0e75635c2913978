"""The reading half of an import: a file becomes batches of households ready to store.

Rows stream through: grouped by KK (a KK's rows must be consecutive), parsed and validated
household by household, marked when the file repeats a KK or NIK
(:mod:`regional_node.domain.import_repeats`), and turned into
:data:`~regional_node.service_layer.registry.HouseholdRows` (plain tuples, audit digest
included). Nothing here touches the database, so the whole half can run in a process of its
own (:mod:`regional_node.adapters.import_process`) while the importer stores the batches it
has received.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regional_node.adapters.tabular_files import open_table
from regional_node.domain.household_rows import HouseholdRows, household_rows
from regional_node.domain.import_format import (
    HEADER_ROW,
    Layout,
    RowError,
    RowWarning,
    resolve_header,
)
from regional_node.domain.import_messages import Message, msg
from regional_node.domain.import_repeats import RepeatMarker, find_repeats
from regional_node.domain.import_rows import HouseholdDraft, HouseholdParser, SheetRow
from regional_node.domain.import_values import identity_number, text
from regional_node.domain.plausibility import household_findings

# The storing half waits for the first batch: keep it small so that storing starts early.
FIRST_BATCH = 200


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """What to read: everything the reading half needs, picklable."""

    source_path: Path
    node_region: str
    skip_bad_rows: bool
    sheet: str | None
    batch_size: int
    # compute the audit digests here (True), or leave them to the storing half (False)
    digests: bool = True
    # batches grow from the first (each at most twice the one before) instead of going
    # straight to batch_size: for a storing half that prepares the next batch while the
    # database stores the previous one, so that the database has work sooner
    growing: bool = False


@dataclass(slots=True)
class PreparedHousehold:
    """One KK of the file: where it is, its errors, and its rows when it has no error."""

    kk_number: str
    first_row: int
    niks: list[str]
    member_rows: list[int]
    errors: list[RowError]
    rows: HouseholdRows | None  # None when the file already showed an error
    warnings: list[RowWarning] = field(default_factory=list)  # stored with the household

    def fail(self, row: int, column: str, reason: str, message: Message) -> None:
        self.errors.append(RowError(row, column, reason, message))

    def __reduce__(self) -> tuple[Any, ...]:  # a tuple pickles faster than a slots dataclass
        return (PreparedHousehold, (self.kk_number, self.first_row, self.niks,
                                    self.member_rows, self.errors, self.rows, self.warnings))


@dataclass(slots=True)
class Opening:
    """The first message of a read: the header's layout or why the header is refused."""

    layout: Layout
    header_errors: list[RowError]
    estimated_rows: int | None


@dataclass(slots=True)
class ReadBatch:
    households: list[PreparedHousehold]
    rows_read: int  # data rows read so far, this batch's included
    late_errors: list[RowError] = field(default_factory=list)  # found in earlier households
    late_households: set[int] = field(default_factory=set)  # their first rows


def read_import(request: ReadRequest) -> Iterator[Opening | ReadBatch]:
    """An :class:`Opening`, then (when the header is usable) the file's batches."""
    with fewer_collections(), open_table(request.source_path, sheet=request.sheet) as table:
        layout, header_errors = resolve_header(table.header)
        if not any(text(cell) for cell in table.header):
            header_errors = [RowError(HEADER_ROW, "", "no_header",
                                      msg("row 1 must be the header (the column names)"))]
        yield Opening(layout, header_errors, table.estimated_rows)
        if header_errors:
            return
        # all-or-nothing stores nothing once an error is found: repeats can be found late
        known = find_repeats(table.rows(), layout) if request.skip_bad_rows else None
        reader = _Reader(layout, request.node_region, RepeatMarker(layout, known),
                         request.digests)
        batch: list[PreparedHousehold] = []
        size = min(FIRST_BATCH, request.batch_size)
        for kk, rows in _groups(table.rows(), layout, reader):
            batch.append(reader.prepare(kk, rows))
            if len(batch) >= size:
                yield reader.batch(batch)
                batch = []
                size = _next_size(request.batch_size,
                                  2 * size if request.growing else request.batch_size,
                                  reader.rows_read, table.estimated_rows, reader.households)
        if batch or reader.marker.late_errors:
            yield reader.batch(batch)


def _next_size(batch_size: int, growing: int, rows_read: int, estimated_rows: int | None,
               households: int) -> int:
    """Full batches, but smaller ones at the start when growing (``growing``: twice the last
    one, or ``batch_size``) and near the end of the file: the storing half writes the last
    batch after the reading is over, so a small last batch ends the import sooner."""
    size = min(batch_size, max(FIRST_BATCH, growing))
    if not estimated_rows or not households:
        return size
    households_left = (estimated_rows - rows_read) * households // rows_read
    return max(FIRST_BATCH, min(size, households_left // 2))


class _Reader:
    def __init__(self, layout: Layout, node_region: str, marker: RepeatMarker,
                 digests: bool) -> None:
        self.digests = digests
        self.parser = HouseholdParser(layout, node_region)
        self.marker = marker
        self.rows_read = 0
        self.households = 0
        self._kk_label = layout.label("kk_number")
        self._layout = layout

    def prepare(self, kk: str, rows: list[SheetRow]) -> PreparedHousehold:
        draft = self.parser.parse(kk, rows)
        if not kk:
            for number, _ in rows[1:]:
                draft.fail(number, self._kk_label, "required",
                           msg("{column} is empty", column=self._kk_label))
        self.marker.mark(draft, rows)
        self.households += 1
        prepared = _prepared(draft, self.digests)
        if not draft.errors:
            prepared.warnings = _warnings(draft, self._layout)
        return prepared

    def batch(self, households: list[PreparedHousehold]) -> ReadBatch:
        marker = self.marker
        found = ReadBatch(households, self.rows_read, list(marker.late_errors),
                          set(marker.late_households))
        marker.late_errors.clear()
        marker.late_households.clear()
        return found


def _prepared(draft: HouseholdDraft, digests: bool) -> PreparedHousehold:
    members = draft.record.members
    return PreparedHousehold(
        draft.kk_number, draft.first_row, [m.nik for m in members], draft.member_rows,
        draft.errors,
        None if draft.errors else household_rows(draft.record, with_digest=digests))


def _warnings(draft: HouseholdDraft, layout: Layout) -> list[RowWarning]:
    members = draft.record.members
    return [RowWarning(
        draft.first_row if f.member is None else draft.member_rows[f.member],
        layout.label(f.column), f.kind.value, f.message, draft.kk_number,
        None if f.member is None else members[f.member].nik)
        for f in household_findings(draft.record)]


def _groups(rows: Iterable[SheetRow], layout: Layout,
            reader: _Reader) -> Iterator[tuple[str, list[SheetRow]]]:
    """Consecutive non-blank rows with the same KK number."""
    kk_index = layout.positions["kk_number"]
    current: str | None = None
    current_cell: object = None
    group: list[SheetRow] = []
    for number, cells in rows:
        if not any(cells):
            continue
        reader.rows_read += 1
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


# An import keeps millions of young objects alive until their batch is stored: with the
# default threshold (a collection every 700 allocations) the cyclic collector walks them over
# and over, ~10 % of the import's CPU, and finds nothing to free. Collect less often meanwhile.
IMPORT_GC_THRESHOLD = 100_000
_importing = 0
_saved_threshold: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
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
