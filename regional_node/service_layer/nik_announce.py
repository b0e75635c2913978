"""Telling the national directory which NIKs this node holds, by keyed hash only
(docs/duplicates.md): every member whose NIK was never announced (an import, an approved
proposal that added a member, a correction that changed a NIK) waits in the queue until the
gateway is reachable; a NIK another region holds too becomes a finding that comes back
signed, with the decisions, as a CROSS_REGION_DUPLICATE warning."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Member, NikAnnouncement, utcnow
from schema.nik_directory_key import NikDirectoryKey

BATCH = 1_000


@dataclass(frozen=True, slots=True)
class Unannounced:
    member_id: int
    nik: str


async def unannounced(database: Database, limit: int = BATCH) -> list[Unannounced]:
    """Members whose current NIK the directory was not told of, oldest member first."""
    async with database.reader() as session:
        rows = await session.execute(
            select(Member.id, Member.nik)
            .outerjoin(NikAnnouncement, NikAnnouncement.member_id == Member.id)
            .where(or_(NikAnnouncement.member_id.is_(None), NikAnnouncement.nik != Member.nik))
            .order_by(Member.id).limit(limit))
        return [Unannounced(member_id, nik) for member_id, nik in rows]


def keys_of(batch: list[Unannounced], key: NikDirectoryKey) -> list[str]:
    return sorted({key.key_of(item.nik) for item in batch})


async def mark_announced(database: Database, batch: list[Unannounced]) -> None:
    now = utcnow()
    async with database.writer() as session, session.begin():
        for item in batch:
            row = await session.get(NikAnnouncement, item.member_id)
            if row is None:
                session.add(NikAnnouncement(member_id=item.member_id, nik=item.nik,
                                            announced_at=now))
            else:
                row.nik, row.announced_at = item.nik, now
