"""The audit log as a hash chain: each entry's hash covers its fields and the previous hash,
so editing, deleting or reordering any entry breaks every link after it.

Pure functions, shared by the regional node's audit log and the gateway's (neither imports the
other; both import this).

Hashes are SHA-256 over canonical JSON (sorted keys, no spaces, UTF-8). The fields are only
strings, integers and lists of strings, for which this form is the RFC 8785 form as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from schema.plain_json import NotPlain, json_template, plain_json

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did it: a user id (or ``cli:<user>``, ``system:<job>``) and the role they acted in."""

    id: str
    role: str


@dataclass(frozen=True, slots=True)
class AuditFields:
    seq: int
    ts: str
    actor: str
    role: str
    action: str
    entity_type: str
    entity_id: str
    before_digest: str | None
    after_digest: str | None
    attachments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChainBreak:
    seq: int
    reason: str  # altered | missing | relinked | truncated
    message: str


# json.dumps with these options would build a new encoder on every call
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                              default=str)


def canonical_json(value: Any) -> bytes:
    return _CANONICAL.encode(value).encode("utf-8")


def digest(snapshot: Mapping[str, Any]) -> str:
    """Digest of an entity's state, for an entry's before/after."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def entry_hash(prev_hash: str, fields: AuditFields) -> str:
    """SHA-256 of the canonical JSON of ``fields`` and ``prev_hash`` (:func:`entry_body`).

    The usual entry (texts, None, an integer ``seq``) is written straight into the canonical
    form, keys in sorted order (``schema.plain_json``), without building the dictionary for
    the encoder to sort: the same bytes (a test holds them equal) for a quarter of the CPU, on
    the hot path of bulk imports. Anything else goes through :func:`canonical_json`.
    """
    try:
        text = _ENTRY_JSON.format(
            plain_json(fields.seq), plain_json(fields.ts), plain_json(fields.actor),
            plain_json(fields.role), plain_json(fields.action), plain_json(fields.entity_type),
            plain_json(fields.entity_id), plain_json(fields.before_digest),
            plain_json(fields.after_digest), plain_json(fields.attachments),
            plain_json(prev_hash))
    except NotPlain:
        return hashlib.sha256(canonical_json(entry_body(prev_hash, fields))).hexdigest()
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_body(prev_hash: str, fields: AuditFields) -> dict[str, Any]:
    """What an entry's hash covers: ``asdict(fields)`` and ``prev_hash`` (built without
    asdict's deep copy)."""
    return {
        "seq": fields.seq, "ts": fields.ts, "actor": fields.actor, "role": fields.role,
        "action": fields.action, "entity_type": fields.entity_type,
        "entity_id": fields.entity_id, "before_digest": fields.before_digest,
        "after_digest": fields.after_digest, "attachments": list(fields.attachments),
        "prev_hash": prev_hash,
    }


_ENTRY_JSON = json_template(("seq", "ts", "actor", "role", "action", "entity_type",
                             "entity_id", "before_digest", "after_digest", "attachments",
                             "prev_hash"))


def timestamp(moment: dt.datetime | None = None) -> str:
    return (moment or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True, slots=True)
class StoredEntry:
    fields: AuditFields
    prev_hash: str
    entry_hash: str


def verify_chain(entries: Iterable[StoredEntry], head_seq: int, head_hash: str
                 ) -> tuple[int, ChainBreak | None]:
    """Walk ``entries`` in ``seq`` order; return how many verified and the first break."""
    expected_seq, expected_prev, count = 1, GENESIS, 0
    for entry in entries:
        seq = entry.fields.seq
        if seq != expected_seq:
            return count, ChainBreak(expected_seq, "missing",
                                     f"entry {expected_seq} is missing (next stored is {seq})")
        if entry.prev_hash != expected_prev:
            return count, ChainBreak(seq, "relinked",
                                     f"entry {seq} does not follow entry {seq - 1}: "
                                     "entries were deleted, inserted or reordered")
        if entry_hash(entry.prev_hash, entry.fields) != entry.entry_hash:
            return count, ChainBreak(seq, "altered", f"entry {seq} was altered after it was "
                                     "written (its hash no longer matches its content)")
        expected_seq, expected_prev, count = seq + 1, entry.entry_hash, count + 1
    if (count, expected_prev) != (head_seq, head_hash):
        return count, ChainBreak(count + 1, "truncated",
                                 f"the chain ends at entry {count} but its head records entry "
                                 f"{head_seq}: entries were removed from the end")
    return count, None
