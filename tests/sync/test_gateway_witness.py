"""Security review (issue 16) item 9: the gateway's own audit chain is anchored by signed
checkpoints kept outside it (a witness file). Rewriting an entry and recomputing every later
hash and the head still passes the chain check (that is the attack), but no longer matches a
signed checkpoint: ``siks gateway audit verify --witness`` fails. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import select, text, update

from certs.dev import ensure_dev_pki
from certs.identity import Identity
from certs.signing import SigningCredentials
from certs.trust import CertificateStore
from gateway.adapters.database import Database, open_database
from gateway.adapters.orm import GatewayAuditEntry, GatewayAuditHead
from gateway.inbox.audit import AuditNote, audit_alone, verify_gateway_chain
from gateway.inbox.http import build_sync, run_inbox_listener
from gateway.inbox.witness import (
    INTERVAL_ENV,
    WITNESS_ENV,
    chain_head,
    sign_checkpoint,
    verify_witness,
)
from schema.audit_chain import GENESIS, AuditFields, entry_hash
from schema.sync_messages import ChainPoint
from siks.cli import main

T = TypeVar("T")


def on(url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    async def run() -> T:
        database = open_database(url)
        try:
            return await work(database)
        finally:
            await database.dispose()
    return asyncio.run(run())


async def history(database: Database, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        await audit_alone(database, AuditNote("cli:admin", "user.create", "gateway_user",
                                              str(i), {"role": "MITRA", "n": i}))


async def lift_guards(database: Database) -> None:
    statements = (["DROP TRIGGER IF EXISTS gateway_audit_entry_no_update",
                   "DROP TRIGGER IF EXISTS gateway_audit_entry_no_delete"]
                  if database.dialect == "sqlite" else
                  ["ALTER TABLE gateway_audit_entry DISABLE TRIGGER "
                   "gateway_audit_entry_append_only"])
    async with database.writer() as session, session.begin():
        for statement in statements:
            await session.execute(text(statement))


async def rewrite(database: Database, seq: int, actor: str) -> None:
    """Change entry ``seq``'s actor, recompute every later hash and the head."""
    await lift_guards(database)
    async with database.writer() as session, session.begin():
        rows = (await session.execute(select(GatewayAuditEntry)
                                      .order_by(GatewayAuditEntry.seq))).scalars().all()
        prev = GENESIS
        for row in rows:
            fields = AuditFields(row.seq, row.ts, actor if row.seq == seq else row.actor,
                                 row.role, row.action, row.entity_type, row.entity_id,
                                 row.before_digest, row.after_digest,
                                 tuple(row.attachments or ()))
            current = entry_hash(prev, fields)
            await session.execute(update(GatewayAuditEntry).where(
                GatewayAuditEntry.seq == row.seq).values(actor=fields.actor, prev_hash=prev,
                                                          entry_hash=current))
            prev = current
        await session.execute(update(GatewayAuditHead).where(GatewayAuditHead.id == 1)
                              .values(entry_hash=prev))


async def truncate(database: Database, keep: int) -> None:
    await lift_guards(database)
    async with database.writer() as session, session.begin():
        kept = (await session.execute(select(GatewayAuditEntry.entry_hash).where(
            GatewayAuditEntry.seq == keep))).scalar_one()
        await session.execute(text(f"DELETE FROM gateway_audit_entry WHERE seq > {keep}"))
        await session.execute(update(GatewayAuditHead).where(GatewayAuditHead.id == 1)
                              .values(seq=keep, entry_hash=kept))


@pytest.fixture(scope="module")
def pki_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_dev_pki(tmp_path_factory.mktemp("witness-pki"),
                          regions=("32.73",)).layout.root


def cli(*argv: Any) -> int:
    return main([str(a) for a in argv])


