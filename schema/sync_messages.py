"""What travels in the signed envelopes between a node and the gateway (docs/sync.md).

The envelope itself (header, JWS, refusal codes) is :mod:`certs.envelope`; this module fixes
the ``action`` names and the shape of each ``message``, and the audit-chain checkpoint proof,
so that node and gateway read them the same way. Pure: no I/O, no clock.

``submit`` (node → gateway): ``{"records": [record, …]}``. A record names itself (``id``, the
proposal id), its region (``desa_code``, checked against the signer's region), its ``kind``
and the approved content; ``niks`` lists the NIKs it concerns (the gateway's NIK directory).

``determine`` / ``return`` (gateway → node): ``{"decision": {…}, "records": [{"id",
"desa_code"}, …]}``, the decree (number, date, period) or the reason.

``duplicate`` (gateway → node): ``{"duplicates": [finding, …]}``, cross-region duplicates of
the NIK directory that concern the receiving region (:func:`read_duplicates`).

``checkpoint`` (node → gateway): ``{"checkpoint": {"size", "head", "base_size",
"base_head"}, "entries": [entry, …]}``; the entries ``base_size + 1 … size`` of the node's
audit chain prove that the chain at ``size`` extends the one the gateway holds at
``base_size`` (see :func:`verify_extension`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from schema.audit_chain import GENESIS, AuditFields, entry_hash
from schema.enums import ProposalKind
from schema.errors import InvalidInput, InvalidRegionCode
from schema.identity_numbers import nik_problem
from schema.regions import RegionLevel, level_of, regions

GATEWAY_RECEIVER = "gateway"
_KINDS = frozenset(kind.value for kind in ProposalKind)
MAX_CHECKPOINT_ENTRIES = 2_000


class SyncAction(StrEnum):
    SUBMIT = "submit"
    DETERMINE = "determine"
    RETURN = "return"
    CHECKPOINT = "checkpoint"
    DUPLICATE = "duplicate"


class DecisionKind(StrEnum):
    DETERMINED = "DETERMINED"  # in the DTKS by Kepmensos
    RETURNED = "RETURNED"  # sent back, with a reason


class MessageShapeError(ValueError):
    """A verified envelope whose message is not what its action promises."""


class RecordRefused(MessageShapeError):
    """A signed record whose content breaks the rules the node applies before it signs one:
    ``code`` is ``RECORD_KIND_UNKNOWN``, ``RECORD_DESA_UNKNOWN``, ``RECORD_NIK_INVALID`` or
    ``RECORD_MALFORMED``. A valid signature proves who sent a record, not that it is sound."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- submissions ----------------------------------------------------------------------------

def collect_niks(value: Any) -> list[str]:
    """Every ``nik`` string anywhere inside a JSON value, in order, without repeats."""
    found: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            for key, item in node.items():
                if key == "nik" and isinstance(item, str):
                    found[item] = None
                else:
                    walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(value)
    return list(found)


