"""Writing households as an import file (CSV) in the format of
:mod:`regional_node.domain.import_format`: one row per person, the household's columns
repeated on every row of its KK, rows grouped by ``kk_number`` with the head first.

Household programs (PKH, BPNT, ...) go on the head's row, person programs (PBI-JK, PIP) on
their person's row, as ``PROGRAM@PERIOD@START`` items separated by ``;``. The columns and
their order come from the format module, so the file always matches what the importer reads.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path

from regional_node.domain.import_format import COLUMNS
from regional_node.domain.records import HouseholdRecord, MemberRecord, ProgramRecord
from regional_node.errors import UnwritableFile
from schema.enums import Relationship

ENCODING = "utf-8"
_SPECIAL = frozenset({"assets", "alive", "programs"})


@dataclass(frozen=True, slots=True)
class WrittenFile:
    households: int
    members: int


class RowBuilder:
    """Cells of one household's rows in the order of ``columns``. Values go to the csv
    module as they are: enums are ``str`` subclasses (written as their value), None is
    written empty, dates in ISO form, floats in their shortest exact form."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        household_fields = {f.name for f in fields(HouseholdRecord)}
        member_fields = {f.name for f in fields(MemberRecord)}
        self.width = len(columns)
        self.household = [(i, name) for i, name in enumerate(columns)
                          if name in household_fields and name not in _SPECIAL]
        self.member = [(i, name) for i, name in enumerate(columns)
                       if name in member_fields and name not in _SPECIAL]
        self.assets = columns.index("assets") if "assets" in columns else None
        self.alive = columns.index("alive") if "alive" in columns else None
        self.programs = columns.index("programs") if "programs" in columns else None

    def rows(self, record: HouseholdRecord) -> list[list[object]]:
        shared: list[object] = [None] * self.width
        for index, name in self.household:
            shared[index] = getattr(record, name)
        if self.assets is not None:
            shared[self.assets] = ";".join(record.assets)
        by_person: dict[str | None, list[ProgramRecord]] = {}
        for program in record.programs:
            by_person.setdefault(program.member_nik, []).append(program)
        members = sorted(record.members, key=lambda m: m.relationship is not Relationship.HEAD)
        rows = []
        for position, member in enumerate(members):
            row = shared.copy()
            for index, name in self.member:
                row[index] = getattr(member, name)
            if self.alive is not None:
                row[self.alive] = "YES" if member.alive else "NO"
            if self.programs is not None:
                programs = by_person.get(member.nik, [])
                if position == 0:
                    programs = by_person.get(None, []) + programs
                row[self.programs] = ";".join(
                    f"{p.program}@{p.period}@{p.start_date.isoformat()}" for p in programs)
            rows.append(row)
        return rows


def write_import_csv(path: Path, records: Iterable[HouseholdRecord], *,
                     progress: Callable[[int], object] | None = None,
                     chunk: int = 1_000) -> WrittenFile:
    """Write ``records`` to ``path`` (replaced if it exists); returns what was written."""
    builder = RowBuilder(tuple(c.name for c in COLUMNS))
    households = members = pending = 0
    try:
        handle = path.open("w", encoding=ENCODING, newline="")
    except OSError as exc:
        raise UnwritableFile(f"cannot write {path}: {exc.strerror or exc}") from None
    with handle:
        writer = csv.writer(handle)
        writer.writerow([c.name for c in COLUMNS])
        for record in records:
            writer.writerows(builder.rows(record))
            households += 1
            members += len(record.members)
            pending += 1
            if progress is not None and pending == chunk:
                progress(pending)
                pending = 0
    if progress is not None and pending:
        progress(pending)
    return WrittenFile(households, members)
