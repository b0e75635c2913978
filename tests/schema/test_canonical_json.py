"""schema.canonical_json: byte-equal to rfc8785.dumps, and fast for the records sync sends."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from schema.canonical_json import dumps, fast_path_applies

_JCS_INT = 2**53 - 1

_text = st.one_of(
    st.text(),  # any code point: BMP, non-BMP, controls, U+2028/2029, U+007F…
    st.text(alphabet=st.characters(codec="utf-8", max_codepoint=0xFFFF)),
    st.text(alphabet=st.sampled_from(
        ['"', "\\", "\b", "\f", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\u2029",
         "\ufeff", "\uffff", "\ue000", "é", "a", "Z", "\U0001f600", "\U00010000", "\ud800"])),
)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-_JCS_INT, max_value=_JCS_INT),
    st.integers(),  # beyond ±(2**53 - 1) too: refused by both
    st.floats(),  # nan, inf, -0.0, integral, subnormal, huge…
    st.floats(min_value=1e-7, max_value=1e22),
    st.sampled_from([0.1, -0.5, 1e-6, 1.5e-6, 1e-5, 1e-4, 0.0001234, 123.456, 1e15 + 0.5,
                     2.5e15, 1e16, 1e20, 1e21, 9.999999999999999e20, 5e-324, -0.0, 1.0]),
    _text,
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(_text, inner, max_size=5),
    ),
    max_leaves=30,
)


def _reference(value: Any) -> bytes | type[BaseException]:
    try:
        return rfc8785.dumps(value)
    except Exception as error:  # noqa: BLE001 - compared by type below
        return type(error)


def _ours(value: Any) -> bytes | type[BaseException]:
    try:
        return dumps(value)
    except Exception as error:  # noqa: BLE001 - compared by type below
        return type(error)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_values)
@example({"\ue000": 1, "\U0001f600": 2})  # code-point order differs from UTF-16 order
@example({"b": [1.5, 0.1, -2.25], "a": {"é": "\u2028\u2029\x7f\x00\x1f\b"}})
@example([2**53 - 1, -(2**53) + 1, 2**53, 1e21, 1e-7, 1.0])
def test_byte_equal_to_rfc8785(value: Any) -> None:
    assert _ours(value) == _reference(value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats(value: float) -> None:
    assert _ours(value) == _reference(value)
    assert _ours([value]) == _reference([value])


def test_non_bmp_keys_sort_by_utf16_code_units() -> None:
    value = {"\ue000": 1, "\U0001f600": 2}
    assert not fast_path_applies(value)
    assert dumps(value) == '{"\U0001f600":2,"\ue000":1}'.encode()


@pytest.mark.parametrize("value", [
    1.0, -0.0, 1e-5, 1e16, 1e21, float("nan"), 2**53, -(2**53), (1, 2), {1: "a"},
    {"a": (1,)}, "\ud800", ["\U0001f600"], b"bytes",
])
def test_what_is_not_provably_equal_falls_back(value: Any) -> None:
    assert not fast_path_applies(value)
    assert _ours(value) == _reference(value)


def test_escapes_match_jcs() -> None:
    text = "".join(chr(c) for c in range(0x80)) + "\u2028\u2029\ufeff"
    assert fast_path_applies(text)
    assert dumps(text) == rfc8785.dumps(text)
    assert dumps({text: text}) == rfc8785.dumps({text: text})


def _realistic_record(i: int) -> dict[str, Any]:
    """Shaped like an approved NEW_HOUSEHOLD (regional_node.domain.sync.submission_record)."""
    niks = [f"3273{(i * 4 + m) % 10**12:012d}" for m in range(4)]
    members = [{"nik": nik, "name": f"Warga Ñandú {i} {m}", "sex": "F" if m % 2 else "M",
                "birth_date": f"19{60 + m}-0{1 + m}-1{m}",
                "relationship": ("HEAD", "SPOUSE", "CHILD", "CHILD")[m],
                "occupation": "PETANI" if m < 2 else "PELAJAR", "income": 1250000.5,
                "disability": None, "in_school": m > 1} for m, nik in enumerate(niks)]
    details = {"household": {"kk_number": f"3273{i:012d}", "members": members,
                             "address": "Jl. Merdeka No. 7, RT 01\nRW 02 — Bandung"}}
    return {"id": f"rec-{i:07d}", "kind": "NEW_HOUSEHOLD", "desa_code": "32.73.01.1001",
            "household_id": f"hh-{i:07d}", "details": details,
            "details_digest": hashlib.sha256(json.dumps(details).encode()).hexdigest(),
            "approved_at": "2026-11-20T08:00:00+00:00", "approved_by": "dinsos-32.73-01",
            "niks": niks, "member_count": 4}


def test_fast_path_is_taken_for_a_sync_record_and_envelope_payload() -> None:
    record = _realistic_record(7)
    assert fast_path_applies(record)
    assert dumps(record) == rfc8785.dumps(record)
    header = {"version": "1.0.0", "message_id": "5b4c…", "total_count": 2,
              "message_ts": "2025-07-01T08:00:00.000Z", "action": "submit",
              "sender_id": "32.73", "receiver_id": "gateway"}
    payload: dict[str, Any] = {"header": header,
                               "message": {"records": [record, _realistic_record(8)]}}
    assert fast_path_applies(payload)
    assert dumps(payload) == rfc8785.dumps(payload)


def test_fast_path_is_taken_in_the_envelope_module(monkeypatch: pytest.MonkeyPatch) -> None:
    from certs import envelope

    def refuse(value: Any) -> bytes:
        raise AssertionError("fell back to rfc8785")

    monkeypatch.setattr(rfc8785, "dumps", refuse)
    header = envelope.make_header(action="submit", sender_id="32.73", receiver_id="gateway",
                                  total_count=1)
    envelope.canonical_payload(header, {"records": [_realistic_record(1)]})


_records_messages = st.fixed_dictionaries({"records": st.lists(
    st.dictionaries(_text, _values, max_size=4), max_size=4)})


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(_text, _values, max_size=4), _records_messages)
def test_verify_builds_the_same_payload_from_the_records(header: dict[str, Any],
                                                         message: dict[str, Any]) -> None:
    from certs.envelope import (
        _payload_and_record_digests,
        _payload_of,
        canonical_json,
        canonical_payload,
    )
    try:
        expected = canonical_payload(header, message)
    except Exception as error:  # noqa: BLE001 - the same refusal either way
        with pytest.raises(type(error)):
            _payload_and_record_digests(header, message)
        return
    payload, digests = _payload_and_record_digests(header, message)
    assert payload == expected
    assert payload == _payload_of(canonical_json(header), canonical_json(message))
    assert digests == tuple(hashlib.sha256(rfc8785.dumps(r)).hexdigest()
                            for r in message["records"])
