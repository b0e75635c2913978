"""A partner's cross-check of a batch of NIKs against this node's rows, in two statements:
the members with those NIKs (and their household's status and desil), then the active
memberships of those households, the household's own and the members' own. Nothing else of
a person is read (no name, address or birth date)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household, Member, ProgramMembership
from schema.cross_check import MembershipLevel
from schema.enums import HouseholdStatus

CHUNK = 500  # NIKs or households per IN list


@dataclass(frozen=True, slots=True)
class HeldProgram:
    program: str
    period: str
    level: MembershipLevel


@dataclass(slots=True)
class HeldNik:
    registered: bool  # a living member of an ACTIVE household
    desil: int | None
    programs: list[HeldProgram] = field(default_factory=list)


async def cross_check(database: Database, niks: Sequence[str]) -> dict[str, HeldNik]:
    """What this node holds of each NIK it knows (NIKs it does not know are left out)."""
    wanted = sorted(set(niks))
    members: dict[str, tuple[int, int, bool]] = {}  # nik -> (member id, household id, counts)
    held: dict[str, HeldNik] = {}
    async with database.reader() as session:
        for start in range(0, len(wanted), CHUNK):
            rows = await session.execute(
                select(Member.nik, Member.id, Member.household_id, Member.alive,
                       Household.status, Household.desil)
                .join(Household, Member.household_id == Household.id)
                .where(Member.nik.in_(wanted[start:start + CHUNK])))
            for nik, member_id, household_id, alive, status, desil in rows:
                registered = bool(alive) and status == HouseholdStatus.ACTIVE.value
                members[nik] = (member_id, household_id, registered)
                held[nik] = HeldNik(registered, desil if registered else None)
        households = sorted({h for _, h, registered in members.values() if registered})
        memberships: dict[int, list[tuple[int | None, str, str]]] = {}
        for start in range(0, len(households), CHUNK):
            enrolled = await session.execute(
                select(ProgramMembership.household_id, ProgramMembership.member_id,
                       ProgramMembership.program, ProgramMembership.period)
                .where(ProgramMembership.household_id.in_(households[start:start + CHUNK]),
                       ProgramMembership.active.is_(True))
                .order_by(ProgramMembership.id))
            for household_id, owner_id, program, period in enrolled:
                memberships.setdefault(household_id, []).append((owner_id, program, period))
    for nik, (member_id, household_id, registered) in members.items():
        if not registered:
            continue
        held[nik].programs = [
            HeldProgram(program, period, MembershipLevel.HOUSEHOLD if owner is None
                        else MembershipLevel.PERSON)
            for owner, program, period in memberships.get(household_id, [])
            if owner is None or owner == member_id]
    return held
