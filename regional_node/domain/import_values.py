"""Turning one spreadsheet cell into a typed value, or a :class:`CellError` saying why not.

Cells come from CSV (always text) or XLSX (text, numbers, dates, booleans or empty); every
parser takes either. They sit on the import's hot path, so the common case is kept short.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from regional_node.domain.import_messages import Message, msg
from regional_node.domain.import_synonyms import FALSE_WORDS, TRUE_WORDS, choices, normalise_choice
from schema.enums import Asset, Program

Cell = object
E = TypeVar("E", bound=StrEnum)

LIST_SEPARATORS = re.compile(r"[;,]")
_PERIOD = re.compile(r"^(\d{4})(?:-(S[12]|Q[1-4]|0[1-9]|1[0-2]))?$")
_PERIOD_START_MONTH = {"S1": 1, "S2": 7, "Q1": 1, "Q2": 4, "Q3": 7, "Q4": 10}
_COMPACT_DESA = re.compile(r"^\d{10}$")


# Parsers whose result depends on the text alone and is immutable: a parse can be remembered
# per text (see HouseholdParser), up to this many texts per column. Columns with a handful of
# spellings (choices) need few; dates repeat across a large file (birth dates, program starts)
# but come in thousands.
REMEMBERED: dict[Callable[[Cell], object], int] = {}
FEW_TEXTS, MANY_TEXTS = 1_024, 65_536


class CellError(Exception):
    """Why a cell's content cannot be used; ``reason`` is a stable code."""

    def __init__(self, reason: str, message: Message) -> None:
        super().__init__(str(message))
        self.reason = reason
        self.message = message


class EmptyCell(CellError):
    """The cell holds only spaces: treated as empty, not as a bad value."""

    def __init__(self) -> None:
        super().__init__("required", msg("the cell is empty"))


@dataclass(frozen=True, slots=True)
class ProgramItem:
    """One ``PROGRAM@PERIOD[@START]`` entry of a ``programs`` cell."""

    program: Program
    period: str
    start_date: dt.date


def text(cell: Cell) -> str:
    """The cell as stripped text; numbers without a fractional part lose their ``.0``."""
    if cell.__class__ is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat()
    return str(cell).strip()


def plain_text(cell: Cell) -> str:
    """A text column's value (names, addresses)."""
    value = cell.strip() if type(cell) is str else text(cell)  # text(), minus a call
    if not value:
        raise EmptyCell()
    return value


def identity_number(cell: Cell) -> str:
    """A NIK or KK number as text; a leading ``'`` (Excel's force-text mark) is dropped."""
    value = cell.strip() if type(cell) is str else text(cell)
    return value[1:].strip() if value.startswith("'") else value


def identity_number_cell(cell: Cell) -> str:
    value = identity_number(cell)
    if not value:
        raise EmptyCell()
    return value


def desa_code(cell: Cell) -> str:
    """``32.73.01.1001``; the compact form ``3273011001`` is accepted too."""
    value = plain_text(cell)
    if _COMPACT_DESA.match(value):
        return f"{value[0:2]}.{value[2:4]}.{value[4:6]}.{value[6:10]}"
    return value


def date(cell: Cell) -> dt.date:
    """``YYYY-MM-DD``, ``DD-MM-YYYY`` or ``DD/MM/YYYY`` (one-digit day/month too), or an XLSX
    date cell."""
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    value = text(cell)
    if not value:
        raise EmptyCell()
    if len(value) == 10 and value[4] == "-":
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    parts = value.replace("/", "-").split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        day, month, year = (parts[2], parts[1], parts[0]) if len(parts[0]) == 4 else parts
        if len(year) == 4:
            try:
                return dt.date(int(year), int(month), int(day))
            except ValueError:
                raise CellError("invalid_date", msg("'{typed}' is not a real date",
                                                       typed=value)) from None
    raise CellError("invalid_date", msg(
        "'{typed}' is not a date: write YYYY-MM-DD, DD-MM-YYYY or DD/MM/YYYY", typed=value))