def submission_records(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    records = message.get("records")
    if not isinstance(records, list) or not records:
        raise MessageShapeError("a submission carries a non-empty list of records")
    seen: set[str] = set()
    for position, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise MessageShapeError(f"record {position} is not an object")
        rid = record.get("id")
        if not isinstance(rid, str) or not rid or len(rid) > 64:
            raise MessageShapeError(f"record {position} needs a string id (≤ 64 characters)")
        if rid in seen:
            raise MessageShapeError(f"record {rid} appears twice in one submission")
        seen.add(rid)
        niks = record.get("niks", [])
        if not isinstance(niks, list) or not all(isinstance(n, str) for n in niks):
            raise MessageShapeError(f"record {rid}: niks must be a list of strings")
    for record in records:
        check_record(record)
    return records


def check_record(record: Mapping[str, Any]) -> None:
    """The content rules every submitted record meets (the node checks them before signing,
    the gateway again on receipt): a known proposal kind, a desa that exists in the
    Kemendagri table, details as an object, every NIK valid (16 digits, a real kecamatan, a
    birth date, a non-zero serial) and ``niks`` exactly the NIKs the details name. Raises
    :class:`RecordRefused`."""
    rid = record.get("id")
    kind = record.get("kind")
    if kind not in _KINDS:
        raise RecordRefused("RECORD_KIND_UNKNOWN", f"record {rid}: kind {kind!r} is not one of "
                            f"{', '.join(k.value for k in ProposalKind)}")
    desa = record.get("desa_code")
    if not _is_desa(desa):
        raise RecordRefused("RECORD_DESA_UNKNOWN",
                            f"record {rid}: desa_code {desa!r} is no desa/kelurahan")
    details = record.get("details")
    if not isinstance(details, Mapping):
        raise RecordRefused("RECORD_MALFORMED", f"record {rid}: details must be an object")
    named = collect_niks(details)
    for nik in [*named, *record.get("niks", [])]:
        problem = nik_problem(nik)
        if problem is not None:
            raise RecordRefused("RECORD_NIK_INVALID", f"record {rid}: NIK {nik!r}: {problem}")
    if list(record.get("niks", [])) != named:
        raise RecordRefused("RECORD_MALFORMED",
                            f"record {rid}: niks must list the NIKs its details name, in order")
    corrects = record.get("corrects")
    if corrects is not None and not (isinstance(corrects, str) and 0 < len(corrects) <= 64):
        raise RecordRefused("RECORD_MALFORMED", f"record {rid}: corrects must name a record id")


def _is_desa(code: object) -> bool:
    if not isinstance(code, str):
        return False
    try:
        return level_of(code) is RegionLevel.DESA and code in regions()
    except InvalidRegionCode:
        return False


# --- decisions ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Decree:
    """A Keputusan Menteri Sosial: its number, date, the DTKS period it determines, and the
    SHA-256 of the signed PDF (hex; optional for decisions made before it was asked for)."""

    number: str
    date: dt.date
    period: str
    pdf_sha256: str | None = None

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise InvalidInput("a decree needs its number", reason="required", field="number")
        if not self.period.strip():
            raise InvalidInput("a decree names its period", reason="required", field="period")
        if self.pdf_sha256 is not None and not _is_sha256(self.pdf_sha256):
            raise InvalidInput("pdfSha256 must be 64 hexadecimal characters",
                               reason="malformed", field="pdfSha256")

    def to_json(self) -> dict[str, str]:
        body = {"number": self.number, "date": self.date.isoformat(), "period": self.period}
        if self.pdf_sha256 is not None:
            body["pdf_sha256"] = self.pdf_sha256
        return body


def _is_sha256(text: str) -> bool:
    return len(text) == 64 and all(c in "0123456789abcdef" for c in text)


@dataclass(frozen=True, slots=True)
class Decision:
    kind: DecisionKind
    record_ids: tuple[str, ...]
    decree: Decree | None = None
    reason: str | None = None

    @property
    def action(self) -> SyncAction:
        return SyncAction.DETERMINE if self.kind is DecisionKind.DETERMINED else SyncAction.RETURN


def decision_message(decision: Decision, desa_codes: Mapping[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": decision.kind.value}
    if decision.decree is not None:
        body["decree"] = decision.decree.to_json()
    if decision.reason is not None:
        body["reason"] = decision.reason
    return {"decision": body,
            "records": [{"id": rid, "desa_code": desa_codes[rid]} for rid in decision.record_ids]}


def read_decision(message: Mapping[str, Any]) -> Decision:
    body, records = message.get("decision"), message.get("records")
    if not isinstance(body, Mapping) or not isinstance(records, list) or not records:
        raise MessageShapeError("a decision carries 'decision' and a non-empty 'records' list")
    try:
        kind = DecisionKind(str(body.get("kind")))
        ids = tuple(str(r["id"]) for r in records)
        decree = None
        if kind is DecisionKind.DETERMINED:
            raw = body["decree"]
            pdf = raw.get("pdf_sha256")
            decree = Decree(str(raw["number"]), dt.date.fromisoformat(raw["date"]),
                            str(raw["period"]), str(pdf) if pdf is not None else None)
        reason = body.get("reason")
    except (KeyError, TypeError, ValueError, InvalidInput) as exc:
        raise MessageShapeError(f"unreadable decision: {exc!r}") from None
    if kind is DecisionKind.RETURNED and not (isinstance(reason, str) and reason.strip()):
        raise MessageShapeError("a return needs a reason")
    return Decision(kind, ids, decree, reason if isinstance(reason, str) else None)


# --- cross-region duplicates ---------------------------------------------------------------

MAX_DUPLICATES = 1_000


@dataclass(frozen=True, slots=True)
class DuplicateFinding:
    """A NIK (by its directory key) held by several regions: ``id`` is the gateway's,
    ``version`` grows with each change (a node keeps the highest), ``resolved_at`` is set
    once fewer than two regions hold it."""

    id: int
    nik_key: str
    regions: tuple[str, ...]
    first_seen_at: dt.datetime
    resolved_at: dt.datetime | None
    version: int

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "nik_key": self.nik_key, "regions": list(self.regions),
                "first_seen_at": self.first_seen_at.isoformat(),
                "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None,
                "version": self.version}


def duplicate_message(findings: Sequence[DuplicateFinding]) -> dict[str, Any]:
    return {"duplicates": [finding.to_json() for finding in findings]}


def read_duplicates(message: Mapping[str, Any], region: str) -> list[DuplicateFinding]:
    """The findings of a ``duplicate`` message for ``region``: each open one names it among
    two or more regions (a resolved one may name fewer: it was dropped)."""
    items = message.get("duplicates")
    if not isinstance(items, list) or not items or len(items) > MAX_DUPLICATES:
        raise MessageShapeError(f"a duplicate notice carries 1 to {MAX_DUPLICATES} findings")
    return [_finding(item, region) for item in items]


def _finding(item: Any, region: str) -> DuplicateFinding:
    try:
        resolved = item["resolved_at"]
        finding = DuplicateFinding(
            int(item["id"]), str(item["nik_key"]), tuple(str(r) for r in item["regions"]),
            dt.datetime.fromisoformat(item["first_seen_at"]),
            dt.datetime.fromisoformat(resolved) if resolved is not None else None,
            int(item["version"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise MessageShapeError(f"unreadable duplicate finding: {exc!r}") from None
    if not _is_sha256(finding.nik_key) or finding.version < 1:
        raise MessageShapeError(f"finding {finding.id}: a 64-hex NIK key and a version ≥ 1")
    if finding.resolved_at is None and (len(set(finding.regions)) < 2
                                        or region not in finding.regions):
        raise MessageShapeError(f"finding {finding.id} does not concern region {region}: "
                                f"{list(finding.regions)}")
    return finding


# --- audit checkpoints ----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ChainPoint:
    """The audit chain after ``size`` entries: its head hash (GENESIS for size 0)."""

    size: int
    head: str


GENESIS_POINT = ChainPoint(0, GENESIS)


def entry_to_json(fields: AuditFields, prev_hash: str, hash_: str) -> dict[str, Any]:
    return {"seq": fields.seq, "ts": fields.ts, "actor": fields.actor, "role": fields.role,
            "action": fields.action, "entity_type": fields.entity_type,
            "entity_id": fields.entity_id, "before_digest": fields.before_digest,
            "after_digest": fields.after_digest, "attachments": list(fields.attachments),
            "prev_hash": prev_hash, "entry_hash": hash_}


def checkpoint_message(base: ChainPoint, entries: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    head = ChainPoint(base.size + len(entries),
                      str(entries[-1]["entry_hash"]) if entries else base.head)
    return {"checkpoint": {"size": head.size, "head": head.head, "base_size": base.size,
                           "base_head": base.head},
            "entries": list(entries)}


@dataclass(frozen=True, slots=True)
class CheckpointClaim:
    base: ChainPoint
    head: ChainPoint
    entries: tuple[Mapping[str, Any], ...]


def read_checkpoint(message: Mapping[str, Any]) -> CheckpointClaim:
    body, entries = message.get("checkpoint"), message.get("entries")
    if not isinstance(body, Mapping) or not isinstance(entries, list):
        raise MessageShapeError("a checkpoint carries 'checkpoint' and an 'entries' list")
    try:
        base = ChainPoint(int(body["base_size"]), str(body["base_head"]))
        head = ChainPoint(int(body["size"]), str(body["head"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise MessageShapeError(f"unreadable checkpoint: {exc!r}") from None
    if len(entries) > MAX_CHECKPOINT_ENTRIES:
        raise MessageShapeError(f"more than {MAX_CHECKPOINT_ENTRIES} entries in one checkpoint")
    return CheckpointClaim(base, head, tuple(entries))


def verify_extension(base: ChainPoint, head: ChainPoint,
                     entries: Iterable[Mapping[str, Any]]) -> str | None:
    """None when ``entries`` link ``base`` to ``head`` (each entry's hash recomputed from its
    fields and the previous hash); otherwise why not. A chain rewritten before ``base.size``
    cannot produce such a suffix, since ``base.head`` commits to every entry up to it."""
    prev, seq = base.head, base.size
    for entry in entries:
        try:
            fields = AuditFields(int(entry["seq"]), str(entry["ts"]), str(entry["actor"]),
                                 str(entry["role"]), str(entry["action"]),
                                 str(entry["entity_type"]), str(entry["entity_id"]),
                                 entry["before_digest"], entry["after_digest"],
                                 tuple(entry["attachments"]))
            stated_prev, stated_hash = str(entry["prev_hash"]), str(entry["entry_hash"])
        except (KeyError, TypeError, ValueError) as exc:
            return f"unreadable entry after {seq}: {exc!r}"
        if fields.seq != seq + 1:
            return f"entry {seq + 1} expected, got {fields.seq}"
        if stated_prev != prev:
            return (f"entry {fields.seq} does not follow the checkpointed chain (its previous "
                    "hash differs): the chain was rewritten")
        if entry_hash(prev, fields) != stated_hash:
            return f"entry {fields.seq}: its hash does not match its content"
        prev, seq = stated_hash, fields.seq
    if (seq, prev) != (head.size, head.head):
        return f"the entries end at {seq}, not at the claimed head {head.size}"
    return None
