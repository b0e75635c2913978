"""The NIK directory table: keyed hash of a NIK → the region whose node holds the person.

A region's snapshot replaces what the directory held for that region; a key that moves to
another region (the person moved) follows the newest snapshot. The key that made the hashes
is remembered by fingerprint: a new key empties the directory, which then refills.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import bindparam, delete, func, select

from gateway.adapters.database import Database
from gateway.adapters.orm import GatewayMeta, NikDirectoryEntry, utcnow

KEY_FINGERPRINT = "nik_directory.key_fingerprint"
CHUNK = 500
_REGION_OF = select(NikDirectoryEntry.region).where(
    NikDirectoryEntry.nik_key == bindparam("nik_key"))


class DirectoryStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def adopt_key(self, fingerprint: str) -> bool:
        """Remember which key hashes the entries; True when a different key emptied it."""
        async with self.database.writer() as session, session.begin():
            stored = await session.get(GatewayMeta, KEY_FINGERPRINT)
            if stored is not None and stored.value == fingerprint:
                return False
            if stored is None:
                session.add(GatewayMeta(key=KEY_FINGERPRINT, value=fingerprint))
                return False
            await session.execute(delete(NikDirectoryEntry))
            stored.value = fingerprint
            return True

    async def region_of(self, nik_key: str) -> str | None:
        region: str | None = await self.database.probe(_REGION_OF, {"nik_key": nik_key})
        return region

    async def regions_of(self, nik_keys: Iterable[str]) -> dict[str, str]:
        """Where each of many keys is held (a batch: one query per CHUNK keys); keys the
        directory does not know are left out."""
        keys = sorted(set(nik_keys))
        found: dict[str, str] = {}
        async with self.database.reader() as session:
            for start in range(0, len(keys), CHUNK):
                rows = await session.execute(
                    select(NikDirectoryEntry.nik_key, NikDirectoryEntry.region)
                    .where(NikDirectoryEntry.nik_key.in_(keys[start:start + CHUNK])))
                found.update((key, region) for key, region in rows)
        return found

    async def replace_region(self, region: str, nik_keys: Iterable[str],
                             at: dt.datetime | None = None) -> int:
        keys = sorted(set(nik_keys))
        at = at or utcnow()
        async with self.database.writer() as session, session.begin():
            await session.execute(delete(NikDirectoryEntry).where(
                NikDirectoryEntry.region == region))
            for start in range(0, len(keys), CHUNK):
                chunk = keys[start:start + CHUNK]
                await session.execute(delete(NikDirectoryEntry).where(
                    NikDirectoryEntry.nik_key.in_(chunk)))
                session.add_all(NikDirectoryEntry(nik_key=k, region=region, updated_at=at)
                                for k in chunk)
                await session.flush()
        return len(keys)

    async def learn(self, nik_key: str, region: str) -> None:
        """One entry found by a scatter after a miss."""
        async with self.database.writer() as session, session.begin():
            entry = await session.get(NikDirectoryEntry, nik_key)
            if entry is None:
                session.add(NikDirectoryEntry(nik_key=nik_key, region=region,
                                              updated_at=utcnow()))
            else:
                entry.region, entry.updated_at = region, utcnow()

    async def is_empty(self) -> bool:
        """Whether no entry is held (one row looked at, not a count of millions)."""
        statement = select(NikDirectoryEntry.nik_key).limit(1)
        async with self.database.reader() as session:
            return (await session.execute(statement)).first() is None

    async def count(self, region: str | None = None) -> int:
        statement = select(func.count()).select_from(NikDirectoryEntry)
        if region is not None:
            statement = statement.where(NikDirectoryEntry.region == region)
        async with self.database.reader() as session:
            return int((await session.execute(statement)).scalar_one())
