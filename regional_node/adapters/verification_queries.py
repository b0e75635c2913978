"""Read-side queries of field verification: periods, verifications, coverage by desa."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.orm import FieldVerification, Household, Proposal, VerivaliPeriod
from regional_node.domain.verivali import Period
from schema.enums import HouseholdStatus


@dataclass(frozen=True, slots=True)
class DesaCount:
    desa_code: str
    verified: int
    active: int


def as_period(row: VerivaliPeriod) -> Period:
    return Period(row.code, row.starts_on, row.ends_on, row.name)


async def stored_periods(session: AsyncSession) -> list[Period]:
    rows = await session.scalars(select(VerivaliPeriod).order_by(VerivaliPeriod.starts_on))
    return [as_period(row) for row in rows]


async def stored_period(session: AsyncSession, code: str) -> Period | None:
    row = await session.get(VerivaliPeriod, code)
    return as_period(row) if row is not None else None


async def coverage_by_desa(session: AsyncSession, period_code: str, *,
                           region: str | None = None,
                           household_ids: Sequence[int] | None = None) -> list[DesaCount]:
    """Active households per desa and how many of them have a field verification in the
    period: made for the household itself, or for a proposal that concerns (or, once approved,
    created) it. ``region`` (a desa or kecamatan code) and ``household_ids`` narrow the rows."""
    direct = select(FieldVerification.household_id.label("household_id")).where(
        FieldVerification.period_code == period_code,
        FieldVerification.household_id.is_not(None))
    via_proposal = (
        select(Proposal.household_id.label("household_id"))
        .join(FieldVerification, FieldVerification.proposal_id == Proposal.id)
        .where(FieldVerification.period_code == period_code, Proposal.household_id.is_not(None)))
    verified = union(direct, via_proposal).subquery("verified")
    statement = (
        select(Household.desa_code, func.count(verified.c.household_id), func.count(Household.id))
        .outerjoin(verified, verified.c.household_id == Household.id)
        .where(Household.status == HouseholdStatus.ACTIVE.value)
        .group_by(Household.desa_code)
        .order_by(Household.desa_code))
    if region is not None:
        statement = statement.where(or_(Household.desa_code == region,
                                        Household.desa_code.like(f"{region}.%")))
    if household_ids is not None:
        statement = statement.where(Household.id.in_(list(household_ids)))
    rows = await session.execute(statement)
    return [DesaCount(desa, int(done), int(active)) for desa, done, active in rows]


async def verifications(session: AsyncSession, *, household_id: int | None = None,
                        proposal_id: str | None = None,
                        limit: int = 100) -> list[FieldVerification]:
    """Verifications of a household (its own and its proposals') or of a proposal, newest
    first."""
    statement = select(FieldVerification)
    if household_id is not None:
        proposals = select(Proposal.id).where(Proposal.household_id == household_id)
        statement = statement.where(or_(FieldVerification.household_id == household_id,
                                        FieldVerification.proposal_id.in_(proposals)))
    if proposal_id is not None:
        statement = statement.where(FieldVerification.proposal_id == proposal_id)
    statement = statement.order_by(FieldVerification.verified_at.desc(),
                                   FieldVerification.id).limit(limit)
    return list(await session.scalars(statement))
