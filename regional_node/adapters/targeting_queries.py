"""The cells targeting indicators are computed from (docs/targeting.md), counted in SQL per
desa: ACTIVE households by desil; households with a paying membership of the period (as the
DIPA counts them: :func:`~regional_node.adapters.benefit_queries.paying_memberships`) by
program and desil; ACTIVE households with none, by desil."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.benefit_queries import paying_memberships
from regional_node.adapters.household_queries import HouseholdFilter, household_conditions
from regional_node.adapters.orm import Household
from schema.enums import HouseholdStatus
from schema.targeting import RegionTargeting, desa_rows


async def desa_targeting(session: AsyncSession, scope: HouseholdFilter, period: str
                         ) -> list[RegionTargeting]:
    where = [*household_conditions(scope), Household.status == HouseholdStatus.ACTIVE.value]
    paying = paying_memberships(period, None).subquery()
    households = await session.execute(
        select(Household.desa_code, Household.desil, func.count())
        .where(*where).group_by(Household.desa_code, Household.desil))
    per_program = (select(paying.c.household_id, paying.c.program)
                   .distinct().subquery())
    recipients = await session.execute(
        select(Household.desa_code, per_program.c.program, Household.desil, func.count())
        .join(per_program, per_program.c.household_id == Household.id)
        .where(*where)
        .group_by(Household.desa_code, per_program.c.program, Household.desil))
    served = select(paying.c.household_id)
    unserved = await session.execute(
        select(Household.desa_code, Household.desil, func.count())
        .where(*where, Household.id.not_in(served))
        .group_by(Household.desa_code, Household.desil))
    return desa_rows(
        [(str(d), _desil(s), int(n)) for d, s, n in households],
        [(str(d), str(p), _desil(s), int(n)) for d, p, s, n in recipients],
        [(str(d), _desil(s), int(n)) for d, s, n in unserved])


def _desil(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]
