"""Run a proposal's NIK step against the population registry (Dukcapil).

The registry is asked outside any write transaction (it may be slow); the answer is recorded
afterwards in one unit of work, only if the proposal did not change meanwhile. When the
registry cannot answer (down, timing out, refusing the request) the proposal stays SUBMITTED
and nothing is written: :func:`check_waiting_proposals` picks it up again later.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Proposal
from regional_node.domain.population_registry import (
    NikDirectory,
    PopulationRegistry,
)
from regional_node.domain.proposal_nik import result
from regional_node.domain.proposals import ProposalState
from regional_node.errors import Conflict, NotFound, RegistryError, WrongState
from regional_node.service_layer.nik_matching import PersonToCheck, check_persons
from regional_node.service_layer.proposal_corrections import household_to_reuse
from regional_node.service_layer.proposals import (
    NIK_CHECKER,
    actor_of,
    people_for,
    proposal_id,
    record_nik_results,
)
from regional_node.service_layer.unit_of_work import UnitOfWork

log = logging.getLogger("siks.node.proposals")


async def check_proposal_nik(database: Database, registry: PopulationRegistry, pid: str, *,
                             directory: NikDirectory | None = None) -> Proposal | None:
    """Check a SUBMITTED proposal's people; the proposal after the check, or None when the
    registry could not answer (the proposal stays SUBMITTED)."""
    pid = proposal_id(pid)
    async with database.reader() as session:
        row = await session.get(Proposal, pid)
        if row is None:
            raise NotFound(f"no proposal {pid} on this node")
        if row.state != ProposalState.SUBMITTED:
            raise WrongState(f"proposal {pid} is {row.state}, not SUBMITTED")
        people = await people_for(session, row)
        version = row.version
        # a corrected new household takes over the returned one's row: its people are not
        # duplicates of themselves
        home = await household_to_reuse(session, row)
    persons = [PersonToCheck(p.nik, p.name, p.birth_date, kk_number=p.kk_number,
                             member_id=p.member_id, household_id=home) for p in people]
    try:
        outcomes = await check_persons(database, registry, persons, directory=directory) \
            if persons else []
    except RegistryError as exc:
        log.warning("NIK check of proposal %s postponed: %s", pid, exc.message)
        return None
    results = [result(p, o.status, o.detail) for p, o in zip(people, outcomes, strict=True)]
    async with UnitOfWork(database, actor_of(NIK_CHECKER)) as uow:
        row = await record_nik_results(uow, NIK_CHECKER, pid, results, expected_version=version)
        await uow.commit()
    return row


@dataclass
class WaitingRun:
    checked: list[str] = field(default_factory=list)
    postponed: list[str] = field(default_factory=list)


async def check_waiting_proposals(database: Database, registry: PopulationRegistry, *,
                                  limit: int = 100,
                                  directory: NikDirectory | None = None) -> WaitingRun:
    """Check SUBMITTED proposals, oldest first; stop at the first one the registry cannot
    answer (it is probably down: the rest would wait too)."""
    async with database.reader() as session:
        ids = list((await session.execute(
            select(Proposal.id).where(Proposal.state == ProposalState.SUBMITTED.value)
            .order_by(Proposal.created_at, Proposal.id).limit(limit))).scalars())
    run = WaitingRun()
    for pid in ids:
        try:
            row = await check_proposal_nik(database, registry, pid, directory=directory)
        except (Conflict, WrongState):
            continue  # moved on meanwhile (resubmitted, checked by another run)
        if row is None:
            run.postponed.append(pid)
            break
        run.checked.append(pid)
    return run