def choice_parser(enum: type[E]) -> Callable[[Cell], E]:
    """A parser for ``enum`` that accepts its values and Indonesian synonyms, any case."""
    table = choices(enum)
    allowed = ", ".join(m.value for m in enum)

    def parse(cell: Cell) -> E:
        value = cell if cell.__class__ is str else text(cell)
        found = table.get(value)
        if found is None:
            key = normalise_choice(value)
            if not key:
                raise EmptyCell()
            found = table.get(key)
            if found is None:
                raise CellError("invalid_choice", msg("'{typed}' is not one of: {allowed}",
                                                          typed=value, allowed=allowed))
        return found  # type: ignore[return-value]

    REMEMBERED[parse] = FEW_TEXTS
    return parse


def number(cell: Cell) -> float:
    """A decimal number; a decimal comma (``-6,91``) is accepted."""
    if type(cell) is str:  # CSV: always
        value = cell.strip()
    elif isinstance(cell, int | float) and not isinstance(cell, bool):
        return float(cell)
    else:
        value = text(cell)
    if not value:
        raise EmptyCell()
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        raise CellError("invalid_number", msg("'{typed}' is not a number",
                                                 typed=value)) from None


def whole_number(cell: Cell) -> int:
    result = number(cell)
    if not result.is_integer():
        raise CellError("invalid_number", msg("'{typed}' is not a whole number",
                                                 typed=text(cell)))
    return int(result)


def yes_no(cell: Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    value = text(cell).upper()
    if value not in TRUE_WORDS and value not in FALSE_WORDS:
        value = normalise_choice(value)
    if not value:
        raise EmptyCell()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise CellError("invalid_choice", msg("'{typed}' is not yes/no (YA/TIDAK, TRUE/FALSE, 1/0)",
                                          typed=text(cell)))


REMEMBERED[yes_no] = FEW_TEXTS

_asset = choice_parser(Asset)
_program = choice_parser(Program)


def assets(cell: Cell) -> tuple[Asset, ...]:
    """``TELEVISION;MOTORCYCLE`` (``;`` or ``,`` between items), duplicates dropped."""
    return _assets(text(cell))


def programs(cell: Cell) -> tuple[ProgramItem, ...]:
    """``PKH@2026-S1;PBI_JK@2026-S1@2026-02-01``: program, period and optional start date."""
    return _programs(text(cell))


# The same few lists repeat on thousands of rows: parse each spelling once.
@functools.lru_cache(maxsize=4096)
def _assets(value: str) -> tuple[Asset, ...]:
    items = [item for item in LIST_SEPARATORS.split(value) if item.strip()]
    return tuple(dict.fromkeys(_asset(item) for item in items))


@functools.lru_cache(maxsize=4096)
def _programs(value: str) -> tuple[ProgramItem, ...]:
    return tuple(_program_item(item.strip())
                 for item in LIST_SEPARATORS.split(value) if item.strip())


def _program_item(item: str) -> ProgramItem:
    parts = [p.strip() for p in item.split("@")]
    if len(parts) not in (2, 3) or not parts[1]:
        raise CellError("invalid_program", msg(
            "'{typed}': write PROGRAM@PERIOD or PROGRAM@PERIOD@START, e.g. PKH@2026-S1 or "
            "PKH@2026-S1@2026-01-15", typed=item))
    program, period = _program(parts[0]), parts[1].upper()
    shape = _PERIOD.match(period)
    if shape is None:
        raise CellError("invalid_period", msg(
            "'{typed}': period '{period}' is not YYYY, YYYY-S1/S2, YYYY-Q1..Q4 or YYYY-MM",
            typed=item, period=parts[1]))
    if len(parts) == 3:
        return ProgramItem(program, period, date(parts[2]))
    year, part = int(shape.group(1)), shape.group(2)
    if part is None:
        month = 1
    elif part.isdigit():
        month = int(part)
    else:
        month = _PERIOD_START_MONTH[part]
    return ProgramItem(program, period, dt.date(year, month, 1))


REMEMBERED.update({desa_code: FEW_TEXTS, whole_number: FEW_TEXTS, date: MANY_TEXTS,
                   assets: FEW_TEXTS * 4, programs: FEW_TEXTS * 4})
