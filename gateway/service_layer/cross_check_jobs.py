"""A partner's cross-check job (docs/partners.md): a file of up to 1,000,000 NIKs, stored
with one audit entry (who, when, how many NIKs, the digest of the list), run in the
background by the gateway, its result kept for one download.

**Placement**. The NIK directory places each NIK (one query per 500); a NIK it does not
know is asked of the node of the kab/kota that issued it (the NIK's first four digits),
where most people live, and is otherwise not registered. Unlike the 1,000-NIK call, which
asks every node for the NIKs the directory does not know, a job of a million NIKs cannot
(most of a partner's list is not in DTKS): a NIK registered since the directory's last
snapshot outside the kab/kota that issued it shows as not registered until the next one.

**Calls**. Each node is asked for its NIKs in chunks of 1,000 (a node's ``crossCheck``
limit), every node's chunk of a round, as many nodes at once as the gateway's ``MAX_CONCURRENCY``,
each group within the gateway's deadline; a node that does
not answer is asked twice more (alone with the others that did not), then leaves its NIKs
unknown and is named in the job (``missingRegions``). The job runs as its owner (each node
audits the NIKs it was asked, as for a call).

**Restart**. The list stays in the gateway's database until the job is done: a gateway that
stops with jobs queued or running starts them again from the beginning when it starts.

**Retention**. The result (a CSV, compressed) is deleted when it is downloaded, or when its
download has been open for ``RESULT_HOURS`` hours, whichever is first; the NIK list when
the result is written. What stays is the job's row: owner, counts, state, digest.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import io
import logging
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.adapters.job_store import JobStore, JobView
from gateway.adapters.orm import CrossCheckJobRow, utcnow
from gateway.adapters.rule_store import RuleStore
from gateway.federation.deadline import Deadline
from gateway.federation.fanout import RequestScope
from gateway.federation.node_client import CallMeta
from gateway.inbox.audit import AuditNote
from gateway.service_layer.cross_check import NODE_DOCUMENT, Checked, join_answers
from gateway.service_layer.services import GatewayServices
from schema.benefit_rules import PROGRAM_CODE, ExclusionRule, conflicts_of
from schema.cross_check import MAX_BATCH
from schema.cross_check_jobs import JobState, digest_of, parse_nik_file
from schema.errors import InvalidInput
from schema.roles import Principal, Role

log = logging.getLogger(__name__)

RESULT_HOURS = 24  # how long a result waits for its download
QUEUED_DAYS = 7  # how long a job may wait or run before it expires
AUDIT_ACTION = "crossCheck.job"
ATTEMPTS = 3  # a node that does not answer a round is asked twice more before it is missing
RESULT_BLOCK = 20_000  # rows of the result compressed at a time
COLUMNS = ("nik", "registered", "desil_band", "programs", "conflicts",
           "in_more_than_one_region")


def check_program(program: str | None) -> str | None:
    if program is None or program == "":
        return None
    if not PROGRAM_CODE.match(program):
        raise InvalidInput(f"program {program!r} bukan kode program / is not a program code "
                           "(UPPER_CASE, e.g. KEMENAG_PIP)", reason="program", field="program")
    return program


async def submit(services: GatewayServices, principal: Principal, text: str,
                 program: str | None) -> JobView:
    """Check the file whole, store the job and its audit entry; the runner takes it next."""
    program = check_program(program)
    niks = parse_nik_file(text)
    job_id = uuid.uuid4().hex
    digest = digest_of(niks)
    now = utcnow()
    row = CrossCheckJobRow(
        id=job_id, owner=principal.user_id, program=program, state=JobState.QUEUED.value,
        principal={"user_id": principal.user_id, "role": principal.role.value,
                   "region": principal.region, "programs": list(principal.programs)},
        total=len(set(niks)), done=0, niks_sha256=digest, missing_regions=[],
        niks=zlib.compress("\n".join(niks).encode("ascii")), result=None, created_at=now,
        finished_at=None, expires_at=now + dt.timedelta(days=QUEUED_DAYS))
    note = AuditNote(principal.user_id, AUDIT_ACTION, "cross_check_job", job_id,
                     {"niks": len(niks), "niksDigest": digest, "program": program},
                     principal.role.value)
    store = JobStore(services.database)
    await store.create(row, note)
    view = await store.get(job_id)
    assert view is not None
    return view


def _principal(stored: dict[str, object]) -> Principal:
    programs = stored.get("programs") or []
    assert isinstance(programs, list)
    region = stored.get("region")
    return Principal(str(stored["user_id"]), Role(str(stored["role"])),
                     region if isinstance(region, str) else None, tuple(map(str, programs)))


async def _placement(services: GatewayServices, niks: Sequence[str]
                     ) -> dict[str, list[str]]:
    """The NIKs to ask each node for: every region where the directory places them (a NIK
    held in two regions is asked of both), else the node of the kab/kota that issued the NIK;
    NIKs neither places are asked of nobody."""
    served = set(services.registry.regions())
    keys = {nik: services.directory_key.key_of(nik) for nik in niks}
    placed = await services.directory.regions_of(keys.values())
    asks: dict[str, list[str]] = {}
    for nik in niks:
        for region in placed.get(keys[nik]) or [f"{nik[:2]}.{nik[2:4]}"]:
            if region in served:
                asks.setdefault(region, []).append(nik)
    return asks


@dataclass
class _Progress:
    done: int = 0
    missing: set[str] = field(default_factory=set)


async def _ask_nodes(services: GatewayServices, store: JobStore, job_id: str,
                     principal: Principal, joined: dict[str, Checked],
                     asks: dict[str, list[str]], progress: _Progress) -> None:
    rounds = max((len(v) + MAX_BATCH - 1) // MAX_BATCH for v in asks.values()) if asks else 0
    for number in range(rounds):
        start, end = number * MAX_BATCH, (number + 1) * MAX_BATCH
        chunks = {region: niks[start:end] for region, niks in asks.items() if len(niks) > start}
        answers: dict[str, dict[str, Any]] = {}
        for attempt in range(ATTEMPTS):  # a node that did not answer is asked again
            waiting = sorted(r for r in chunks if r not in answers)
            if not waiting:
                break
            variables = {region: {"niks": chunks[region]} for region in waiting}
            width = services.config.max_concurrency  # each group its own deadline: a node
            for first in range(0, len(waiting), width):  # never waits on the others' turn
                group = waiting[first:first + width]
                scope = RequestScope(Deadline.after_ms(services.config.deadline_ms), CallMeta(
                    f"job-{job_id[:12]}-{number}-{attempt}-{first}", principal))
                answers.update(await services.federation.scatter(
                    group, NODE_DOCUMENT, variables.__getitem__, scope))
        join_answers(joined, chunks, answers)
        progress.missing.update(r for r in chunks if r not in answers)
        progress.done += sum(len(c) for c in chunks.values())
        await store.progress(job_id, progress.done, sorted(progress.missing))


def result_file(niks: Sequence[str], joined: dict[str, Checked],
                rules: Sequence[ExclusionRule], program: str | None) -> bytes:
    """The job's CSV, a row per line of the file sent: ``registered`` is ``true``, ``false``
    or ``unknown``; ``programs`` ``PKH/HOUSEHOLD/2026-S1;…``; ``conflicts`` the rules broken,
    ``BLT x PKH (HOUSEHOLD);…``. Nothing else of a person.

    Compressed as it is written, a block of rows at a time. A NIK (checked digits) needs no
    quoting, so the row of one not registered (most of a partner's list) is written as is;
    a registered one's through the CSV writer, its conflicts worked out once per set of
    programs."""
    compressor = zlib.compressobj()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    conflicts_for: dict[tuple[str, ...], str] = {}
    chunks: list[bytes] = []
    for number, nik in enumerate(niks, 1):
        checked = joined[nik]
        if not checked.registered:
            out.write(f"{nik},{'false' if checked.registered is False else 'unknown'},,,,\n")
        else:
            held = tuple(str(p["program"]) for p in checked.programs)
            conflicts = conflicts_for.get(held)
            if conflicts is None:
                conflicts = conflicts_for[held] = ";".join(
                    f"{c.program} x {c.excludes} ({c.scope.value})"
                    for c in conflicts_of(rules, held, program))
            writer.writerow((
                nik, "true", checked.desil_band or "",
                ";".join(f"{p['program']}/{p['level']}/{p['period']}" for p in checked.programs),
                conflicts, "true" if checked.in_more_than_one_region else "false"))
        if number % RESULT_BLOCK == 0:
            chunks.append(compressor.compress(out.getvalue().encode("utf-8")))
            out.seek(0)
            out.truncate()
    chunks.append(compressor.compress(out.getvalue().encode("utf-8")))
    chunks.append(compressor.flush())
    return b"".join(chunks)


async def run_job(services: GatewayServices, job_id: str) -> None:
    store = JobStore(services.database)
    stored = await store.input_of(job_id)
    view = await store.get(job_id)
    if stored is None or view is None:
        return
    niks = zlib.decompress(stored[0]).decode("ascii").split("\n")
    unique = list(dict.fromkeys(niks))
    await store.started(job_id, len(unique))
    joined = {nik: Checked(nik, False) for nik in unique}
    asks = await _placement(services, unique)
    progress = _Progress(done=len(unique) - sum(len(v) for v in asks.values()))
    await _ask_nodes(services, store, job_id, _principal(stored[1]), joined, asks, progress)
    rules = await RuleStore(services.database).all()
    await store.finish(job_id, result_file(niks, joined, rules, view.program),
                       sorted(progress.missing), dt.timedelta(hours=RESULT_HOURS))


def status_json(view: JobView) -> dict[str, object]:
    """The job as its owner sees it over HTTP (``GET /partners/cross-check-jobs/{id}``)."""
    return {"id": view.id, "state": view.state.value, "program": view.program,
            "total": view.total, "done": view.done,
            "progress": round(view.done / view.total, 4) if view.total else 1.0,
            "missingRegions": list(view.missing_regions),
            "createdAt": view.created_at.isoformat(),
            "finishedAt": view.finished_at.isoformat() if view.finished_at else None,
            "expiresAt": view.expires_at.isoformat()}


class JobRunner:
    """Runs the queued jobs one after another in the gateway's process; started with the
    app (expired results cleared, jobs left open by a stop started again), stopped with it."""

    def __init__(self, services: GatewayServices) -> None:
        self.services = services
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        store = JobStore(self.services.database)
        await store.expire()
        for job_id in await store.open_jobs():
            self._queue.put_nowait(job_id)
        self._task = asyncio.create_task(self._work(), name="cross-check-jobs")

    def enqueue(self, job_id: str) -> None:
        self._queue.put_nowait(job_id)

    async def _work(self) -> None:
        while True:
            job_id = await self._queue.get()
            try:
                await run_job(self.services, job_id)
            except Exception:  # the job says so; the next one runs
                log.exception("cross-check job %s failed", job_id)
                with contextlib.suppress(Exception):
                    await JobStore(self.services.database).fail(job_id)
            with contextlib.suppress(Exception):
                await JobStore(self.services.database).expire()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
