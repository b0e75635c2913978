"""The double-benefit overlaps of this node's rows (docs/partners.md), one count per rule:
HOUSEHOLD — active households that receive both programs (the household's own membership or
any member's); PERSON — living members of active households who receive both (their own
membership or their household's). Active memberships only; nothing of a person is read but
ids."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household, Member, ProgramMembership
from schema.benefit_rules import RuleScope
from schema.enums import HouseholdStatus

Rule = tuple[str, str, RuleScope]  # (program, excludes, scope), both Kemensos programs


def _household_receives(program: str) -> ColumnElement[bool]:
    return exists().where(ProgramMembership.household_id == Household.id,
                          ProgramMembership.program == program,
                          ProgramMembership.active.is_(True))


def _person_receives(program: str) -> ColumnElement[bool]:
    return exists().where(ProgramMembership.household_id == Member.household_id,
                          ProgramMembership.program == program,
                          ProgramMembership.active.is_(True),
                          or_(ProgramMembership.member_id.is_(None),
                              ProgramMembership.member_id == Member.id))


async def overlap_counts(database: Database, rules: Sequence[Rule]) -> list[int]:
    """How many households (HOUSEHOLD) or persons (PERSON) break each rule, in order."""
    active = Household.status == HouseholdStatus.ACTIVE.value
    counts: list[int] = []
    async with database.reader() as session:
        for program, excludes, scope in rules:
            if scope is RuleScope.HOUSEHOLD:
                statement = select(func.count()).select_from(Household).where(
                    active, _household_receives(program), _household_receives(excludes))
            else:
                statement = (select(func.count()).select_from(Member)
                             .join(Household, Member.household_id == Household.id)
                             .where(and_(active, Member.alive.is_(True),
                                         _person_receives(program),
                                         _person_receives(excludes))))
            counts.append(int((await session.execute(statement)).scalar_one()))
    return counts
