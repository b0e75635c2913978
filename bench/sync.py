"""Signed sync benchmark: the gateway inbox's verify + store rate, and a node's backlog drain.

    /work/venv/bin/python bench/sync.py                    # 100,000 records, 500 per envelope
    /work/venv/bin/python bench/sync.py --records 20000 --skip-drain
    /work/venv/bin/python bench/sync.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

(a) **Inbox rate** (target ≥ 2,000 records/s). The records of one region (32.73), shaped like
    the records an approval packs (``domain/sync.submission_record``: a household of 4 members
    with NIKs, details digest, approver), are signed as envelopes of ``--per-envelope`` records
    (signing is timed separately, it happens on the node). Then, each in a fresh migrated
    gateway database:

    * project: every envelope, as the bytes a node posts, through the real inbox service
      (``gateway.inbox.submissions.Inbox.submit``, what ``POST /inbox`` calls): parse, verify
      (chain to the national CA, CRL, signature over the JCS payload, regions of every record,
      time window, TLS peer), then the one-transaction store (receipt, records with their
      digests, NIK directory, audit chain entry);
    * baseline: the same bytes through the same ``Inbox.submit`` and the same store, with the
      verification replaced by building the verified envelope directly (parse the JSON, the
      JCS digest the receipt needs, nothing checked).

    ``min(--records, 50,000)`` records (``--inbox-records``); each side runs ``--repeat`` times
    (2), alternated, and the fastest run of each is reported with its CPU time, since the
    machine's other load moves wall time by more than the verification costs.

(b) **Backlog drain** (target ≤ 60 s for 100,000 records). A node database gets
    ``--records`` records queued directly through the outbox service (``queue_submission``,
    signed, one unit of work per envelope, as approvals do). A relay round against a port where
    nothing listens records the link failure (the node was offline). Then the gateway's
    node-facing mTLS listener starts (``create_inbox_app`` + ``inbox_tls``, in its own process
    unless ``--same-process``) and the relay (``Relay.run_once``, over ``HttpGatewayLink``
    with the node's TLS certificate) runs until the outbox is empty. The clock runs from the
    gateway accepting connections to the outbox being empty. Then both sides are compared
    record by record (ids and digests) and the gateway must hold exactly ``--records``.

SQLite files for both sides by default; ``--postgres URL`` runs both on PostgreSQL databases
created for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import func, select

from certs.envelope import (
    VerifiedEnvelope,
    canonical_json,
    canonical_payload,
    make_header,
    sign_envelope,
)
from certs.identity import Identity
from certs.reloading import ReloadingTrust
from certs.signing import SigningCredentials
from gateway.adapters.database import Database as GatewayDatabase
from gateway.adapters.database import open_database as open_gateway
from gateway.adapters.migrations import upgrade as upgrade_gateway
from gateway.adapters.orm import InboxReceipt, NationalRecord
from gateway.federation.directory import NikDirectoryKey
from gateway.inbox.submissions import Inbox
from schema.identity_numbers import Sex, make_nik
from schema.regions import RegionLevel, regions

INBOX_TARGET = 2_000.0  # records/s
DRAIN_TARGET = 60.0  # seconds for 100,000 records
DRAIN_TARGET_RECORDS = 100_000
REGION = "32.73"
DIRECTORY_SECRET = "bench-sync-directory-secret-0123456789"


# -- records and envelopes ---------------------------------------------------------------------

def make_records(region: str, count: int, prefix: str) -> list[dict[str, Any]]:
    """Records shaped like an approved NEW_HOUSEHOLD proposal's (about 900 bytes each)."""
    codes = [r.code for r in regions().descendants(region, RegionLevel.DESA)][:50]
    kab = region.replace(".", "")
    out = []
    for i in range(count):
        desa = codes[i % len(codes)]  # valid NIKs of the desa's kecamatan (the inbox checks)
        niks = [make_nik(desa[:8], dt.date(1960 + (i * 4 + m) // 9999 % 40, 1 + m, 10 + m),
                         Sex.MALE if m % 2 == 0 else Sex.FEMALE, (i * 4 + m) % 9999 + 1)
                for m in range(4)]
        members = [{"nik": nik, "name": f"Warga {i} {m}", "sex": "F" if m % 2 else "M",
                    "birth_date": f"19{60 + (i + m) % 40}-0{1 + m}-1{m}",
                    "relationship": ("HEAD", "SPOUSE", "CHILD", "CHILD")[m],
                    "occupation": "PETANI" if m < 2 else "PELAJAR"}
                   for m, nik in enumerate(niks)]
        details = {"household": {"kk_number": f"{kab}{i:010d}",
                                 "address": f"Jl. Merdeka No. {i % 400}, RT 0{i % 9 + 1}",
                                 "members": members}}
        out.append({"id": f"{prefix}-{i:07d}", "kind": "NEW_HOUSEHOLD",
                    "desa_code": desa, "household_id": f"hh-{i:07d}",
                    "details": details,
                    "details_digest": hashlib.sha256(canonical_json(details)).hexdigest(),
                    "approved_at": "2026-11-20T08:00:00+00:00",
                    "approved_by": "dinsos-32.73-01", "niks": niks})
    return out


def chunks(records: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(records), size):
        yield records[start:start + size]


def sign_all(credentials: SigningCredentials, records: list[dict[str, Any]],
             per_envelope: int) -> list[bytes]:
    out = []
    for batch in chunks(records, per_envelope):
        header = make_header(action="submit", sender_id=credentials.holder.id,
                             receiver_id="gateway", total_count=len(batch))
        envelope = sign_envelope(header, {"records": batch}, credentials.private_key,
                                 credentials.kid, certificate=credentials.certificate)
        out.append(json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode())
    return out


# -- databases ---------------------------------------------------------------------------------

@dataclass
class Backend:
    workdir: Path
    postgres: str | None
    created: list[str]

    @property
    def name(self) -> str:
        return "postgresql" if self.postgres else "sqlite"

    async def fresh(self, label: str) -> str:
        if self.postgres is None:
            return f"sqlite:///{self.workdir / f'{label}.sqlite'}"
        name = f"siks_bench_sync_{label}_{uuid.uuid4().hex[:8]}"
        await _pg(self.postgres, f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.postgres.rsplit("/", 1)[0] + f"/{name}"

    async def drop_all(self) -> None:
        if self.postgres is None:
            return
        for name in self.created:
            await _pg(self.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _pg(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url.replace("postgresql://", "postgres://"), timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def fresh_gateway(backend: Backend, label: str) -> str:
    url = await backend.fresh(label)
    database = open_gateway(url)
    try:
        await upgrade_gateway(database)
    finally:
        await database.dispose()
    return url


async def gateway_counts(database: GatewayDatabase) -> tuple[int, int]:
    async with database.reader() as session:
        receipts = (await session.execute(
            select(func.count()).select_from(InboxReceipt))).scalar_one()
        stored = (await session.execute(
            select(func.count()).select_from(NationalRecord))).scalar_one()
    return int(receipts), int(stored)


# -- (a) the inbox -----------------------------------------------------------------------------

class UncheckedInbox(Inbox):
    """The baseline: the same submit and store path, the envelope taken as verified."""

    def __init__(self, *args: Any, signer: SigningCredentials, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._signer = signer

    def verify(self, envelope: Mapping[str, Any], now: dt.datetime, action: Any,
               tls_peer: str | None, record_region: str | None) -> VerifiedEnvelope:
        header, message = dict(envelope["header"]), dict(envelope["message"])
        return VerifiedEnvelope(
            header=header, message=message, kid=self._signer.kid,
            signer=self._signer.holder, certificate=self._signer.certificate,
            message_ts=dt.datetime.fromisoformat(header["message_ts"]),
            digest=hashlib.sha256(canonical_payload(header, message)).hexdigest())


@dataclass(frozen=True, slots=True)
class Rate:
    records: int
    seconds: float
    cpu_seconds: float

    @property
    def per_s(self) -> float:
        return self.records / self.seconds


async def run_inbox(url: str, bodies: list[bytes], records: int, inbox_of: Any) -> Rate:
    database = open_gateway(url)
    try:
        inbox = inbox_of(database)
        started, cpu = time.perf_counter(), time.process_time()
        for body in bodies:
            outcome = await inbox.submit(body, tls_peer=REGION)
            if not outcome.accepted:
                raise SystemExit(f"inbox refused a bench envelope: {outcome.body()}")
        seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
        stored = await gateway_counts(database)
        if stored != (len(bodies), records):
            raise SystemExit(f"the gateway holds {stored}, expected ({len(bodies)}, {records})")
    finally:
        await database.dispose()
    return Rate(records, seconds, cpu_s)


async def measure_inbox(backend: Backend, pki: Path, records: int, per_envelope: int,
                        repeat: int) -> tuple[Rate, Rate]:
    credentials = SigningCredentials.load(pki, Identity.region(REGION))
    started = time.perf_counter()
    bodies = sign_all(credentials, make_records(REGION, records, "inbox"), per_envelope)
    seconds = time.perf_counter() - started
    size = sum(len(b) for b in bodies) / len(bodies)
    print(f"(a) {len(bodies)} envelopes × {per_envelope} records, {size / 1e6:.2f} MB each, "
          f"made and signed in {seconds:.2f} s (the node's work, not timed below)")
    key = NikDirectoryKey.from_secret(DIRECTORY_SECRET)
    trust = ReloadingTrust(pki)
    projects, baselines = [], []
    for attempt in range(repeat):  # alternated, so that a burst of load hits both alike
        baselines.append(await run_inbox(
            await fresh_gateway(backend, f"inbox_baseline_{attempt}"), bodies, records,
            lambda db: UncheckedInbox(db, trust, directory_key=key, signer=credentials)))
        projects.append(await run_inbox(
            await fresh_gateway(backend, f"inbox_project_{attempt}"), bodies, records,
            lambda db: Inbox(db, trust, directory_key=key)))
        if backend.postgres is None:  # free the disk between attempts
            for path in backend.workdir.glob(f"inbox_*_{attempt}.sqlite*"):
                path.unlink()
    return _fastest(projects), _fastest(baselines)


def _fastest(runs: list[Rate]) -> Rate:
    return min(runs, key=lambda r: r.seconds)


# -- (b) the drain -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Drain:
    records: int
    messages: int
    queue_seconds: float
    seconds: float
    rounds: int
    first_round_error: str


def _serve_gateway(url: str, pki: str, ready: Any, stop: Any) -> None:
    """The gateway's node-facing listener, in its own process (as ``siks gateway serve``)."""
    asyncio.run(_gateway_listener(url, Path(pki), ready, stop))


async def _gateway_listener(url: str, pki: Path, ready: Any, stop: Any) -> None:
    from aiohttp import web

    from gateway.inbox.http import build_sync, create_inbox_app, inbox_tls

    database = open_gateway(url)
    runner = web.AppRunner(create_inbox_app(build_sync(
        database, pki, NikDirectoryKey.from_secret(DIRECTORY_SECRET))))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=inbox_tls(pki))
    await site.start()
    ready.send(runner.addresses[0][1])
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, stop.wait)
    await runner.cleanup()
    await database.dispose()


@contextmanager
def gateway_process(url: str, pki: Path) -> Iterator[int]:
    context = multiprocessing.get_context("spawn")
    ready_out, ready_in = context.Pipe(duplex=False)
    stop = context.Event()
    process = context.Process(target=_serve_gateway, args=(url, str(pki), ready_in, stop),
                              daemon=True)
    process.start()
    try:
        if not ready_out.poll(60):
            raise SystemExit("the gateway listener did not start")
        yield int(ready_out.recv())
    finally:
        stop.set()
        process.join(30)
        if process.is_alive():
            process.terminate()


async def queue_backlog(node_url: str, pki: Path, records: int, per_envelope: int) -> float:
    from regional_node.adapters.database import open_database
    from regional_node.adapters.migrations import upgrade
    from regional_node.domain.audit import Actor
    from regional_node.service_layer.node_meta import bind_region
    from regional_node.service_layer.outbox import queue_submission
    from regional_node.service_layer.unit_of_work import UnitOfWork

    database = open_database(node_url)
    try:
        await upgrade(database)
        await bind_region(database, REGION)
        credentials = SigningCredentials.load(pki, Identity.region(REGION))
        actor = Actor("cli:bench", "DINSOS")
        started = time.perf_counter()
        for batch in chunks(make_records(REGION, records, "drain"), per_envelope):
            async with UnitOfWork(database, actor) as uow:
                await queue_submission(uow, batch, signer=credentials)
                await uow.commit()
        return time.perf_counter() - started
    finally:
        await database.dispose()


async def run_drain(node_url: str, gateway_url: str, pki: Path, port: int | None,
                    free_port: int) -> tuple[float, int, str]:
    """One failed round (offline), then rounds until empty once the gateway listens."""
    from regional_node.adapters.database import open_database
    from regional_node.adapters.gateway_link import HttpGatewayLink, node_tls_context
    from regional_node.service_layer.outbox import PkiSigner, backlog
    from regional_node.service_layer.relay import Relay

    database = open_database(node_url)
    tls = node_tls_context(pki, REGION)
    try:
        async with HttpGatewayLink(f"https://127.0.0.1:{free_port}", tls, timeout_s=5) as link:
            offline = await Relay(database, link, REGION).run_once(checkpoint=False)
        if offline.link_up:
            raise SystemExit("the offline round reached a gateway")
        server = None
        if port is None:  # --same-process
            server = await _start_in_process(gateway_url, pki)
            port = server[1]
        started = time.perf_counter()
        rounds = 0
        async with HttpGatewayLink(f"https://127.0.0.1:{port}", tls, timeout_s=120) as link:
            relay = Relay(database, link, REGION, signer=PkiSigner(pki, REGION),
                          trust=ReloadingTrust(pki), batch=1_000)
            while (await backlog(database)).pending:
                rounds += 1
                report = await relay.run_once(ignore_backoff=True, checkpoint=False)
                if report.refused or rounds > 10_000:
                    raise SystemExit(f"drain failed: {report}")
        seconds = time.perf_counter() - started
        if server is not None:
            await server[0].cleanup()
            await server[2].dispose()
        return seconds, rounds, str(offline.link_error)
    finally:
        await database.dispose()


async def _start_in_process(gateway_url: str, pki: Path) -> tuple[Any, int, GatewayDatabase]:
    from aiohttp import web

    from gateway.inbox.http import build_sync, create_inbox_app, inbox_tls

    database = open_gateway(gateway_url)
    runner = web.AppRunner(create_inbox_app(build_sync(
        database, pki, NikDirectoryKey.from_secret(DIRECTORY_SECRET))))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=inbox_tls(pki))
    await site.start()
    return runner, int(runner.addresses[0][1]), database


async def compare_sides(node_url: str, gateway_url: str) -> tuple[int, int, bool]:
    from regional_node.adapters.database import open_database
    from regional_node.adapters.orm import OutboxMessage

    node, gateway = open_database(node_url), open_gateway(gateway_url)
    try:
        async with node.reader() as session:
            texts = (await session.execute(select(OutboxMessage.envelope))).scalars().all()
        signed = {r["id"]: hashlib.sha256(canonical_json(r)).hexdigest()
                  for text in texts for r in json.loads(text)["message"]["records"]}
        async with gateway.reader() as session:
            rows = (await session.execute(select(NationalRecord.record_id,
                                                 NationalRecord.digest))).all()
        held = {record_id: digest for record_id, digest in rows}
        return len(signed), len(rows), signed == held and len(rows) == len(held)
    finally:
        await node.dispose()
        await gateway.dispose()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure_drain(backend: Backend, pki: Path, records: int, per_envelope: int,
                  same_process: bool) -> Drain:
    node_url = asyncio.run(backend.fresh("node"))
    gateway_url = asyncio.run(fresh_gateway(backend, "drain_gateway"))
    queue_s = asyncio.run(queue_backlog(node_url, pki, records, per_envelope))
    messages = -(-records // per_envelope)
    print(f"(b) {records:,} records queued as {messages} signed envelopes through the outbox "
          f"service in {queue_s:.2f} s (approval-time work, not timed below)")
    if same_process:
        seconds, rounds, error = asyncio.run(
            run_drain(node_url, gateway_url, pki, None, _free_port()))
    else:
        with gateway_process(gateway_url, pki) as port:
            seconds, rounds, error = asyncio.run(
                run_drain(node_url, gateway_url, pki, port, _free_port()))
    signed, held, equal = asyncio.run(compare_sides(node_url, gateway_url))
    receipts, stored = asyncio.run(_counts(gateway_url))
    if not equal or stored != records or receipts != messages or signed != records:
        raise SystemExit(f"drain mismatch: node signed {signed}, gateway holds {stored} "
                         f"records in {receipts} receipts, record by record equal: {equal}")
    print(f"    gateway holds exactly {stored:,} records in {receipts} receipts, equal to the "
          "node's record by record (ids and digests)")
    return Drain(records, messages, queue_s, seconds, rounds, error)


async def _counts(url: str) -> tuple[int, int]:
    database = open_gateway(url)
    try:
        return await gateway_counts(database)
    finally:
        await database.dispose()


# -- report ------------------------------------------------------------------------------------

def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--per-envelope", type=int, default=500)
    parser.add_argument("--inbox-records", type=int, default=None,
                        help="records for (a), default min(--records, 50,000)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="(a): runs of each side, alternated; the fastest is reported")
    parser.add_argument("--postgres", default=None, metavar="URL",
                        help="run both sides on PostgreSQL (databases created and dropped)")
    parser.add_argument("--skip-inbox", action="store_true")
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--same-process", action="store_true",
                        help="(b): the gateway listener in the relay's process and event loop")
    args = parser.parse_args(argv)
    inbox_records = args.inbox_records or min(args.records, 50_000)
    from certs.dev import ensure_dev_pki

    missed: list[str] = []
    with tempfile.TemporaryDirectory(prefix="siks-bench-sync-") as tmp:
        workdir = Path(tmp)
        backend = Backend(workdir, args.postgres, [])
        pki = ensure_dev_pki(workdir / "pki", regions=(REGION,)).layout.root
        print(f"machine: {platform.machine()}, python {platform.python_version()}, "
              f"{_cores()} cores, load average {_load()} at start; backend {backend.name}")
        try:
            if not args.skip_inbox:
                project, baseline = asyncio.run(
                    measure_inbox(backend, pki, inbox_records, args.per_envelope,
                                  args.repeat))
                print()
                print(f"fastest of {args.repeat} alternated runs each:")
                print("| inbox | records | seconds | CPU s | records/s | records/CPU s |")
                print("|---|---:|---:|---:|---:|---:|")
                for label, rate in (("project: verify + store", project),
                                    ("baseline: store, no verification", baseline)):
                    print(f"| {label} | {rate.records:,} | {rate.seconds:.2f} | "
                          f"{rate.cpu_seconds:.2f} | {rate.per_s:,.0f} | "
                          f"{rate.records / rate.cpu_seconds:,.0f} |")
                extra = project.cpu_seconds - baseline.cpu_seconds
                print(f"ratio project / baseline: {project.per_s / baseline.per_s:.2f}; "
                      f"verification adds {extra:.2f} CPU s, {extra / project.records * 1e6:.0f}"
                      " µs of CPU a record")
                met = project.per_s >= INBOX_TARGET
                print(f"target ≥ {INBOX_TARGET:,.0f} records/s: {'met' if met else 'MISSED'}")
                if not met:
                    missed.append("inbox")
                print(f"load average {_load()}")
                print()
            if not args.skip_drain:
                drain = measure_drain(backend, pki, args.records, args.per_envelope,
                                      args.same_process)
                where = "same process" if args.same_process else "gateway in its own process"
                print(f"    offline round first: {drain.first_round_error[:90]}")
                print(f"    drained {drain.records:,} records ({drain.messages} envelopes) over "
                      f"mTLS on loopback ({where}) in {drain.seconds:.2f} s, {drain.rounds} "
                      f"relay rounds: {drain.records / drain.seconds:,.0f} records/s")
                budget = DRAIN_TARGET * drain.records / DRAIN_TARGET_RECORDS
                met = drain.seconds <= budget
                scale = "" if drain.records == DRAIN_TARGET_RECORDS else \
                    f" (scaled to {drain.records:,} records: {budget:.1f} s)"
                print(f"target ≤ {DRAIN_TARGET:.0f} s for {DRAIN_TARGET_RECORDS:,} records"
                      f"{scale}: {'met' if met else 'MISSED'}")
                if not met:
                    missed.append("drain")
                print(f"load average {_load()} at the end (other processes share these cores)")
        finally:
            asyncio.run(backend.drop_all())
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
