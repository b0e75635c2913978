"""KKs and NIKs that an import file holds more than once: every occurrence is an error, so
neither copy of a repeated person or family, nor any part of a KK whose rows are split, is
stored.

When good households are committed as the file streams by (skip-bad-rows), the repeats must
be known before anything is stored: :func:`find_repeats` makes a quick first pass over the
two columns. When an error anywhere means nothing is stored (all-or-nothing), the first pass
is not needed: an earlier occurrence is flagged as soon as a later one shows up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from regional_node.domain.import_format import Layout, RowError
from regional_node.domain.import_messages import Message, msg
from regional_node.domain.import_rows import HouseholdDraft, SheetRow
from regional_node.domain.import_values import identity_number

REASON = "duplicate_in_file"


@dataclass(frozen=True, slots=True)
class KnownRepeats:
    kk_blocks: dict[str, list[int]]  # KK → first row of each separate block of its rows
    nik_rows: dict[str, list[tuple[int, str]]]  # NIK → every row it is on, with its KK


def find_repeats(rows: Iterable[SheetRow], layout: Layout) -> KnownRepeats:
    """The repeated KKs and NIKs of ``rows`` (blank rows skipped, as the import does)."""
    kk_index, nik_index = layout.positions["kk_number"], layout.positions["nik"]
    kk_blocks: dict[str, list[int]] = {}
    nik_rows: dict[str, list[tuple[int, str]]] = {}
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
            nik_rows.setdefault(identity_number(cells[nik_index]), []).append((number, kk))
    return KnownRepeats(
        {kk: starts for kk, starts in kk_blocks.items() if kk and len(starts) > 1},
        {nik: found for nik, found in nik_rows.items() if nik and len(found) > 1})


@dataclass
class RepeatMarker:
    """Fails each draft's repeated KK and NIKs. Without ``known`` repeats it finds them as
    drafts come, and puts the errors of earlier occurrences in ``late_errors``, with the first
    row of each household they belong to in ``late_households``."""

    layout: Layout
    known: KnownRepeats | None = None
    late_errors: list[RowError] = field(default_factory=list)
    late_households: set[int] = field(default_factory=set)
    _kk_first_row: dict[str, int] = field(default_factory=dict)
    # row, household row, KK
    _nik_first: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    _flagged: set[tuple[int, str]] = field(default_factory=set)

    def mark(self, draft: HouseholdDraft, rows: list[SheetRow]) -> None:
        if self.known is not None:
            self._mark_known(draft, rows, self.known)
        else:
            self._mark_seen(draft)

    def _mark_known(self, draft: HouseholdDraft, rows: list[SheetRow],
                    known: KnownRepeats) -> None:
        starts = known.kk_blocks.get(draft.kk_number)
        if starts:
            self._fail_kk(draft, [s for s in starts if s != draft.first_row])
        own_rows = {number for number, _ in rows}
        for member, row in zip(draft.record.members, draft.member_rows, strict=True):
            others = [(n, kk) for n, kk in known.nik_rows.get(member.nik, ())
                      if n not in own_rows]
            if others:
                draft.fail(row, self.layout.label("nik"), REASON, _nik_elsewhere(
                    member.nik, [n for n, _ in others], [kk for _, kk in others]))

    def _mark_seen(self, draft: HouseholdDraft) -> None:
        kk, kk_label = draft.kk_number, self.layout.label("kk_number")
        earlier = self._kk_first_row.setdefault(kk, draft.first_row) if kk else draft.first_row
        if earlier != draft.first_row:
            self._fail_kk(draft, [earlier])
            self._late(earlier, earlier, kk_label, msg(
                "KK {kk} is also on row {rows}; a KK's rows must be consecutive and appear "
                "once", kk=kk, rows=draft.first_row))
        nik_label = self.layout.label("nik")
        for member, row in zip(draft.record.members, draft.member_rows, strict=True):
            seen_row, household_row, seen_kk = self._nik_first.setdefault(
                member.nik, (row, draft.first_row, kk))
            if household_row != draft.first_row:
                draft.fail(row, nik_label, REASON, _nik_elsewhere(member.nik, [seen_row],
                                                                  [seen_kk]))
                self._late(seen_row, household_row, nik_label,
                           _nik_elsewhere(member.nik, [row], [kk]))

    def _fail_kk(self, draft: HouseholdDraft, other_starts: list[int]) -> None:
        # a fragment of a split KK: whether it holds the head is beside the point
        draft.errors = [e for e in draft.errors if e.reason != "one_head"]
        draft.fail(draft.first_row, self.layout.label("kk_number"), REASON, msg(
            "KK {kk} is also on row {rows}; a KK's rows must be consecutive and appear once",
            kk=draft.kk_number, rows=_rows(other_starts)))

    def _late(self, row: int, household_row: int, column: str, message: Message) -> None:
        if (row, column) not in self._flagged:
            self._flagged.add((row, column))
            self.late_errors.append(RowError(row, column, REASON, message))
            self.late_households.add(household_row)


def _nik_elsewhere(nik: str, rows: list[int], kks: list[str]) -> Message:
    """A NIK the file has on other rows: which rows, and in which KK (another KK, or the
    same KK in a block of its own)."""
    named = ", ".join(dict.fromkeys(kk or "?" for kk in kks))
    return msg("NIK {nik} is also on row {rows}, in KK {kk}", nik=nik, rows=_rows(rows),
               kk=named)


def _rows(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers))
