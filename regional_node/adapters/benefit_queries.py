"""What a DIPA is computed from, counted in one SQL statement (docs/dipa.md).

A membership counts when it is active, of the period asked, **determined** (its household is
ACTIVE, and it came with the DTKS or by an enrolment Kemensos determined) and **not
suspended** (:mod:`regional_node.adapters.suspension_queries`: the person it rests on is
padan with Dukcapil and alive). Its beneficiaries are the member (person-level programs) or
the household's living members (household programs). Per program: KPM (distinct households)
and persons; and per program × PKH component: the households with anyone in it and the
persons in it, each person in one component (:func:`component_column`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, literal, null, or_, select, union_all
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from regional_node.adapters.database import Database
from regional_node.adapters.orm import Household, Member, ProgramMembership, Proposal
from regional_node.adapters.suspension_queries import reason_column, subject_member_id
from regional_node.domain.proposals import ProposalState
from schema.benefits import (
    ELDERLY_FROM,
    SCHOOL_AGE_BELOW,
    SCHOOL_AGE_FROM,
    BenefitComponent,
    born_before_age,
)
from schema.enums import Disability, Education, HouseholdStatus


@dataclass(frozen=True, slots=True)
class BenefitCountRow:
    program: str
    component: str | None  # None: the program as a whole
    households: int
    persons: int


async def benefit_counts(database: Database, period: str, programs: Sequence[str] | None,
                         reference: dt.date) -> list[BenefitCountRow]:
    statement = benefit_counts_statement(period, programs, reference)
    rows = await database.run_sync(
        lambda connection: connection.execute(statement).mappings().all(), write=False)
    return [BenefitCountRow(row["program"], row["component"], int(row["households"]),
                            int(row["persons"])) for row in rows]


def paying_memberships(period: str, programs: Sequence[str] | None
                       ) -> Select[int, int | None, str]:
    """(household id, member id, program) of each membership that pays in ``period``."""
    subject = aliased(Member)
    statement = (
        select(ProgramMembership.household_id, ProgramMembership.member_id,
               ProgramMembership.program)
        .join(Household, Household.id == ProgramMembership.household_id)
        .outerjoin(Proposal, Proposal.id == ProgramMembership.proposal_id)
        .outerjoin(subject, subject.id == subject_member_id())
        .where(ProgramMembership.active.is_(True), ProgramMembership.period == period,
               Household.status == HouseholdStatus.ACTIVE.value,
               or_(ProgramMembership.proposal_id.is_(None),
                   Proposal.state == ProposalState.DETERMINED.value),
               reason_column(subject).is_(None)))
    if programs is not None:
        statement = statement.where(ProgramMembership.program.in_(list(programs)))
    return statement


def component_column(person: Any, reference: dt.date) -> ColumnElement[Any]:
    """The one PKH component of a person on ``reference``: school first (7–21 at SD, SMP or
    SMA level), then disability, old age (70+), early childhood (0–6); NULL for none."""
    school_from = born_before_age(reference, SCHOOL_AGE_FROM)
    school_below = born_before_age(reference, SCHOOL_AGE_BELOW)
    school_age = and_(person.birth_date <= school_from, person.birth_date > school_below)
    levels = [(and_(school_age, person.education == level.value), literal(level.value))
              for level in (Education.SD, Education.SMP, Education.SMA)]
    return case(
        *levels,
        (person.disability != Disability.NONE.value,
         literal(BenefitComponent.DISABILITAS_BERAT.value)),
        (person.birth_date <= born_before_age(reference, ELDERLY_FROM),
         literal(BenefitComponent.LANJUT_USIA.value)),
        (person.birth_date > school_from, literal(BenefitComponent.ANAK_USIA_DINI.value)),
        else_=null())


def benefit_counts_statement(period: str, programs: Sequence[str] | None,
                             reference: dt.date, *, by_kabkota: bool = False) -> Select[Any]:
    """``by_kabkota``: also grouped by kab/kota (a ``kabkota`` column), for one database
    holding many regions (the benchmark's single PostgreSQL)."""
    paying = paying_memberships(period, programs)
    if by_kabkota:
        paying = paying.add_columns(
            func.substr(Household.desa_code, 1, len("32.73")).label("kabkota"))
    p = paying.cte("paying").c
    person = aliased(Member)
    where = [p.kabkota] if by_kabkota else []
    # the persons each membership pays for: its member, or its household's living members
    own = (select(*where, p.program, p.household_id, person.id.label("person_id"),
                  component_column(person, reference).label("component"))
           .join(person, person.id == p.member_id))
    household_wide = (select(*where, p.program, p.household_id, person.id.label("person_id"),
                             component_column(person, reference).label("component"))
                      .join(person, and_(person.household_id == p.household_id,
                                         person.alive.is_(True)))
                      .where(p.member_id.is_(None)))
    b = union_all(own, household_wide).cte("beneficiaries").c
    keys = [b.kabkota] if by_kabkota else []
    counted = (func.count(b.household_id.distinct()).label("households"),
               func.count(b.person_id.distinct()).label("persons"))
    totals = (select(*keys, b.program, null().label("component"), *counted)
              .group_by(*keys, b.program))
    components = (select(*keys, b.program, b.component, *counted)
                  .where(b.component.is_not(None)).group_by(*keys, b.program, b.component))
    both = union_all(totals, components).subquery("counted")
    return select(both).order_by(*[both.c[k.name] for k in keys], both.c.program,
                                 both.c.component)
