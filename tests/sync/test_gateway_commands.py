"""The gateway's sync commands as an operator runs them: ``siks gateway serve`` with the nodes'
mutual-TLS inbox (a real process, a real relay delivering to it), ``siks gateway decide``
(over DecisionDesk) and ``siks gateway prune-receipts``."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from certs.envelope import verify_envelope
from certs.identity import HolderKind
from certs.signing import SigningCredentials
from certs.trust import CertificateStore
from gateway.adapters.database import open_database
from gateway.adapters.orm import DecisionOutbox, InboxReceipt, NationalRecord
from gateway.inbox.audit import verify_gateway_chain
from gateway.inbox.maintenance import MARGIN, prune_receipts
from gateway.inbox.submissions import Inbox
from siks.cli import main
from tests.node.test_serve import _free_port
from tests.sync.helpers import (
    BANDUNG,
    NOW,
    SURABAYA,
    Pki,
    as_bytes,
    gateway_audit,
    make_records,
    signed,
    stored_counts,
)
from tests.sync.world import node_link, queue, relay, signer_of

SIKS = [sys.executable, "-m", "siks"]
SECRET = "gateway-commands-test-secret-0123456789abcdef"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIKS_GATEWAY_")}
    env.update({"SIKS_GATEWAY_DIRECTORY_SECRET": SECRET, "SIKS_GATEWAY_PROBE_INTERVAL_S": "0",
                "SIKS_GATEWAY_ROLLUP_REFRESH_S": "0", **extra})
    return env


def _wait_ready(url: str, process: subprocess.Popen[str], seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the gateway did not become ready")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_serve_runs_the_node_inbox_over_mutual_tls(database, live_pki: Path,
                                                         tmp_path: Path) -> None:
    gateway_url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    port, inbox = _free_port(), _free_port()
    process = await asyncio.to_thread(
        subprocess.Popen,
        [*SIKS, "gateway", "serve", "--db", gateway_url, "--pki-dir", str(live_pki),
         "--port", str(port)],
        env=_env(SIKS_GATEWAY_INBOX_PORT=str(inbox)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        await asyncio.to_thread(_wait_ready, f"http://127.0.0.1:{port}/readyz", process)
        signer = signer_of(live_pki)
        for i in range(3):
            await queue(database, make_records("32.73", 4, prefix=f"serve{i}"), signer)
        async with node_link(live_pki, f"https://127.0.0.1:{inbox}") as link:
            report = await relay(database, link, live_pki).run_once(checkpoint=False)
        assert (report.delivered, report.link_error) == (3, None)
        # without a client certificate from the national CA there is no conversation
        anonymous = ssl.create_default_context(cafile=str(live_pki / "ca" / "ca.crt"))
        with pytest.raises((aiohttp.ClientError, ssl.SSLError, ConnectionError)):
            async with aiohttp.ClientSession() as session, session.post(
                    f"https://127.0.0.1:{inbox}/inbox", data=b"{}", ssl=anonymous) as answer:
                await answer.read()
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.to_thread(process.communicate, timeout=15)
    assert process.returncode == 0, err
    assert f"accepting node submissions with mutual TLS at https://127.0.0.1:{inbox}" in out
    assert "Traceback" not in err
    stored = open_database(gateway_url)
    try:
        assert await stored_counts(stored) == (3, 12)
    finally:
        await stored.dispose()


def test_serve_without_a_pki_says_the_inbox_is_off(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [*SIKS, "gateway", "serve", "--db", f"sqlite:///{tmp_path / 'g.sqlite'}", "--port",
         str(port)], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_ready(f"http://127.0.0.1:{port}/readyz", process)
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=15)
    assert "the node inbox is off" in out


async def _received(url: str, pki: Path, now: dt.datetime, prefix: str = "dec") -> None:
    """Two regions' submissions stored at the gateway (through the real inbox)."""
    database = open_database(url)
    try:
        inbox = Inbox(database, CertificateStore.load(pki))
        for holder, count in ((BANDUNG, 3), (SURABAYA, 2)):
            signer = SigningCredentials.load(pki, holder)
            outcome = await inbox.submit(as_bytes(signed(
                signer, make_records(holder.id, count, prefix=prefix), at=now)), now=now)
            assert outcome.accepted, outcome
    finally:
        await database.dispose()


async def _decisions(url: str) -> tuple[list[DecisionOutbox], dict[str, str]]:
    database = open_database(url)
    try:
        async with database.reader() as session:
            rows = list((await session.execute(select(DecisionOutbox).order_by(
                DecisionOutbox.id))).scalars())
            states = {f"{r.region}/{r.record_id}": r.state for r in (await session.execute(
                select(NationalRecord))).scalars()}
    finally:
        await database.dispose()
    return rows, states


