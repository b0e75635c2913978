"""Signed checkpoints of the gateway's own audit chain, kept outside the gateway.

The chain (:mod:`gateway.inbox.audit`) is tamper-evident only against someone who cannot
recompute it: whoever can write the database can change an entry, recompute every later hash
and the head, and ``verify_gateway_chain`` still passes. So, as the nodes' chains are anchored
at the gateway, the gateway's is anchored in a **witness file**: one JSON line per checkpoint,
each an envelope (``certs.envelope``, action ``audit-checkpoint``, receiver ``witness``)
signed with the gateway's signing key, whose message is ``{"checkpoint": {"size", "head"}}``
(the chain's length and the hash of its last entry). An auditor keeps the file (or receives
every line) away from the gateway's machine.

:func:`verify_witness` checks every line's signature against the national CA, then that the
stored chain still has, at each checkpointed size, the checkpointed hash. Since each entry hash
commits to every entry before it, a rewrite of any entry up to the last checkpoint is found.
Entries after the last checkpoint are only as safe as the chain itself: checkpoint often.

Checkpointing is not audited (an entry per checkpoint would make every checkpoint need the
next one).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from certs.envelope import make_header, sign_envelope, verify_envelope
from certs.envelope_errors import EnvelopeRefused
from certs.identity import HolderKind
from certs.signing import SigningCredentials
from certs.trust import CertificateStore
from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayAuditEntry, GatewayAuditHead, utcnow
from gateway.config import gateway_env
from schema.audit_chain import GENESIS
from schema.sync_messages import ChainPoint

log = logging.getLogger("siks.gateway.audit")

CHECKPOINT_ACTION = "audit-checkpoint"
WITNESS_RECEIVER = "witness"
WITNESS_ENV = "SIKS_GATEWAY_AUDIT_WITNESS"
INTERVAL_ENV = "SIKS_GATEWAY_AUDIT_CHECKPOINT_INTERVAL_S"
DEFAULT_INTERVAL_S = 600.0
DEFAULT_WITNESS_NAME = "audit-witness.jsonl"  # in the PKI's gateway/ directory if unset


async def chain_head(database: Database) -> ChainPoint:
    async with database.reader() as session:
        head = (await session.execute(select(GatewayAuditHead)
                                      .where(GatewayAuditHead.id == 1))).scalar_one()
    return ChainPoint(int(head.seq), head.entry_hash)


def sign_checkpoint(point: ChainPoint, credentials: SigningCredentials,
                    now: dt.datetime | None = None) -> dict[str, Any]:
    header = make_header(action=CHECKPOINT_ACTION, sender_id=credentials.holder.id,
                         receiver_id=WITNESS_RECEIVER, total_count=0, message_ts=now or utcnow())
    return sign_envelope(header, {"checkpoint": {"size": point.size, "head": point.head}},
                         credentials.private_key, credentials.kid,
                         certificate=credentials.certificate)


def append_line(path: Path, envelope: Mapping[str, Any]) -> None:
    """One line, appended and flushed to disk (a checkpoint is never rewritten in place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(envelope, separators=(",", ":")) + "\n").encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, line)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


async def checkpoint(database: Database, credentials: SigningCredentials, witness: Path,
                     now: dt.datetime | None = None) -> ChainPoint:
    """Sign the chain's current head and append it to ``witness``; returns the head."""
    point = await chain_head(database)
    append_line(witness, sign_checkpoint(point, credentials, now))
    return point


@dataclass(frozen=True, slots=True)
class WitnessReport:
    checkpoints: int  # lines read
    matched: int  # lines whose signature verified and whose head the chain still has
    latest: ChainPoint | None  # the largest checkpoint that matched
    problem: str | None  # the first line that failed, and why

    @property
    def ok(self) -> bool:
        return self.problem is None


def read_checkpoint_line(line: str, trust: CertificateStore) -> ChainPoint:
    """A witness line's checkpoint, once its signature (the gateway's, chained to the national
    CA, valid and not revoked at its time) verifies; ValueError or EnvelopeRefused if not."""
    envelope = json.loads(line)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("header"), dict):
        raise ValueError("not an envelope")
    at = dt.datetime.fromisoformat(str(envelope["header"].get("message_ts")))
    verified = verify_envelope(envelope, trust, at, receiver_id=WITNESS_RECEIVER,
                               signers={HolderKind.GATEWAY})
    if verified.header["action"] != CHECKPOINT_ACTION:
        raise ValueError(f"action {verified.header['action']!r} is not {CHECKPOINT_ACTION!r}")
    body = verified.message.get("checkpoint")
    if not isinstance(body, dict) or not isinstance(body.get("size"), int) \
            or not isinstance(body.get("head"), str):
        raise ValueError("no checkpoint {size, head} in the message")
    return ChainPoint(body["size"], body["head"])


