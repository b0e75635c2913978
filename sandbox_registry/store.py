"""The sandbox's own database: one table of synthetic residents.

SQLite by default (any URL :func:`service_kit.database.open_database` accepts). The table is
created with ``create_all`` on start: a sandbox has no data worth migrating, and deleting its
file starts afresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Boolean, Date, MetaData, String, Text, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from service_kit.database import Database, open_database

LOOKUP_CHUNK = 500


class Base(DeclarativeBase):
    metadata = MetaData()


class ResidentRow(Base):
    __tablename__ = "sandbox_resident"

    nik: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(8))  # male | female (DCI codes)
    kk_number: Mapped[str | None] = mapped_column(String(16))
    alive: Mapped[bool] = mapped_column(Boolean, default=True)
    death_date: Mapped[dt.date | None] = mapped_column(Date)
    # what the seeder changed on purpose (misspelt_name, shifted_birth_date, deceased), if any
    discrepancy: Mapped[str | None] = mapped_column(String(32))


@dataclass(frozen=True, slots=True)
class SandboxResident:
    nik: str
    name: str
    birth_date: dt.date
    sex: str
    kk_number: str | None = None
    alive: bool = True
    death_date: dt.date | None = None
    discrepancy: str | None = None

    def as_row(self) -> dict[str, object]:
        return {"nik": self.nik, "name": self.name, "birth_date": self.birth_date,
                "sex": self.sex, "kk_number": self.kk_number, "alive": self.alive,
                "death_date": self.death_date, "discrepancy": self.discrepancy}


async def open_store(url: str) -> Database:
    """Open (and create if needed) a sandbox database."""
    database = open_database(url)
    async with database.write_engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    return database


async def upsert_residents(database: Database, residents: Iterable[SandboxResident]) -> int:
    rows = [r.as_row() for r in residents]
    if not rows:
        return 0
    insert = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
    async with database.writer() as session, session.begin():
        for start in range(0, len(rows), LOOKUP_CHUNK):
            chunk = rows[start:start + LOOKUP_CHUNK]
            statement = insert(ResidentRow).values(chunk)
            columns = {c: statement.excluded[c] for c in chunk[0] if c != "nik"}
            await session.execute(statement.on_conflict_do_update(index_elements=["nik"],
                                                                  set_=columns))
    return len(rows)


async def remove_residents(database: Database, niks: Sequence[str]) -> None:
    async with database.writer() as session, session.begin():
        await session.execute(delete(ResidentRow).where(ResidentRow.nik.in_(list(niks))))


async def find_residents(database: Database, niks: Iterable[str]) -> dict[str, SandboxResident]:
    wanted = sorted(set(niks))
    found: dict[str, SandboxResident] = {}
    async with database.reader() as session:
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            rows = await session.execute(select(ResidentRow).where(
                ResidentRow.nik.in_(wanted[start:start + LOOKUP_CHUNK])))
            for row in rows.scalars():
                found[row.nik] = _resident(row)
    return found


async def count_residents(database: Database) -> int:
    async with database.reader() as session:
        return int((await session.execute(
            select(func.count()).select_from(ResidentRow))).scalar_one())


def _resident(row: ResidentRow) -> SandboxResident:
    return SandboxResident(row.nik, row.name, row.birth_date, row.sex, row.kk_number,
                           row.alive, row.death_date, row.discrepancy)