def test_a_consistent_rewrite_passes_the_chain_but_not_the_signed_checkpoint(
        gateway_url: str, pki_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    witness = tmp_path / "auditor" / "gateway-witness.jsonl"
    on(gateway_url, lambda db: history(db, 5))
    base = ["--db", gateway_url, "--pki-dir", pki_root]
    assert cli("gateway", "audit", "checkpoint", *base, "--out", witness) == 0
    on(gateway_url, lambda db: history(db, 3, start=5))
    assert cli("gateway", "audit", "checkpoint", *base, "--out", witness) == 0
    assert len(witness.read_text().splitlines()) == 2
    assert cli("gateway", "audit", "verify", *base, "--witness", witness) == 0
    assert "matches 2 signed checkpoints" in capsys.readouterr().out

    on(gateway_url, lambda db: rewrite(db, 3, "cli:someone-else"))
    assert on(gateway_url, verify_gateway_chain).ok  # the attack: the chain alone looks fine
    assert cli("gateway", "audit", "verify", "--db", gateway_url) == 0
    capsys.readouterr()
    assert cli("gateway", "audit", "verify", *base, "--witness", witness) == 1
    err = capsys.readouterr().err
    assert "does NOT match its witness" in err and "line 1" in err and "rewritten" in err


def test_entries_removed_after_a_checkpoint_are_found(gateway_url: str, pki_root: Path,
                                                      tmp_path: Path):
    witness = tmp_path / "witness.jsonl"
    on(gateway_url, lambda db: history(db, 6))
    base = ["--db", gateway_url, "--pki-dir", pki_root]
    assert cli("gateway", "audit", "checkpoint", *base, "--out", witness) == 0
    on(gateway_url, lambda db: truncate(db, 4))
    assert on(gateway_url, verify_gateway_chain).ok
    store = CertificateStore.load(pki_root)
    report = on(gateway_url, lambda db: verify_witness(db, store,
                                                        witness.read_text().splitlines()))
    assert not report.ok and "entries were removed" in str(report.problem)


def test_a_checkpoint_not_signed_by_the_gateway_is_not_trusted(gateway_url: str,
                                                               pki_root: Path):
    on(gateway_url, lambda db: history(db, 2))
    store = CertificateStore.load(pki_root)
    region = SigningCredentials.load(pki_root, Identity.region("32.73"))
    gateway = SigningCredentials.load(pki_root, Identity.gateway())
    point = on(gateway_url, chain_head)
    genuine = json.dumps(sign_checkpoint(point, gateway))
    forged = json.dumps(sign_checkpoint(point, region))
    lied = sign_checkpoint(ChainPoint(point.size, "f" * 64), gateway)
    assert on(gateway_url, lambda db: verify_witness(db, store, [genuine])).ok
    report = on(gateway_url, lambda db: verify_witness(db, store, [genuine, forged]))
    assert not report.ok and "line 2: signature not trusted" in str(report.problem)
    lied["message"]["checkpoint"]["head"] = point.head  # edited after signing
    report = on(gateway_url, lambda db: verify_witness(db, store, [json.dumps(lied)]))
    assert not report.ok and "PAYLOAD_TAMPERED" in str(report.problem)


async def test_the_gateway_checkpoints_periodically_while_it_serves(gateway_db: Database,
                                                                   pki_root: Path,
                                                                   tmp_path: Path):
    witness = tmp_path / "periodic.jsonl"
    environ = {WITNESS_ENV: str(witness), INTERVAL_ENV: "0.05"}
    async with run_inbox_listener(build_sync(gateway_db, pki_root, None), pki_root,
                                  "127.0.0.1", 0, environ=environ):
        await history(gateway_db, 2)
        await asyncio.sleep(0.3)
        await history(gateway_db, 2, start=2)
        await asyncio.sleep(0.3)
    lines = witness.read_text().splitlines()
    sizes = [json.loads(line)["message"]["checkpoint"]["size"] for line in lines]
    assert sizes[-1] == 4 and sizes == sorted(set(sizes)), sizes  # only when the head moved
    report = await verify_witness(gateway_db, CertificateStore.load(pki_root), lines)
    assert report.ok and report.latest is not None and report.latest.size == 4
