"""RFC 8785 (JCS) canonical JSON, with a fast path through the C ``json`` encoder.

:func:`dumps` returns exactly the bytes of ``rfc8785.dumps(value)`` and raises what it raises.
When the value is *provably* encoded the same way by ``json`` (sorted keys, no spaces,
``ensure_ascii=False``), the C encoder does the work; otherwise ``rfc8785`` does. The fast path
is taken only when every node of the value is

- ``None``, ``bool`` or ``str`` (exact types; ``bool`` prints ``true``/``false`` in both);
- an ``int`` (exact type) within ±(2**53 - 1), the range ``rfc8785`` accepts (it refuses the
  rest, so those fall back and are refused as before);
- a ``float`` (exact type) that is finite, not integral, 1e-6 <= abs(x) < 1e21 and whose
  ``repr`` has no exponent: then ``repr`` (what ``json`` prints) equals the ECMAScript
  Number::toString form JCS requires (``rfc8785`` prints ``str(x)`` unchanged for these);
  ``1.0``, ``-0.0``, ``1e-05``, ``1e+16``… fall back;
- a ``list`` or a ``dict`` (exact types) with ``str`` keys;

and the encoded text has no character outside the Basic Multilingual Plane and no surrogate.
Inside the BMP (surrogates excluded) Python's code-point order of keys equals JCS's UTF-16
code-unit order, and both escape the same characters the same way: ``"`` and ``\\``, the
controls below U+0020 as ``\\b \\f \\n \\r \\t`` or else ``\\u00xx`` in lower-case hex, and
nothing else (U+007F, U+2028 and U+2029 stay raw). Lone surrogates make ``rfc8785`` refuse the
value, so they fall back too. ``tests/schema/test_canonical_json.py`` checks the equivalence
property-based against ``rfc8785.dumps``.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import rfc8785

__all__ = ["dumps", "fast_path_applies"]

_INT_MAX = 2**53 - 1  # rfc8785 refuses integers outside ±(2**53 - 1)

_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)

# surrogates (U+D800..U+DFFF) and everything beyond the BMP (U+10000..U+10FFFF)
_OUTSIDE_BMP = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")


def dumps(value: Any) -> bytes:
    """``rfc8785.dumps(value)``, through the C ``json`` encoder when that is provably equal."""
    text = _fast(value)
    if text is None:
        return rfc8785.dumps(value)
    return text.encode("utf-8")


def fast_path_applies(value: Any) -> bool:
    """Whether :func:`dumps` takes the fast path for ``value`` (for tests and benchmarks)."""
    return _fast(value) is not None


def _fast(value: Any) -> str | None:
    try:
        if not _plain(value):
            return None
    except RecursionError:
        return None
    text = _ENCODER.encode(value)
    if not text.isascii() and _OUTSIDE_BMP.search(text) is not None:
        return None
    return text


def _plain(value: Any) -> bool:
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return True
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            if type(item) is not str and not _plain(item):
                return False
        return True
    if kind is list:
        for item in value:  # noqa: SIM110 - a loop is faster than all() over a generator
            if type(item) is not str and not _plain(item):
                return False
        return True
    if kind is int:
        return -_INT_MAX <= value <= _INT_MAX
    if kind is float:
        return _plain_float(value)
    return False


def _plain_float(number: float) -> bool:
    if not math.isfinite(number) or number.is_integer():
        return False
    if not 1e-6 <= abs(number) < 1e21:
        return False
    text = repr(number)
    return "e" not in text and "E" not in text
