"""Record ids: the positive integers a node numbers its rows with (households, members,
notifications). An id is ASCII digits only (``"³"`` and ``"٣"`` are digits to Python, not ids)
and fits a signed 64-bit column; anything else is ``INVALID_INPUT`` (reason ``malformed``),
never a crash in the database driver."""

from __future__ import annotations

from typing import Any

from schema.errors import InvalidInput

MAX_RECORD_ID = 2**63 - 1
"""The largest value of a BIGINT / SQLite INTEGER column."""


def is_record_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and 0 < int(value) <= MAX_RECORD_ID


def record_id(value: Any, field: str = "id", what: str = "an id") -> int:
    """``value`` (an ``ID`` argument) as the integer it names; InvalidInput otherwise."""
    text = str(value)
    if not is_record_id(text):
        raise InvalidInput(f"{text!r} is not {what}", reason="malformed", field=field)
    return int(text)
