"""Matching people against the population registry (Dukcapil), and recording the outcome.

Two entry points:

- :func:`check_persons`: given persons (stored or not), return their outcomes. Writes
  nothing. The proposal workflow calls it per proposal (SUBMITTED → NIK_VALID when every
  outcome is MATCH, NIK_ANOMALY otherwise; on :class:`RegistryUnavailable` the proposal stays
  SUBMITTED and is re-checked later).
- :func:`match_members`: check stored members in chunks and update ``Member.match_status``,
  one audit entry per member whose status changed. Each chunk is its own transaction, so when
  the registry goes away mid-run the chunks (and batches) already answered are kept and the
  rest is left as it was: re-running finishes the job, and changes nothing twice.

DUPLICATE (data ganda) is decided here from the node's own data, before asking the registry:
a NIK held by a stored member of another household (not the person's own ``household_id``,
and not the person's own ``member_id``), a NIK given for two people in one call, or a NIK
that the optional :class:`NikDirectory` (e.g. the gateway's) reports as registered elsewhere.
Duplicates are not sent to the registry: whatever it says, the data must be fixed first.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household, Member
from regional_node.domain.audit import Actor
from regional_node.domain.population_registry import (
    IdentityQuery,
    MatchResult,
    NikDirectory,
    PopulationRegistry,
)
from regional_node.errors import RegistryError
from regional_node.service_layer.registry_findings import (
    RegistryDeath,
    RegistryWarning,
    draft_deaths,
    finding,
    keep_warnings,
    registry_warnings,
)
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.enums import MatchStatus

CHUNK_SIZE = 1000
LOOKUP_CHUNK = 500
AUDIT_ACTION = "member.nik_match"

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PersonToCheck:
    """A person to match. ``household_id``: the stored household the person is (or will be)
    in, None for a new household; ``member_id``: the stored member it is, None for a new
    person; ``kk_number`` is compared with the registry's when given."""

    nik: str
    name: str
    birth_date: dt.date
    kk_number: str | None = None
    member_id: int | None = None
    household_id: int | None = None
    sex: str | None = None  # MALE / FEMALE: a difference is reported, never a mismatch

    def query(self) -> IdentityQuery:
        return IdentityQuery(self.nik, self.name, self.birth_date, self.kk_number, self.sex)


@dataclass(frozen=True, slots=True)
class PersonOutcome:
    person: PersonToCheck
    status: MatchStatus | None  # None: the registry refused this item; nothing learnt
    mismatched: tuple[str, ...] = ()  # MISMATCH: which of name, birth_date, kk_number
    detail: str = ""
    registry_values: tuple[tuple[str, str], ...] = ()  # the registry's, of what differs

    @property
    def anomaly(self) -> bool:
        """Blocks a proposal (anything decided but a match)."""
        return self.status is not None and self.status is not MatchStatus.MATCH


async def check_persons(database: Database, registry: PopulationRegistry,
                        persons: Sequence[PersonToCheck], *,
                        directory: NikDirectory | None = None) -> list[PersonOutcome]:
    """One outcome per person, in order. Raises RegistryError (RegistryUnavailable: try
    again later) when the registry gives no answer; nothing is written either way."""
    async with database.reader() as session:
        duplicates = await _duplicates(session, persons, directory)
    outcomes, error = await _decide(registry, persons, duplicates)
    if error is not None:
        raise error
    return [o for o in outcomes if o is not None]


async def _decide(registry: PopulationRegistry, persons: Sequence[PersonToCheck],
                  duplicates: dict[int, str]
                  ) -> tuple[list[PersonOutcome | None], RegistryError | None]:
    """Outcomes by position (None: not answered) and the registry's error, if any."""
    outcomes: list[PersonOutcome | None] = [None] * len(persons)
    for index, reason in duplicates.items():
        outcomes[index] = PersonOutcome(persons[index], MatchStatus.DUPLICATE, detail=reason)
    asked = [i for i in range(len(persons)) if i not in duplicates]
    if not asked:
        return outcomes, None
    try:
        results = await registry.check([persons[i].query() for i in asked])
    except RegistryError as exc:
        # whole batches answered before the failure; asked NIKs are unique (not duplicates)
        position = {persons[i].nik: i for i in asked}
        for result in exc.answered:
            where = position.get(result.query.nik)
            if where is not None:
                outcomes[where] = _outcome(persons[where], result)
        return outcomes, exc
    for index, result in zip(asked, results, strict=True):
        outcomes[index] = _outcome(persons[index], result)
    return outcomes, None


def _outcome(person: PersonToCheck, result: MatchResult) -> PersonOutcome:
    return PersonOutcome(person, result.match_status, result.mismatched, result.detail,
                         result.registry_values)


