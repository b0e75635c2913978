"""Use cases of verivali periods: make sure the period of a day exists, let Dinas Sosial define
one, and report coverage (active households verified in a period) by desa."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.orm import VerivaliPeriod, utcnow
from regional_node.adapters.verification_queries import (
    coverage_by_desa,
    stored_period,
    stored_periods,
)
from regional_node.domain.node_scope import require_whole_node
from regional_node.domain.verivali import (
    NoPeriod,
    Period,
    check_code,
    default_period,
    new_period,
    percent,
    period_for,
)
from regional_node.errors import Conflict, NotFound, OutOfScope
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.errors import Forbidden
from schema.roles import Principal, Role
from schema.scope import window

AUTO_CREATOR = "system:verivali"
PERIOD_MAKERS = frozenset({Role.DINSOS})
COVERAGE_READERS = frozenset({Role.OPERATOR_DESA, Role.PENDAMPING, Role.DINSOS, Role.KEMENSOS})


def _snapshot(period: Period) -> dict[str, str | None]:
    return {"code": period.code, "name": period.name, "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat()}


async def ensure_period_for(uow: UnitOfWork, day: dt.date) -> Period:
    """The period containing ``day``, creating the default half-year (audited) when none
    does. Concurrent first verifications of a period create it once."""
    try:
        period = period_for(day, await stored_periods(uow.session))
    except NoPeriod as exc:
        raise Conflict(str(exc)) from None
    if await stored_period(uow.session, period.code) is not None:
        return period
    values = {"code": period.code, "name": period.name, "starts_on": period.starts_on,
              "ends_on": period.ends_on, "created_by": AUTO_CREATOR, "created_at": utcnow()}
    dialect = uow.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = await uow.session.execute(
        insert(VerivaliPeriod).values(**values).on_conflict_do_nothing(index_elements=["code"]))
    if getattr(result, "rowcount", 0) == 1:
        uow.audit.record("verivali_period.create", "verivali_period", period.code,
                         after=_snapshot(period))
    return period


async def create_period(uow: UnitOfWork, principal: Principal, node_region: str, code: str,
                        starts_on: dt.date, ends_on: dt.date,
                        name: str | None = None) -> Period:
    """A period Dinas Sosial of this kab/kota (or its province) defines (for instance a
    special re-verification round)."""
    if principal.role not in PERIOD_MAKERS:
        raise Forbidden(f"role {principal.role} may not define verivali periods",
                        reason="role")
    require_whole_node(principal, node_region, "define verivali periods")
    period = new_period(code, starts_on, ends_on, name, await stored_periods(uow.session))
    uow.session.add(VerivaliPeriod(code=period.code, name=period.name,
                                   starts_on=period.starts_on, ends_on=period.ends_on,
                                   created_by=principal.user_id, created_at=utcnow()))
    uow.audit.record("verivali_period.create", "verivali_period", period.code,
                     after=_snapshot(period))
    return period


@dataclass(frozen=True, slots=True)
class DesaCoverage:
    desa_code: str
    verified: int
    active: int

    @property
    def percent(self) -> float:
        return percent(self.verified, self.active)


@dataclass(frozen=True, slots=True)
class CoverageReport:
    period: Period
    stored: bool  # False: a default period nobody has verified in yet
    desas: tuple[DesaCoverage, ...]

    @property
    def verified(self) -> int:
        return sum(d.verified for d in self.desas)

    @property
    def active(self) -> int:
        return sum(d.active for d in self.desas)

    @property
    def percent(self) -> float:
        return percent(self.verified, self.active)


async def resolve_period(session: AsyncSession, code: str) -> tuple[Period, bool]:
    clean = check_code(code)
    stored = await stored_period(session, clean)
    if stored is not None:
        return stored, True
    default = default_period(clean)
    if default is None:
        raise NotFound(f"no verivali period {clean} on this node")
    return default, False


async def coverage(session: AsyncSession, code: str, *, region: str | None = None,
                   principal: Principal | None = None,
                   node_region: str | None = None) -> CoverageReport:
    """Coverage of period ``code`` by desa, narrowed to ``region`` and to what ``principal``
    may see of the node serving ``node_region`` (None: the whole node, for the command line)."""
    period, stored = await resolve_period(session, code)
    household_ids = None
    if principal is not None and node_region is not None:
        if principal.role not in COVERAGE_READERS:
            raise Forbidden(f"role {principal.role} may not see verivali coverage",
                            reason="role")
        seen = window(principal, node_region)
        if seen.nothing:
            return CoverageReport(period, stored, ())
        region = _narrower(region, seen.region)
        household_ids = seen.household_ids
    rows = await coverage_by_desa(session, period.code, region=region,
                                  household_ids=household_ids)
    return CoverageReport(period, stored,
                          tuple(DesaCoverage(r.desa_code, r.verified, r.active) for r in rows))


def _narrower(asked: str | None, allowed: str | None) -> str | None:
    if asked is None:
        return allowed
    if allowed is None or asked == allowed or asked.startswith(f"{allowed}."):
        return asked
    if allowed.startswith(f"{asked}."):
        return allowed
    raise OutOfScope(f"region {asked} is outside your scope ({allowed})")
