"""The partners' cross-check jobs in the gateway's database (``cross_check_job``): created
with the batch's audit entry in one transaction, their progress, their result while its
download is open (taken once, or cleared when it expires)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from gateway.adapters.database import Database
from gateway.adapters.orm import CrossCheckJobRow, utcnow
from gateway.inbox.audit import AuditNote, append
from schema.cross_check_jobs import JobState

OPEN_STATES = (JobState.QUEUED.value, JobState.RUNNING.value)


@dataclass(frozen=True, slots=True)
class JobView:
    """What the job's owner may see of it (no NIK, no result)."""

    id: str
    owner: str
    program: str | None
    state: JobState
    total: int
    done: int
    missing_regions: tuple[str, ...]
    created_at: dt.datetime
    finished_at: dt.datetime | None
    expires_at: dt.datetime


def _view(row: CrossCheckJobRow) -> JobView:
    return JobView(row.id, row.owner, row.program, JobState(row.state), row.total, row.done,
                   tuple(row.missing_regions or ()), row.created_at, row.finished_at,
                   row.expires_at)


class JobStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(self, row: CrossCheckJobRow, note: AuditNote) -> None:
        async with self.database.writer() as session, session.begin():
            session.add(row)
            await session.flush()
            await append(session, [note])

    async def get(self, job_id: str) -> JobView | None:
        async with self.database.reader() as session:
            row = await session.get(CrossCheckJobRow, job_id)
            return _view(row) if row is not None else None

    async def input_of(self, job_id: str) -> tuple[bytes, dict[str, Any]] | None:
        async with self.database.reader() as session:
            found = (await session.execute(
                select(CrossCheckJobRow.niks, CrossCheckJobRow.principal)
                .where(CrossCheckJobRow.id == job_id))).one_or_none()
        if found is None or found[0] is None:
            return None
        return bytes(found[0]), dict(found[1])

    async def open_jobs(self) -> list[str]:
        async with self.database.reader() as session:
            return list((await session.execute(
                select(CrossCheckJobRow.id).where(CrossCheckJobRow.state.in_(OPEN_STATES))
                .order_by(CrossCheckJobRow.created_at))).scalars())

    async def _set(self, job_id: str, **values: Any) -> None:
        async with self.database.writer() as session, session.begin():
            await session.execute(update(CrossCheckJobRow)
                                  .where(CrossCheckJobRow.id == job_id).values(**values))

    async def started(self, job_id: str, total: int) -> None:
        await self._set(job_id, state=JobState.RUNNING.value, total=total, done=0)

    async def progress(self, job_id: str, done: int, missing: Sequence[str]) -> None:
        await self._set(job_id, done=done, missing_regions=sorted(missing))

    async def finish(self, job_id: str, result: bytes, missing: Sequence[str],
                     open_for: dt.timedelta) -> None:
        """The result stored, the NIK list dropped; the download open for ``open_for``."""
        now = utcnow()
        await self._set(job_id, state=JobState.DONE.value, result=result, niks=None,
                        missing_regions=sorted(missing), finished_at=now,
                        expires_at=now + open_for)

    async def fail(self, job_id: str) -> None:
        await self._set(job_id, state=JobState.FAILED.value, niks=None, result=None,
                        finished_at=utcnow())

    async def take_result(self, job_id: str) -> bytes | None:
        """The result, deleted in the same transaction (a download is the only copy)."""
        async with self.database.writer() as session, session.begin():
            row = await session.get(CrossCheckJobRow, job_id, with_for_update=True)
            if row is None or row.result is None or row.state != JobState.DONE.value:
                return None
            result = bytes(row.result)
            row.result, row.state = None, JobState.DOWNLOADED.value
            return result

    async def expire(self, now: dt.datetime | None = None) -> int:
        """Clear the results (and NIK lists) of jobs past their expiry; how many."""
        async with self.database.writer() as session, session.begin():
            cleared = await session.execute(
                update(CrossCheckJobRow)
                .where(CrossCheckJobRow.expires_at < (now or utcnow()),
                       CrossCheckJobRow.state.in_((*OPEN_STATES, JobState.DONE.value)))
                .values(state=JobState.EXPIRED.value, result=None, niks=None))
        return int(cleared.rowcount or 0)  # type: ignore[attr-defined]
