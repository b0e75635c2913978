"""Kemensos' list of cross-region duplicates (``crossRegionDuplicates``, docs/duplicates.md):
the findings of the NIK directory, open ones (default) or all, oldest first, keyset-paginated
by id. A finding names its regions and when it was first seen; never the NIK (the gateway
holds only its keyed hash, which is not shown either: a node holding the key could reverse
it). Each node concerned keeps the finding's id with its warning."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from gateway.adapters.database import Database
from gateway.adapters.orm import NikDuplicate
from schema.errors import InvalidInput

MAX_PAGE = 50  # a full page stays within the query cost limit
_PREFIX = "nik_duplicate:"


@dataclass(frozen=True, slots=True)
class Finding:
    id: int
    regions: list[str]
    first_seen_at: dt.datetime
    resolved_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class FindingPage:
    findings: list[Finding]
    has_next: bool
    total: int

    @property
    def end_cursor(self) -> str | None:
        return cursor_of(self.findings[-1].id) if self.findings else None


def cursor_of(finding_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{finding_id}".encode()).decode()


def _after_id(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith(_PREFIX):
            raise ValueError(text)
        return int(text.removeprefix(_PREFIX))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("not a cursor of this list", reason="cursor", field="after") from None


async def list_duplicates(database: Database, *, open_only: bool = True, first: int = 50,
                          after: str | None = None) -> FindingPage:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be 1 to {MAX_PAGE}", reason="range", field="first")
    after_id = _after_id(after)
    where = [NikDuplicate.resolved_at.is_(None)] if open_only else []
    async with database.reader() as session:
        rows = (await session.execute(
            select(NikDuplicate).where(*where, NikDuplicate.id > after_id)
            .order_by(NikDuplicate.id).limit(first + 1))).scalars().all()
        total = int((await session.execute(
            select(func.count()).select_from(NikDuplicate).where(*where))).scalar_one())
    findings = [Finding(r.id, list(r.regions), r.first_seen_at, r.resolved_at)
                for r in rows[:first]]
    return FindingPage(findings, len(rows) > first, total)
