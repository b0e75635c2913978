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
    # the same body as asdict(fields) + prev_hash, built without asdict's deep copy (hot path
    # of bulk imports)
    body = {
        "seq": fields.seq, "ts": fields.ts, "actor": fields.actor, "role": fields.role,
        "action": fields.action, "entity_type": fields.entity_type,
        "entity_id": fields.entity_id, "before_digest": fields.before_digest,
        "after_digest": fields.after_digest, "attachments": list(fields.attachments),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical_json(body)).hexdigest()


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
