"""Cross-region duplicates kept in line with the NIK directory (docs/duplicates.md).

Every change to the directory's entries of some keys is followed, in the same transaction, by
:func:`refresh_duplicates` for those keys: a key held by two or more regions has an open
``nik_duplicate`` row (opened with ``first_seen_at``; its region list updated when it
changes); an open row whose key is now held by fewer than two regions is resolved. Each
change bumps ``version``; :mod:`gateway.inbox.duplicate_notices` signs the changes down to
the regions concerned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.adapters.orm import NikDirectoryEntry, NikDuplicate

CHUNK = 500


async def refresh_duplicates(session: AsyncSession, nik_keys: Iterable[str],
                             now: dt.datetime) -> int:
    """Open, update or resolve the findings of ``nik_keys``; returns how many changed."""
    keys, changed = sorted(set(nik_keys)), 0
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        held: dict[str, list[str]] = {}
        for key, region in await session.execute(
                select(NikDirectoryEntry.nik_key, NikDirectoryEntry.region)
                .where(NikDirectoryEntry.nik_key.in_(chunk))):
            held.setdefault(key, []).append(region)
        findings = {row.nik_key: row for row in (await session.execute(
            select(NikDuplicate).where(NikDuplicate.nik_key.in_(chunk)))).scalars()}
        for key in chunk:
            if _settle(session, key, sorted(held.get(key, [])), findings.get(key), now):
                changed += 1
    await session.flush()
    return changed


def _settle(session: AsyncSession, key: str, regions: list[str], row: NikDuplicate | None,
            now: dt.datetime) -> bool:
    if len(regions) >= 2:
        if row is None:
            session.add(NikDuplicate(nik_key=key, regions=regions, told_regions=[],
                                     first_seen_at=now, updated_at=now, resolved_at=None,
                                     version=1, notified_version=0))
            return True
        if row.resolved_at is None and list(row.regions) == regions:
            return False
        if row.resolved_at is not None:  # found again after it was resolved: a new finding
            row.first_seen_at, row.resolved_at = now, None
        row.regions, row.updated_at, row.version = regions, now, row.version + 1
        return True
    if row is None or row.resolved_at is not None:
        return False
    row.regions, row.resolved_at = regions, now
    row.updated_at, row.version = now, row.version + 1
    return True


async def open_keys_of(session: AsyncSession, region: str) -> list[str]:
    """The keys of the open findings that name ``region`` (to settle after its snapshot)."""
    rows = await session.execute(select(NikDuplicate.nik_key, NikDuplicate.regions)
                                 .where(NikDuplicate.resolved_at.is_(None)))
    return [key for key, regions in rows if region in regions]
