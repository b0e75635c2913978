"""Filling the sandbox with residents: copied from a node database, with deliberate
discrepancies, so that matching has every outcome to find.

A share ``discrepancy_rate`` of the people gets one discrepancy, split evenly between the
four kinds: a misspelt name, a shifted birth date, a recorded death, or no record at all.
Who gets which depends only on ``seed`` and the NIK, so a re-seed gives the same sandbox
whatever the order or the batch the people come in.

The node database is read with plain SQL (its ``member`` and ``household`` tables), so the
sandbox does not depend on the node's code.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Boolean, Date, String, column, select, table

from sandbox_registry.store import SandboxResident, upsert_residents
from service_kit.database import Database, open_database

KINDS = ("misspelt_name", "shifted_birth_date", "deceased", "missing")
READ_CHUNK = 5000
TODAY = dt.date(2026, 1, 1)  # deaths are dated before it, so seeding is reproducible

_member = table("member", column("id"), column("household_id"), column("nik", String),
                column("name", String), column("birth_date", Date), column("sex", String),
                column("alive", Boolean), column("death_date", Date))
_household = table("household", column("id"), column("kk_number", String))


@dataclass
class SeedReport:
    people: int = 0
    stored: int = 0
    discrepancies: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        parts = ", ".join(f"{kind} {self.discrepancies[kind]}" for kind in KINDS)
        return f"{self.stored} residents stored from {self.people} people ({parts})"


def discrepancy_for(nik: str, rate: float, seed: int) -> str | None:
    """Which discrepancy (if any) the person with ``nik`` gets; deterministic."""
    rng = random.Random(f"{seed}:{nik}")
    if rng.random() >= rate:
        return None
    return KINDS[rng.randrange(len(KINDS))]


def with_discrepancy(resident: SandboxResident, kind: str, seed: int) -> SandboxResident | None:
    """``resident`` as the registry should hold it; None for ``missing``."""
    rng = random.Random(f"{seed}:{resident.nik}:{kind}")
    if kind == "missing":
        return None
    if kind == "misspelt_name":
        return replace(resident, name=misspell(resident.name, rng), discrepancy=kind)
    if kind == "shifted_birth_date":
        shift = rng.choice([-1, 1]) * rng.randint(1, 400)
        return replace(resident, birth_date=resident.birth_date + dt.timedelta(days=shift),
                       discrepancy=kind)
    if kind == "deceased":
        died = TODAY - dt.timedelta(days=rng.randint(30, 3 * 365))
        died = max(died, resident.birth_date)
        return replace(resident, alive=False, death_date=died, discrepancy=kind)
    raise ValueError(f"unknown discrepancy {kind!r}")


def misspell(name: str, rng: random.Random) -> str:
    """Double one letter (``Aminah`` → ``Aminnah``): always a different name after
    normalisation, and the kind of slip a data-entry clerk makes."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if not letters:
        return name + "A"
    at = rng.choice(letters)
    return name[:at + 1] + name[at].lower() + name[at + 1:]


async def seed_residents(database: Database, people: Iterable[SandboxResident], *,
                         discrepancy_rate: float, seed: int,
                         report: SeedReport | None = None) -> SeedReport:
    if not 0 <= discrepancy_rate <= 1:
        raise ValueError("discrepancy rate must be between 0 and 1")
    report = report or SeedReport()
    rows = []
    for person in people:
        report.people += 1
        kind = discrepancy_for(person.nik, discrepancy_rate, seed)
        stored = person if kind is None else with_discrepancy(person, kind, seed)
        if kind is not None:
            report.discrepancies[kind] += 1
        if stored is not None:
            rows.append(stored)
    report.stored += await upsert_residents(database, rows)
    return report


async def seed_from_node(database: Database, node_db_url: str, *, discrepancy_rate: float,
                         seed: int) -> SeedReport:
    report = SeedReport()
    node = open_database(node_db_url)
    try:
        async for chunk in _node_people(node):
            await seed_residents(database, chunk, discrepancy_rate=discrepancy_rate, seed=seed,
                                 report=report)
    finally:
        await node.dispose()
    return report


async def _node_people(node: Database) -> AsyncIterator[list[SandboxResident]]:
    query = (select(_member.c.nik, _member.c.name, _member.c.birth_date, _member.c.sex,
                    _member.c.alive, _member.c.death_date, _household.c.kk_number)
             .join_from(_member, _household, _member.c.household_id == _household.c.id)
             .order_by(_member.c.id))
    async with node.reader() as session:
        result = await session.stream(query.execution_options(yield_per=READ_CHUNK))
        async for partition in result.partitions(READ_CHUNK):
            yield [_from_node_row(row) for row in partition]


def _from_node_row(row: Any) -> SandboxResident:
    nik, name, birth_date, sex, alive, death_date, kk = row
    died = death_date or (None if alive else TODAY)
    return SandboxResident(nik=nik, name=name, birth_date=birth_date, sex=str(sex).lower(),
                           kk_number=kk, alive=bool(alive), death_date=died)
