"""Reading and writing the spreadsheets operators use: CSV (UTF-8, BOM tolerated, ``,`` ``;``
or tab sniffed from the header) and XLSX (read with python-calamine, written with openpyxl).

Rows come out numbered as a spreadsheet shows them: the header is row 1, blank rows count.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from regional_node.errors import TableFileError

Cell = object
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_CHUNK = 1 << 20


class Table:
    """A header and data rows that can be read more than once (a quick pre-pass, then the
    real one): rows come as ``(row number, cells)``, the header being row 1."""

    def __init__(self, header: Sequence[Cell], estimated_rows: int | None) -> None:
        self.header = header
        self.estimated_rows = estimated_rows  # data rows expected, for progress bars

    def rows(self) -> Iterator[tuple[int, Sequence[Cell]]]:
        raise NotImplementedError


class _CsvTable(Table):
    def __init__(self, path: Path, estimated_rows: int) -> None:
        self.path = path
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first_line = handle.readline()
        self.delimiter = max(",;\t", key=first_line.count)
        header = next(csv.reader([first_line], delimiter=self.delimiter), [])
        super().__init__(header, estimated_rows)

    def rows(self) -> Iterator[tuple[int, Sequence[Cell]]]:
        with self.path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, delimiter=self.delimiter)
            try:
                next(reader, None)
                yield from enumerate(reader, start=2)
            except csv.Error as exc:  # a cell over the reader's limit, a stray quote, …
                line = reader.line_num
                raise TableFileError(
                    f"{self.path.name}, baris/line {line}: tidak terbaca / unreadable ({exc}); "
                    f"a cell may hold at most {csv.field_size_limit():,} characters") from None


class _XlsxTable(Table):
    """A worksheet read by calamine (Rust; the whole sheet at once, ~10× openpyxl's
    streaming reader). Cells sit where Excel shows them: calamine starts a row at the sheet's
    first used column, so the columns left of it are put back."""

    def __init__(self, worksheet: Any) -> None:
        start = worksheet.start  # (row, column) of the first used cell, 0-based; None: empty
        self._worksheet = worksheet
        self._left: list[Cell] = [""] * start[1] if start else []
        header = next(self._all_rows(), (1, ()))[1] if start else ()
        super().__init__(header, max(worksheet.height - 1, 0))

    def _all_rows(self) -> Iterator[tuple[int, Sequence[Cell]]]:
        left = self._left
        for number, cells in enumerate(self._worksheet.iter_rows(), start=1):
            yield number, left + cells if left else cells

    def rows(self) -> Iterator[tuple[int, Sequence[Cell]]]:
        rows = self._all_rows()
        next(rows, None)  # the header is row 1, as the other readers number it
        return rows


@contextmanager
def open_table(path: Path, *, sheet: str | None = None) -> Iterator[Table]:
    """The table in ``path`` (CSV or XLSX, by suffix); XLSX reads ``sheet`` or the first.

    Rows are streamed from the file on every pass.
    """
    if not path.is_file():
        raise TableFileError(f"{path} does not exist or is not a file")
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        lines = _check_utf8_and_count_lines(path)
        yield _CsvTable(path, max(lines - 1, 0))
    elif suffix in XLSX_SUFFIXES:
        with _open_xlsx(path, sheet) as table:
            yield table
    elif suffix == ".xls":
        raise TableFileError(f"{path.name}: the old .xls format is not supported; save it "
                             "as .xlsx or as CSV UTF-8")
    else:
        raise TableFileError(f"{path.name}: expected a .csv or .xlsx file")


def _check_utf8_and_count_lines(path: Path) -> int:
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = lines + chunk[:exc.start].count(b"\n") + 1
                raise TableFileError(
                    f"{path.name} is not UTF-8 text (first bad byte on line {line}): save it "
                    "as 'CSV UTF-8' or as .xlsx") from None
            lines += chunk.count(b"\n")
    return lines


@contextmanager
def _open_xlsx(path: Path, sheet: str | None) -> Iterator[Table]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError) as exc:
        raise TableFileError(f"{path.name} is not a readable .xlsx workbook ({exc})") from None
    try:
        names = workbook.sheet_names
        if sheet is not None and sheet not in names:
            raise TableFileError(f"{path.name} has no sheet {sheet!r}; its sheets are "
                                 + ", ".join(repr(name) for name in names))
        try:
            worksheet = workbook.get_sheet_by_name(sheet or names[0])
        except (CalamineError, IndexError) as exc:
            raise TableFileError(f"{path.name}: the sheet cannot be read ({exc})") from None
        yield _XlsxTable(worksheet)
    finally:
        workbook.close()


def write_table(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]], *,
                text_columns: Sequence[str] = (),
                notes: Sequence[Sequence[str]] = ()) -> None:
    """Write a table as CSV (UTF-8 with BOM, which Excel needs to see UTF-8) or XLSX, by
    suffix. XLSX formats ``text_columns`` as text (so Excel keeps all 16 digits of a NIK)
    and puts ``notes`` (rows, first one a header) on a second sheet."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        try:
            with path.open("w", encoding="utf-8-sig", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(rows)
        except OSError as exc:
            raise TableFileError(f"cannot write {path}: {exc.strerror}") from None
    elif suffix in XLSX_SUFFIXES:
        _write_xlsx(path, header, rows, text_columns, notes)
    else:
        raise TableFileError(f"{path.name}: write a .csv or .xlsx file")


def _write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[str]],
                text_columns: Sequence[str], notes: Sequence[Sequence[str]]) -> None:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    data = workbook.active
    assert data is not None
    data.title = "data"
    data.append(list(header))
    for row in rows:
        data.append(list(row))
    for index, name in enumerate(header, start=1):
        letter = get_column_letter(index)
        data[f"{letter}1"].font = Font(bold=True)
        data.column_dimensions[letter].width = max(12, len(name) + 2)
        if name in text_columns:
            data.column_dimensions[letter].number_format = "@"
            for cell in data[letter][1:]:
                cell.number_format = "@"
    data.freeze_panes = "A2"
    if notes:
        sheet = workbook.create_sheet("columns")
        for row in notes:
            sheet.append(list(row))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    try:
        workbook.save(path)
    except OSError as exc:
        raise TableFileError(f"cannot write {path}: {exc.strerror}") from None
