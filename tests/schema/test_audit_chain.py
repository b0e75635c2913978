"""schema.audit_chain.entry_hash: the canonical JSON written directly hashes as the encoder's."""

from __future__ import annotations

import dataclasses
import hashlib
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from schema.audit_chain import AuditFields, canonical_json, entry_body, entry_hash

_text = st.one_of(st.text(), st.sampled_from(
    ['"', "\\", "\n", "\x00", "\x1f", "\x7f", "\u2028", "é", "\U0001f600", "", "%s", "{0}"]))
_maybe_text = st.one_of(st.none(), _text)


def _by_the_encoder(prev_hash: str, fields: AuditFields) -> str:
    return hashlib.sha256(canonical_json(entry_body(prev_hash, fields))).hexdigest()


@given(st.integers(), _text, _text, _text, _text, _text, _text, _maybe_text, _maybe_text,
       st.lists(_text, max_size=3), _text)
def test_entry_hash_equals_the_encoders(seq: int, ts: str, actor: str, role: str, action: str,
                                        entity_type: str, entity_id: str, before: str | None,
                                        after: str | None, attachments: list[str],
                                        prev_hash: str) -> None:
    fields = AuditFields(seq, ts, actor, role, action, entity_type, entity_id, before, after,
                         tuple(attachments))
    assert entry_hash(prev_hash, fields) == _by_the_encoder(prev_hash, fields)


def test_entry_hash_of_other_types_takes_the_encoders_path() -> None:
    usual = AuditFields(7, "2026-11-29T03:00:00.000000+00:00", "cli:bench", "DINSOS",
                        "household.register", "household", "42", None, "ab" * 32)
    odd: list[dict[str, Any]] = [{"seq": True}, {"seq": 7.0}, {"entity_id": 42},
                                 {"attachments": ("a", 1)}, {"attachments": ["x"]}]
    for changes in [{}, *odd]:
        fields = dataclasses.replace(usual, **changes)
        assert entry_hash("0" * 64, fields) == _by_the_encoder("0" * 64, fields), changes
