"""The NIK directory table: keyed hash of a NIK → every region whose node holds the person.

A region's snapshot replaces what the directory held for that region, and only that: a key
that another region holds too stays there as well, and the two regions make a cross-region
duplicate (:mod:`gateway.adapters.duplicate_store`, settled in the same transaction). A
person who moved is a duplicate until the region they left drops them. The key that made the
hashes is remembered by fingerprint: a new key empties the directory, which then refills.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, delete, func, literal_column, select

from gateway.adapters.database import Database
from gateway.adapters.duplicate_store import open_keys_of, refresh_duplicates
from gateway.adapters.orm import GatewayMeta, NikDirectoryEntry, NikDuplicate, utcnow

KEY_FINGERPRINT = "nik_directory.key_fingerprint"
_PLACED = (select(NikDirectoryEntry.nik_key, NikDirectoryEntry.region)
           .where(NikDirectoryEntry.nik_key.in_(bindparam("keys", expanding=True)))
           .order_by(NikDirectoryEntry.nik_key, NikDirectoryEntry.region))
CHUNK = 500
# every region of one key as one value, so the look-up stays a probe (Database.probe: on
# SQLite on the event loop's thread, docs/gateway.md "Database work per request")
_REGIONS_OF = {dialect: select(aggregate(NikDirectoryEntry.region, literal_column("','"))).where(
    NikDirectoryEntry.nik_key == bindparam("nik_key"))
    for dialect, aggregate in (("sqlite", func.group_concat),
                               ("postgresql", func.string_agg))}


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
            await session.execute(delete(NikDuplicate))  # keyed by the old key: meaningless
            stored.value = fingerprint
            return True

    async def regions_holding(self, nik_key: str) -> list[str]:
        """Every region that holds the key, in code order (two or more: a duplicate)."""
        held = await self.database.probe(_REGIONS_OF[self.database.dialect],
                                         {"nik_key": nik_key})
        return sorted(str(held).split(",")) if held else []

    async def regions_of(self, nik_keys: Iterable[str]) -> dict[str, list[str]]:
        """Where each of many keys is held (a batch: one query per CHUNK keys, in one read
        transaction on a worker thread), each key's regions in code order; keys the
        directory does not know are left out."""
        keys = sorted(set(nik_keys))

        def look_up(connection: Connection) -> dict[str, list[str]]:
            found: dict[str, list[str]] = {}
            for start in range(0, len(keys), CHUNK):
                rows = connection.execute(_PLACED, {"keys": keys[start:start + CHUNK]})
                for key, region in rows:
                    found.setdefault(key, []).append(region)
            return found

        return await self.database.run_sync(look_up, write=False) if keys else {}

    async def replace_region(self, region: str, nik_keys: Iterable[str],
                             at: dt.datetime | None = None) -> int:
        """The region's entries become exactly ``nik_keys``; other regions' stay. The
        duplicates of the keys it holds now or held before are settled with it."""
        keys = sorted(set(nik_keys))
        at = at or utcnow()
        async with self.database.writer() as session, session.begin():
            dropped = await open_keys_of(session, region)
            await session.execute(delete(NikDirectoryEntry).where(
                NikDirectoryEntry.region == region))
            for start in range(0, len(keys), CHUNK):
                session.add_all(NikDirectoryEntry(nik_key=k, region=region, updated_at=at)
                                for k in keys[start:start + CHUNK])
                await session.flush()
            await refresh_duplicates(session, [*keys, *dropped], at)
        return len(keys)

    async def learn(self, nik_key: str, regions: Iterable[str]) -> None:
        """Entries found by a scatter after a miss (every region that answered)."""
        now = utcnow()
        async with self.database.writer() as session, session.begin():
            for region in sorted(set(regions)):
                entry = await session.get(NikDirectoryEntry, (nik_key, region))
                if entry is None:
                    session.add(NikDirectoryEntry(nik_key=nik_key, region=region,
                                                  updated_at=now))
                else:
                    entry.updated_at = now
            await session.flush()
            await refresh_duplicates(session, [nik_key], now)

    async def announce(self, region: str, nik_keys: Iterable[str]) -> dict[str, list[str]]:
        """A node says it holds these keys (its new NIKs, docs/duplicates.md): each becomes
        an entry of ``region``; returns, per key held elsewhere too, the other regions."""
        keys, now = sorted(set(nik_keys)), utcnow()
        async with self.database.writer() as session, session.begin():
            held: dict[str, set[str]] = {}
            for start in range(0, len(keys), CHUNK):
                chunk = keys[start:start + CHUNK]
                for key, holder in await session.execute(
                        select(NikDirectoryEntry.nik_key, NikDirectoryEntry.region)
                        .where(NikDirectoryEntry.nik_key.in_(chunk))):
                    held.setdefault(key, set()).add(holder)
                session.add_all(NikDirectoryEntry(nik_key=k, region=region, updated_at=now)
                                for k in chunk if region not in held.get(k, set()))
                await session.flush()
            await refresh_duplicates(session, [k for k in keys if held.get(k, set()) - {region}],
                                     now)
        return {k: sorted(held[k] - {region}) for k in keys if held.get(k, set()) - {region}}

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