async def verify_witness(database: Database, trust: CertificateStore,
                         lines: Iterable[str]) -> WitnessReport:
    """Every checkpoint in ``lines`` is signed by the gateway and the stored chain still has
    its head at its size (entry ``size``'s hash; the genesis hash for size 0)."""
    points: list[tuple[int, ChainPoint]] = []
    total = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        total += 1
        try:
            points.append((number, read_checkpoint_line(line, trust)))
        except EnvelopeRefused as refused:
            return WitnessReport(total, len(points), None,
                                 f"line {number}: signature not trusted ({refused.code}: "
                                 f"{refused.message})")
        except (ValueError, TypeError, KeyError) as error:
            return WitnessReport(total, len(points), None, f"line {number}: unreadable ({error})")
    hashes = await _hashes_at(database, {point.size for _, point in points})
    head = await chain_head(database)
    latest: ChainPoint | None = None
    for matched, (number, point) in enumerate(points):
        problem = _mismatch(point, head, hashes)
        if problem is not None:
            return WitnessReport(total, matched, latest, f"line {number}: {problem}")
        latest = point if latest is None or point.size >= latest.size else latest
    return WitnessReport(total, len(points), latest, None)


def _mismatch(point: ChainPoint, head: ChainPoint, hashes: dict[int, str]) -> str | None:
    if point.size > head.size:
        return (f"the checkpoint signed a chain of {point.size} entries; the stored chain has "
                f"{head.size}: entries were removed")
    stored = GENESIS if point.size == 0 else hashes.get(point.size)
    if stored != point.head:
        return (f"entry {point.size} is {str(stored)[:16]}…, the signed checkpoint says "
                f"{point.head[:16]}…: the chain up to entry {point.size} was rewritten")
    return None


async def _hashes_at(database: Database, sizes: set[int]) -> dict[int, str]:
    wanted = sorted(size for size in sizes if size > 0)
    found: dict[int, str] = {}
    async with database.reader() as session:
        for start in range(0, len(wanted), 500):
            rows = await session.execute(
                select(GatewayAuditEntry.seq, GatewayAuditEntry.entry_hash)
                .where(GatewayAuditEntry.seq.in_(wanted[start:start + 500])))
            found.update({int(seq): entry_hash for seq, entry_hash in rows.all()})
    return found


def last_checkpoint(witness: Path, trust: CertificateStore) -> ChainPoint | None:
    """The last line's checkpoint, if it reads and verifies (what a restart resumes from)."""
    try:
        lines = witness.read_text().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        if line.strip():
            try:
                return read_checkpoint_line(line, trust)
            except (EnvelopeRefused, ValueError, TypeError, KeyError):
                return None
    return None


class PeriodicCheckpoints:
    """While the gateway serves with a PKI: every ``interval_s``, a checkpoint of the head if
    it moved since the last one in the witness file (and one at start)."""

    def __init__(self, database: Database, signer: Callable[[], SigningCredentials],
                 trust: Callable[[], CertificateStore], witness: Path,
                 interval_s: float) -> None:
        self.database, self.signer, self.trust = database, signer, trust
        self.witness, self.interval_s = witness, interval_s
        self._last: ChainPoint | None = None

    async def tick(self) -> ChainPoint | None:
        """A checkpoint if the head moved; returns it (None: nothing new)."""
        if self._last is None:
            self._last = await asyncio.to_thread(last_checkpoint, self.witness, self.trust())
        point = await chain_head(self.database)
        if point == self._last:
            return None
        await asyncio.to_thread(append_line, self.witness, sign_checkpoint(point, self.signer()))
        self._last = point
        return point

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # a full disk or a missing key must not stop the gateway
                log.exception("could not append an audit checkpoint to %s (set %s to a "
                              "writable file the auditor receives)", self.witness, WITNESS_ENV)
            await asyncio.sleep(self.interval_s)


def witness_settings(pki_dir: Path, environ: Mapping[str, str] | None = None
                     ) -> tuple[Path, float]:
    """Where periodic checkpoints go and how often (``SIKS_GATEWAY_AUDIT_WITNESS``, default
    ``<pki>/gateway/audit-witness.jsonl``; ``SIKS_GATEWAY_AUDIT_CHECKPOINT_INTERVAL_S``,
    default 600, 0 turns them off)."""
    env = gateway_env(environ)
    path = env.path("audit_witness") or Path(pki_dir) / "gateway" / DEFAULT_WITNESS_NAME
    return path, env.number("audit_checkpoint_interval_s", DEFAULT_INTERVAL_S, minimum=0)
