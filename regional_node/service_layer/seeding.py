"""Loading synthetic households into a node's database: all of them or none.

The whole seed is one unit of work (one transaction), written in batches: each batch is first
checked against what the database already holds (skipped when it holds no household: numbers
are unique within a seed), then stored with :func:`registry.store_households`, and its audit
entries are linked onto the chain right away so memory stays flat. Seeding the same seed
twice into one database therefore refuses with a clear error and leaves the database as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household
from regional_node.domain.audit import Actor
from regional_node.domain.records import HouseholdRecord
from regional_node.errors import Conflict, Duplicate
from regional_node.service_layer.registry import existing_identifiers, store_households
from regional_node.service_layer.unit_of_work import UnitOfWork

SEED_ACTOR = Actor("system:seed", "SYSTEM")
BATCH_SIZE = 1_000


@dataclass(frozen=True, slots=True)
class SeedReport:
    households: int
    members: int
    programs: int
    seconds: float


async def seed_households(database: Database, records: Iterable[HouseholdRecord], *,
                          batch_size: int = BATCH_SIZE,
                          progress: Callable[[int], object] | None = None) -> SeedReport:
    """Store ``records`` (already valid, e.g. from the generator) in one transaction."""
    started = time.perf_counter()
    households = members = programs = 0
    async with UnitOfWork(database, SEED_ACTOR) as uow:
        try:
            # Generated numbers are unique within a seed: only an existing registry can clash.
            check = await _holds_households(uow)
            for batch in batched(records, batch_size):
                if check:
                    await _refuse_existing(uow, batch, households)
                await store_households(uow, batch)
                await uow.audit.flush()
                households += len(batch)
                members += sum(len(r.members) for r in batch)
                programs += sum(len(r.programs) for r in batch)
                if progress is not None:
                    progress(len(batch))
        except IntegrityError as exc:  # a concurrent writer registered the same numbers
            raise Conflict("seeding collided with data written meanwhile: "
                           f"{str(exc.orig).splitlines()[0][:200]}") from None
        await uow.commit()
    return SeedReport(households, members, programs, time.perf_counter() - started)


async def _holds_households(uow: UnitOfWork) -> bool:
    found = await uow.session.execute(select(Household.id).limit(1))
    return found.first() is not None


async def _refuse_existing(uow: UnitOfWork, batch: Sequence[HouseholdRecord], done: int
                           ) -> None:
    kks, niks = await existing_identifiers(
        uow.session, (r.kk_number for r in batch), (m.nik for r in batch for m in r.members))
    if not kks and not niks:
        return
    example = f"KK {min(kks)}" if kks else f"NIK {min(niks)}"
    raise Duplicate(
        f"households {done + 1:,}-{done + len(batch):,} of this seed are already in the "
        f"database ({len(kks):,} KK numbers and {len(niks):,} NIKs, e.g. {example}): it was "
        "seeded with the same seed before, or overlaps existing data; nothing was written "
        "(use another --seed or a fresh database)")


def batched(records: Iterable[HouseholdRecord], size: int) -> Iterator[list[HouseholdRecord]]:
    iterator = iter(records)
    while batch := list(islice(iterator, size)):
        yield batch