@pytest.mark.parametrize("gateway_url", ["sqlite"], indirect=True)
def test_decide_returns_and_determines(gateway_url: str, live_pki: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    now = dt.datetime.now(dt.UTC)
    asyncio.run(_received(gateway_url, live_pki, now))
    base = ["--db", gateway_url, "--pki-dir", str(live_pki)]
    assert main(["gateway", "decide", "return", *base, "--region", "32.73",
                 "--records", "dec-000001", "--reason", "KK tidak ditemukan"]) == 0
    assert "32.73: returned, decision" in capsys.readouterr().out
    assert main(["gateway", "decide", "determine", *base, "--decree-number", "146/HUK/2026",
                 "--decree-date", "2026-11-01", "--period", "2026-11"]) == 0
    out = capsys.readouterr().out
    assert "32.73: determined" in out and "35.78: determined" in out
    # a decided record cannot be decided again: one line, nothing changes
    assert main(["gateway", "decide", "return", *base, "--region", "32.73",
                 "--records", "dec-000000", "--reason", "late"]) == 2
    assert capsys.readouterr().err.startswith("siks: error: cannot decide on records of 32.73")
    assert main(["gateway", "decide", "determine", *base, "--decree-number", "1",
                 "--decree-date", "2026-11-02", "--period", "2026-11"]) == 0
    assert "nothing to decide" in capsys.readouterr().out

    rows, states = asyncio.run(_decisions(gateway_url))
    assert [(r.region, r.kind, r.record_count) for r in rows] == [
        ("32.73", "RETURNED", 1), ("32.73", "DETERMINED", 2), ("35.78", "DETERMINED", 2)]
    assert states == {"32.73/dec-000000": "DETERMINED", "32.73/dec-000001": "RETURNED",
                      "32.73/dec-000002": "DETERMINED", "35.78/dec-000000": "DETERMINED",
                      "35.78/dec-000001": "DETERMINED"}
    trust = CertificateStore.load(live_pki)
    for row in rows:  # signed by the gateway, for the node concerned
        verified = verify_envelope(json.loads(row.envelope), trust, dt.datetime.now(dt.UTC),
                                   signers={HolderKind.GATEWAY}, receiver_id=row.region)
        assert verified.signer.kind is HolderKind.GATEWAY


def test_decide_needs_the_gateway_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    code = main(["gateway", "decide", "return", "--db", f"sqlite:///{tmp_path / 'g.sqlite'}",
                 "--pki-dir", str(tmp_path / "none"), "--region", "32.73", "--records", "x",
                 "--reason", "r"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("siks: error: no certificate at") and "Traceback" not in err


async def test_prune_receipts_keeps_the_replay_window(gateway_db, pki: Pki) -> None:
    """A receipt goes once its message is older than the window; a replay of that message
    is then refused MESSAGE_TOO_OLD, and one still inside the window is still REPLAYED."""
    inbox = Inbox(gateway_db, pki.store())
    credentials = pki.credentials(BANDUNG)
    later = NOW + dt.timedelta(days=20)
    old = as_bytes(signed(credentials, make_records("32.73", 2, prefix="old"), at=NOW))
    recent = as_bytes(signed(credentials, make_records("32.73", 2, prefix="new"), at=later))
    assert (await inbox.submit(old, now=NOW)).accepted
    assert (await inbox.submit(recent, now=later)).accepted

    at = NOW + dt.timedelta(days=30) + MARGIN + dt.timedelta(minutes=1)
    pruned = await prune_receipts(gateway_db, now=at)
    assert pruned.receipts == 1
    assert (await prune_receipts(gateway_db, now=at)).receipts == 0
    async with gateway_db.reader() as session:
        kept = list((await session.execute(select(InboxReceipt.message_id))).scalars())
    assert len(kept) == 1
    assert (await inbox.submit(old, now=at)).code == "MESSAGE_TOO_OLD"
    assert (await inbox.submit(recent, now=at)).code == "REPLAYED"
    assert await stored_counts(gateway_db) == (1, 4)  # the records stay
    assert [e.action for e in await gateway_audit(gateway_db)].count("inbox.prune") == 1
    assert (await verify_gateway_chain(gateway_db)).ok


@pytest.mark.parametrize("gateway_url", ["sqlite"], indirect=True)
def test_prune_receipts_command(gateway_url: str, pki: Pki, live_pki: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_received(gateway_url, pki.root, NOW))  # months ago
    asyncio.run(_received(gateway_url, live_pki, dt.datetime.now(dt.UTC), "today"))
    assert main(["gateway", "prune-receipts", "--db", gateway_url]) == 0
    assert capsys.readouterr().out.startswith("pruned 2 inbox receipts with message_ts before")
    assert main(["gateway", "prune-receipts", "--db", gateway_url,
                 "--max-age-days", "7"]) == 2
    assert "would let a replay through" in capsys.readouterr().err
