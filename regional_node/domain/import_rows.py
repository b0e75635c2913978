"""From the rows of one KK to a :class:`HouseholdRecord`, with every problem placed on the row
and column where the operator can fix it.

Household fields come from the head's row; other rows may leave them empty or repeat them,
but must not contradict them. A row's ``programs`` go to its person (PBI_JK, PIP) or to the
household (every other program).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from regional_node.domain.import_format import (
    COLUMNS,
    PERSON_PROGRAMS,
    Layout,
    RowError,
    Scope,
)
from regional_node.domain.import_messages import Message, msg
from regional_node.domain.import_values import (
    FEW_TEXTS,
    REMEMBERED,
    Cell,
    CellError,
    EmptyCell,
    ProgramItem,
    identity_number,
    text,
)
from regional_node.domain.records import (
    HouseholdRecord,
    MemberRecord,
    Problem,
    ProgramRecord,
    household_problems,
)
from schema.enums import Relationship

SheetRow = tuple[int, Sequence[Cell]]  # (row number as the operator sees it, cells)
MEMBER_FIELDS = frozenset({"nik", "name", "birth_date", "sex"})


@dataclass(slots=True)
class HouseholdDraft:
    """A KK's rows parsed: the record, which sheet row each member came from, the errors."""

    kk_number: str
    first_row: int
    head_row: int
    record: HouseholdRecord
    member_rows: list[int]
    errors: list[RowError]
    complete: bool  # every row became a member

    def fail(self, row: int, column: str, reason: str, message: Message) -> None:
        self.errors.append(RowError(row, column, reason, message))


# (canonical name, position, parser, label in the file, required, remembered parses of texts
# or None, how many texts to remember): tuples, for speed
_Field = tuple[str, int, Callable[[Cell], object], str, bool, dict[Cell, object] | None, int]
GROUPS_LIMIT = 4_096  # combinations of a person's choice texts remembered


