"""The data-quality summary of a node (issue 15), counted in the database: per region (desa,
kecamatan or the kab/kota) the households, the members by Dukcapil outcome (DUPLICATE: data
ganda), the open warnings by kind; and what the imports refused (kept per import run)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.household_queries import HouseholdFilter, household_conditions
from regional_node.adapters.orm import Household, HouseholdWarning, ImportRun, Member

CODE_LENGTHS = {"KABKOTA": len("32.73"), "KECAMATAN": len("32.73.01"),
                "DESA": len("32.73.01.1001")}


@dataclass(slots=True)
class RegionQuality:
    region: str
    households: int = 0
    members_by_status: dict[str, int] = field(default_factory=dict)
    open_warnings: dict[str, int] = field(default_factory=dict)


async def region_quality(session: AsyncSession, scope: HouseholdFilter, level: str
                         ) -> list[RegionQuality]:
    region = func.substr(Household.desa_code, 1, CODE_LENGTHS[level]).label("region")
    where = household_conditions(scope)
    found: dict[str, RegionQuality] = defaultdict(lambda: RegionQuality(""))

    def at(code: Any) -> RegionQuality:
        row = found[str(code)]
        row.region = str(code)
        return row

    for code, count in await session.execute(
            select(region, func.count()).select_from(Household).where(*where).group_by(region)):
        at(code).households = int(count)
    for code, status, count in await session.execute(
            select(region, Member.match_status, func.count()).select_from(Member)
            .join(Household, Household.id == Member.household_id).where(*where)
            .group_by(region, Member.match_status)):
        at(code).members_by_status[str(status)] = int(count)
    for code, kind, count in await session.execute(
            select(region, HouseholdWarning.kind, func.count()).select_from(HouseholdWarning)
            .join(Household, Household.id == HouseholdWarning.household_id)
            .where(*where, HouseholdWarning.resolved_at.is_(None))
            .group_by(region, HouseholdWarning.kind)):
        at(code).open_warnings[str(kind)] = int(count)
    return sorted(found.values(), key=lambda row: row.region)


@dataclass(frozen=True, slots=True)
class ImportTotals:
    runs: int
    households_stored: int
    households_refused: int
    errors: int
    errors_by_reason: dict[str, int]
    last_at: Any


async def import_totals(session: AsyncSession) -> ImportTotals:
    rows = (await session.execute(select(ImportRun))).scalars().all()
    reasons: dict[str, int] = defaultdict(int)
    for row in rows:
        for reason, count in (row.errors_by_reason or {}).items():
            reasons[reason] += int(count)
    return ImportTotals(len(rows), sum(r.households_stored for r in rows),
                        sum(r.households_refused for r in rows), sum(r.errors for r in rows),
                        dict(sorted(reasons.items())),
                        max((r.imported_at for r in rows), default=None))
