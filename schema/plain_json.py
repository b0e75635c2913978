"""Plain values written as :func:`schema.audit_chain.canonical_json` writes them, one at a time.

The hot paths of bulk imports (audit digests, entry hashes) write their canonical JSON from
templates with the keys already in sorted order, filling in each value with :func:`plain_json`
instead of building dictionaries for the encoder to sort: the same bytes (tests hold them
equal) for a fraction of the CPU. A value of any other type raises :class:`NotPlain`, and the
caller takes the general path through the encoder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import Any


class NotPlain(Exception):
    """A value :func:`plain_json` does not write."""


def plain_json(value: Any) -> str:
    """``value`` as canonical JSON (``json``'s C encoder, ``ensure_ascii=False``,
    ``default=str``): texts, None, booleans, integers, floats, dates, lists and tuples of
    them. Subclasses (an ``IntEnum``, say) are not plain."""
    write = _WRITERS.get(value.__class__)
    if write is None:
        raise NotPlain
    return write(value)


def plain_list_json(value: Any, write: Callable[[Any], str] = plain_json) -> str:
    """A list or tuple with each item written by ``write`` (anything else: :func:`plain_json`)."""
    if value.__class__ is not list and value.__class__ is not tuple:
        return plain_json(value)
    return "[" + ",".join(map(write, value)) + "]"


def _float_json(value: float) -> str:
    written = float.__repr__(value)  # what the encoder writes for a finite float
    return _NON_FINITE.get(written, written)


_NON_FINITE = {"inf": "Infinity", "-inf": "-Infinity", "nan": "NaN"}

_WRITERS: dict[type, Callable[[Any], str]] = {
    str: encode_basestring, type(None): lambda _: "null",
    bool: lambda value: "true" if value else "false", int: int.__repr__, float: _float_json,
    dt.date: lambda value: f'"{value}"',  # default=str, then the string: nothing to escape
    list: plain_list_json, tuple: plain_list_json}


def json_template(names: tuple[str, ...]) -> str:
    """A ``str.format`` template of a JSON object whose values are ``names`` in that order,
    written with its keys sorted (as canonical JSON orders them)."""
    position = {name: index for index, name in enumerate(names)}
    assert all(encode_basestring(name) == f'"{name}"' for name in names)
    return "{{" + ",".join(f'"{name}":{{{position[name]}}}' for name in sorted(names)) + "}}"