async def _duplicates(session: AsyncSession, persons: Sequence[PersonToCheck],
                      directory: NikDirectory | None) -> dict[int, str]:
    """Index of each duplicate person → why."""
    reasons: dict[int, str] = {}
    counts = Counter(p.nik for p in persons)
    holders = await _holders(session, [p.nik for p in persons])
    for index, person in enumerate(persons):
        holder = holders.get(person.nik)
        if holder is not None and holder.member_id != person.member_id and (
                holder.household_id != person.household_id):
            reasons[index] = (f"data ganda: NIK already registered on this node in another "
                              f"household (KK {holder.kk_number}, member {holder.member_id})")
        elif counts[person.nik] > 1:
            reasons[index] = "data ganda: NIK given more than once in the same check"
    if directory is not None:
        elsewhere = await directory.registered_elsewhere({p.nik for p in persons})
        for index, person in enumerate(persons):
            if person.nik in elsewhere and index not in reasons:
                reasons[index] = "data ganda: NIK registered in another region"
    return reasons


@dataclass(frozen=True, slots=True)
class _Holder:
    member_id: int
    household_id: int
    kk_number: str


async def _holders(session: AsyncSession, niks: Sequence[str]) -> dict[str, _Holder]:
    """Which stored member holds each of ``niks``."""
    wanted, found = sorted(set(niks)), {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        rows = await session.execute(
            select(Member.nik, Member.id, Member.household_id, Household.kk_number)
            .join(Household, Household.id == Member.household_id)
            .where(Member.nik.in_(wanted[start:start + LOOKUP_CHUNK])))
        found.update({nik: _Holder(member_id, household_id, kk)
                      for nik, member_id, household_id, kk in rows})
    return found


class PersonLike(Protocol):
    """What :class:`RegistryPersonMatcher` reads from a person (e.g. a proposal's
    ``regional_node.domain.proposal_nik.PersonToCheck``)."""

    @property
    def nik(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def birth_date(self) -> dt.date: ...
    @property
    def household_id(self) -> int | None: ...


class RegistryPersonMatcher:
    """One person at a time, for the proposal workflow's ``PersonMatcher`` port: the outcome,
    or None when nothing was learnt (registry down or refusing: keep the proposal SUBMITTED
    and check again later)."""

    def __init__(self, database: Database, registry: PopulationRegistry, *,
                 directory: NikDirectory | None = None) -> None:
        self.database, self.registry, self.directory = database, registry, directory

    async def match_person(self, person: PersonLike) -> MatchStatus | None:
        [status] = await self.match_people([person])
        return status

    async def match_people(self, persons: Sequence[PersonLike]) -> list[MatchStatus | None]:
        """Several people in one registry call (a new household's members)."""
        asked = [PersonToCheck(p.nik, p.name, p.birth_date, household_id=p.household_id)
                 for p in persons]
        try:
            outcomes = await check_persons(self.database, self.registry, asked,
                                           directory=self.directory)
        except RegistryError as exc:
            log.warning("NIK check postponed: %s", exc.message)
            return [None] * len(persons)
        return [o.status for o in outcomes]


@dataclass
class MatchRun:
    """What a :func:`match_members` run did."""

    selected: int = 0  # members it set out to check
    checked: int = 0  # members with a decided outcome (saved)
    changed: int = 0  # members whose status changed (one audit entry each)
    refused: int = 0  # items the registry refused (left as they were)
    stale: int = 0  # edited while being checked (left for the next run)
    deaths_drafted: int = 0  # death proposals drafted for deaths the registry records
    warnings_kept: int = 0  # new warnings kept with households (docs/import.md)
    by_status: Counter[str] = field(default_factory=Counter)
    stopped: RegistryError | None = None  # why the run stopped early

    @property
    def complete(self) -> bool:
        return self.stopped is None

    @property
    def remaining(self) -> int:
        return self.selected - self.checked - self.refused - self.stale


async def match_members(database: Database, registry: PopulationRegistry, *, actor: Actor,
                        member_ids: Sequence[int] | None = None, only_unchecked: bool = False,
                        chunk_size: int = CHUNK_SIZE, directory: NikDirectory | None = None,
                        progress: Callable[[int, int], None] | None = None,
                        node_region: str | None = None) -> MatchRun:
    """Check members (all, or ``member_ids``; ``only_unchecked`` skips those already
    decided) and store their status and finding (:mod:`registry_findings`). Stops at the
    first RegistryError and reports it in :attr:`MatchRun.stopped`, after saving every answer
    it got. ``progress(done, total)`` is called at the start and after each chunk. With
    ``node_region``, a death the registry records for a member alive here is drafted as a
    death proposal for the desa's operator."""
    run = MatchRun()
    ids = await _select_ids(database, member_ids, only_unchecked)
    run.selected = len(ids)
    if progress is not None:
        progress(0, len(ids))
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start:start + chunk_size]
        async with database.reader() as session:
            persons = await _load(session, chunk)
            duplicates = await _duplicates(session, persons, directory)
        outcomes, error = await _decide(registry, persons, duplicates)
        await _save(database, actor, [o for o in outcomes if o is not None], run, node_region)
        if error is not None:
            run.stopped = error
            break
        if progress is not None:
            progress(start + len(chunk), len(ids))
    return run


async def _select_ids(database: Database, member_ids: Sequence[int] | None,
                      only_unchecked: bool) -> list[int]:
    query = select(Member.id).order_by(Member.id)
    if only_unchecked:
        query = query.where(Member.match_status == MatchStatus.UNCHECKED.value)
    async with database.reader() as session:
        if member_ids is None:
            return list((await session.execute(query)).scalars())
        wanted, ids = sorted(set(member_ids)), list[int]()
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            rows = await session.execute(
                query.where(Member.id.in_(wanted[start:start + LOOKUP_CHUNK])))
            ids += rows.scalars()
        return sorted(ids)


async def _load(session: AsyncSession, ids: Sequence[int]) -> list[PersonToCheck]:
    rows = await session.execute(
        select(Member.id, Member.household_id, Member.nik, Member.name, Member.birth_date,
               Household.kk_number, Member.sex)
        .join(Household, Household.id == Member.household_id)
        .where(Member.id.in_(list(ids))).order_by(Member.id))
    return [PersonToCheck(nik, name, birth, kk, member_id, household_id, sex)
            for member_id, household_id, nik, name, birth, kk, sex in rows]


async def _save(database: Database, actor: Actor, outcomes: Sequence[PersonOutcome],
                run: MatchRun, node_region: str | None = None) -> None:
    """Store decided statuses and findings in one transaction: only for members unchanged
    since they were read (else counted stale), only what changes (one audit entry per status
    change); deaths the registry records are drafted as proposals (with ``node_region``)."""
    decided = [o for o in outcomes if o.status is not None and o.person.member_id is not None]
    refused = sum(1 for o in outcomes if o.status is None)
    checked: Counter[str] = Counter()
    stale = 0
    updates: list[dict[str, Any]] = []
    changed = 0  # status changes (one audit entry each)
    deaths: list[RegistryDeath] = []
    warnings: list[RegistryWarning] = []
    if decided:
        async with UnitOfWork(database, actor) as uow:
            current = await _load_current(uow.session, [o.person.member_id for o in decided
                                                        if o.person.member_id is not None])
            for outcome in decided:
                person, status = outcome.person, outcome.status
                assert person.member_id is not None and status is not None
                now = current.get(person.member_id)
                if now is None or now.identity != (person.nik, person.name, person.birth_date,
                                                   person.kk_number):
                    stale += 1
                    continue
                checked[status.value] += 1
                found = finding(status.value, outcome.mismatched, outcome.registry_values)
                death = _registry_death(person, outcome, now.alive)
                if death is not None:
                    deaths.append(death)
                if person.household_id is not None:
                    warnings += registry_warnings(
                        person.member_id, person.household_id, person.name, person.sex or "?",
                        now.alive, status.value, outcome.registry_values)
                if now.status == status.value and now.finding == found:
                    continue
                updates.append({"id": person.member_id, "match_status": status.value,
                                "registry_finding": found})
                if now.status != status.value:
                    changed += 1
                    uow.audit.record(AUDIT_ACTION, "member", person.member_id,
                                     before={"match_status": now.status},
                                     after={"match_status": status.value,
                                            "mismatched": list(outcome.mismatched),
                                            "detail": outcome.detail})
            if updates:
                await uow.session.execute(update(Member), updates)
            run.warnings_kept += await keep_warnings(uow, warnings)
            if node_region is not None:
                run.deaths_drafted += await draft_deaths(uow, deaths, node_region,
                                                         dt.date.today())
            await uow.commit()
    run.refused += refused
    run.stale += stale
    run.checked += checked.total()
    run.by_status.update(checked)
    run.changed += changed


def _registry_death(person: PersonToCheck, outcome: PersonOutcome,
                    alive: bool) -> RegistryDeath | None:
    """The death to draft: the registry records one (with its date) for a member alive
    here."""
    dated = dict(outcome.registry_values).get("death_date")
    if outcome.status is not MatchStatus.DECEASED or not alive or not dated \
            or person.member_id is None or person.household_id is None:
        return None
    return RegistryDeath(person.member_id, person.household_id, person.name,
                         dt.date.fromisoformat(dated))


@dataclass(frozen=True, slots=True)
class _Current:
    identity: tuple[str, str, dt.date, str]
    status: str
    finding: dict[str, Any] | None
    alive: bool


async def _load_current(session: AsyncSession, ids: Sequence[int]) -> dict[int, _Current]:
    found = {}
    for start in range(0, len(ids), LOOKUP_CHUNK):
        rows = await session.execute(
            select(Member.id, Member.nik, Member.name, Member.birth_date, Household.kk_number,
                   Member.match_status, Member.registry_finding, Member.alive)
            .join(Household, Household.id == Member.household_id)
            .where(Member.id.in_(list(ids[start:start + LOOKUP_CHUNK]))))
        for member_id, nik, name, birth, kk, status, finding_now, alive in rows:
            found[member_id] = _Current((nik, name, birth, kk), status, finding_now, alive)
    return found