class HouseholdParser:
    """Parses groups of rows laid out as ``layout`` says, for a node owning ``node_region``."""

    def __init__(self, layout: Layout, node_region: str) -> None:
        self.layout = layout
        self.node_region = node_region
        fields: list[_Field] = [
            (c.name, layout.positions[c.name], c.parse, layout.label(c.name), c.required,
             {} if c.parse in REMEMBERED else None, REMEMBERED.get(c.parse, 0))
            for c in COLUMNS if c.name in layout.positions]
        self._member_fields = [f for f in fields if COLUMN_SCOPE[f[0]] is Scope.MEMBER]
        self._household_fields = [f for f in fields if COLUMN_SCOPE[f[0]] is Scope.HOUSEHOLD]
        # A person's choice columns (sex, relationship, education...) come in a few hundred
        # combinations: their parses are remembered per combination of texts, so that a row
        # seen before parses only its other columns.
        grouped = [f for f in self._member_fields if f[6] == FEW_TEXTS]
        self._group_names = [f[0] for f in grouped]
        self._group_cells = itemgetter(*(f[1] for f in grouped)) if len(grouped) > 1 else None
        self._ungrouped_fields = [f for f in self._member_fields if f not in grouped]
        self._groups: dict[tuple[Cell, ...], dict[str, Any]] = {}
        self._width = max(layout.positions.values()) + 1
        self._household_cells = itemgetter(*(f[1] for f in self._household_fields))

    def parse(self, kk_number: str, rows: list[SheetRow]) -> HouseholdDraft:
        """Parse and validate one KK's rows (``household_problems`` included)."""
        errors: list[RowError] = []
        width = self._width
        rows = [(number, cells if len(cells) >= width else _padded(cells, width))
                for number, cells in rows]
        parsed = [(number, cells, self._member_cells(number, cells, errors))
                  for number, cells in rows]
        heads = [number for number, _, found in parsed
                 if found.get("relationship") is Relationship.HEAD]
        head_row = heads[0] if heads else rows[0][0]
        head_cells = next(cells for number, cells in rows if number == head_row)
        household = self._cells(head_row, head_cells, self._household_fields, errors)
        draft = HouseholdDraft(kk_number, rows[0][0], head_row, _record(household), [], errors,
                               complete=True)
        for number, cells, found in parsed:
            if number != head_row:
                self._check_agreement(draft, number, cells, head_cells, household)
            self._add_member(draft, number, found)
        self._add_problems(draft, heads, rows)
        return draft

    def _member_cells(self, number: int, cells: Sequence[Cell],
                      errors: list[RowError]) -> dict[str, Any]:
        """``_cells`` of the member columns, the same values and errors in the same order."""
        if self._group_cells is None:
            return self._cells(number, cells, self._member_fields, errors)
        texts = self._group_cells(cells)
        grouped = self._groups.get(texts)
        if grouped is not None:  # no error among them: only the other columns can have one
            found = self._cells(number, cells, self._ungrouped_fields, errors)
            found.update(grouped)
            return found
        before = len(errors)
        found = self._cells(number, cells, self._member_fields, errors)
        if (len(errors) == before and len(self._groups) < GROUPS_LIMIT
                and all(text.__class__ is str for text in texts)):  # 1, 1.0, True: one key
            self._groups[texts] = {name: found[name] for name in self._group_names
                                   if name in found}
        return found

    def _cells(self, number: int, cells: Sequence[Cell], fields: list[_Field],
               errors: list[RowError]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, index, parse, label, required, memo, limit in fields:
            raw = cells[index]
            if memo is not None:
                value = memo.get(raw)
                if value is not None:  # the usual case: a spelling seen before
                    found[name] = value
                    continue
            if not raw and (raw is None or raw == ""):  # not 0 or False from an XLSX cell
                if required:
                    errors.append(RowError(number, label, "required", _empty(label)))
                continue
            try:
                found[name] = value = parse(raw)
                if memo is not None and raw.__class__ is str and len(memo) < limit:
                    memo[raw] = value  # text only: 1, 1.0 and True are one dict key
            except EmptyCell:  # only spaces
                if required:
                    errors.append(RowError(number, label, "required", _empty(label)))
            except CellError as exc:
                errors.append(RowError(number, label, exc.reason, exc.message))
        return found

    def _check_agreement(self, draft: HouseholdDraft, number: int, cells: Sequence[Cell],
                         head_cells: Sequence[Cell], household: dict[str, Any]) -> None:
        if self._household_cells(cells) == self._household_cells(head_cells):
            return  # the usual case: the household's cells repeated as they are
        for name, index, parse, label, _, _, _ in self._household_fields:
            raw, head_raw = cells[index], head_cells[index]
            if raw == head_raw or not text(raw) or text(raw) == text(head_raw):
                continue
            try:
                if parse(raw) == household.get(name):
                    continue
            except CellError:
                pass
            draft.fail(number, label, "household_mismatch", msg(
                "{column} is '{typed}' here but '{head_value}' on row {head_row} (the head's "
                "row); rows of one KK must agree", column=label, typed=text(raw),
                head_value=text(head_raw), head_row=draft.head_row))

    def _add_member(self, draft: HouseholdDraft, number: int, found: dict[str, Any]) -> None:
        items: tuple[ProgramItem, ...] = found.pop("programs", ())
        try:
            member = MemberRecord(**found)
        except TypeError:  # a required cell was empty or invalid: already reported
            draft.complete = False
            return
        draft.record.members.append(member)
        draft.member_rows.append(number)
        for item in items:
            person = member.nik if item.program in PERSON_PROGRAMS else None
            _add_program(draft, number, ProgramRecord(item.program, item.period,
                                                      item.start_date, person))

    def _add_problems(self, draft: HouseholdDraft, heads: list[int],
                      rows: list[SheetRow]) -> None:
        problems = household_problems(draft.record, self.node_region)
        if not problems:  # the usual case
            return
        cells = dict(rows)  # the row's cells, for a message naming what was typed
        if not draft.complete:  # the head count is unknown while a row is unreadable
            problems = [p for p in problems if p.field not in ("members", "relationship")]
        if any(p.field in MEMBER_FIELDS and p.reason != "duplicate" for p in problems):
            problems = [p for p in problems if p.field not in MEMBER_FIELDS
                        or p.reason == "duplicate"]
            self._add_member_problems(draft, cells)
        taken = {(e.row, e.column) for e in draft.errors}
        for problem in problems:
            for row in _rows_of(problem, draft, heads):
                column = self.layout.label(_column_of(problem.field))
                if (row, column) not in taken:
                    taken.add((row, column))
                    draft.fail(row, column, problem.reason,
                               self._as_typed(problem, cells.get(row)))

    def _add_member_problems(self, draft: HouseholdDraft,
                             cells: dict[int, Sequence[Cell]]) -> None:
        """Which member a NIK, name, birth-date or sex problem belongs to: each member is
        checked alone by the same rules."""
        for member, row in zip(draft.record.members, draft.member_rows, strict=True):
            alone = dataclasses.replace(draft.record, programs=[], members=[
                dataclasses.replace(member, relationship=Relationship.HEAD)])
            for problem in household_problems(alone, self.node_region):
                if problem.field in MEMBER_FIELDS:
                    draft.fail(row, self.layout.label(problem.field), problem.reason,
                               self._as_typed(problem, cells.get(row)))

    def _as_typed(self, problem: Problem, cells: Sequence[Cell] | None) -> Message:
        """The problem's message with its ``typed`` value as the cell shows it (``L``, not
        ``MALE``; ``25/06/2027``, not a date the parser made of it)."""
        message = problem.message
        assert isinstance(message, Message), "the registry's rules give catalogue messages"
        index = self.layout.positions.get(_column_of(problem.field))
        if cells is None or index is None or "typed" not in dict(message.params):
            return message
        typed = identity_number(cells[index]) if problem.field in ("nik", "kk_number") \
            else text(cells[index])
        return message.with_params(typed=typed) if typed else message


COLUMN_SCOPE = {c.name: c.scope for c in COLUMNS}


def _empty(label: str) -> Message:
    return msg("{column} is empty", column=label)


def _padded(cells: Sequence[Cell], width: int) -> list[Cell]:
    return [*cells, *[None] * (width - len(cells))]


def _record(household: dict[str, Any]) -> HouseholdRecord:
    household.setdefault("kk_number", "")
    household.setdefault("desa_code", "")
    household.setdefault("address", "")
    return HouseholdRecord(members=[], **household)


def _add_program(draft: HouseholdDraft, row: int, program: ProgramRecord) -> None:
    for existing in draft.record.programs:
        if (existing.program, existing.period, existing.member_nik) == (
                program.program, program.period, program.member_nik):
            if existing.start_date != program.start_date:
                draft.fail(row, "programs", "program_conflict", msg(
                    "{program}@{period} starts on {other} on another row of this KK, here on "
                    "{start}", program=str(program.program), period=program.period,
                    other=existing.start_date.isoformat(),
                    start=program.start_date.isoformat()))
            return
    draft.record.programs.append(program)


def _column_of(field: str) -> str:
    return "relationship" if field == "members" else field


def _rows_of(problem: Problem, draft: HouseholdDraft, heads: list[int]) -> list[int]:
    if problem.reason == "one_head":
        return heads[1:] or [draft.first_row]
    if problem.field == "nik" and problem.reason == "duplicate":
        seen: set[str] = set()
        repeated = []
        for member, row in zip(draft.record.members, draft.member_rows, strict=True):
            if member.nik in seen and isinstance(problem.message, Message) \
                    and member.nik == dict(problem.message.params).get("nik"):
                repeated.append(row)
            seen.add(member.nik)
        return repeated or [draft.head_row]
    return [draft.head_row]
