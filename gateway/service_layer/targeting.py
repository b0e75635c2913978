"""Targeting error indicators at the gateway (issue 14; docs/targeting.md).

Each node counts its own households per desa or kab/kota (``targetingIndicators``, pushed
down); the gateway adds the rows up to the level asked (every count is a sum of households)
and computes the rates last. A period can be **recorded** (its desa rows kept in
``targeting_snapshot``): a recorded period is answered from the store, so that two periods
can be compared; a period not recorded is counted live.

Who sees what: Kemensos every level; Dinas Sosial its own region (the scope narrows it, as
for every read); the public kab/kota and above only, with every count of fewer than
``SMALL_CELL_HOUSEHOLDS`` households withheld (the nodes are asked as the gateway, which
alone withholds: a node never serves the public).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select

from gateway.adapters.database import Database
from gateway.adapters.orm import TargetingSnapshotRow
from gateway.federation.fanout import RequestScope
from gateway.federation.node_client import CallMeta
from gateway.federation.planner import plan_for_region
from gateway.federation.report import Path
from gateway.service_layer.households import note_unregistered
from gateway.service_layer.node_health import GATEWAY_PRINCIPAL
from gateway.service_layer.row_scope import scoped_region
from gateway.service_layer.services import GatewayServices
from schema.benefits import parse_period
from schema.disclosure import withholds_small_cells
from schema.errors import Forbidden
from schema.policy import Access, access
from schema.regions import RegionLevel, is_within, level_of, regions
from schema.roles import Principal
from schema.targeting import (
    CODE_LENGTHS,
    RegionTargeting,
    combine,
    from_plain,
    published_cells,
    to_plain,
)

#: the levels the public may see (DESIGN.md: none of it below kab/kota)
PUBLIC_LEVELS = ("NATIONAL", "PROVINCE", "KABKOTA")

NODE_DOCUMENT = (
    "query GatewayTargeting($period: String!, $level: TargetingLevel!, $region: String) { "
    "targetingIndicators(period: $period, level: $level, region: $region) { regionCode "
    "households householdsNoDesil desilDistribution { desil households } poorestHouseholds "
    "exclusionErrors programs { program recipients inclusionErrors recipientsNoDesil "
    "eligibleRecipients } } }")


@dataclass(frozen=True, slots=True)
class TargetingAnswer:
    period: str
    rows: list[RegionTargeting]
    source: str  # "stored" (a recorded period) or "live"
    withheld: bool  # small counts are withheld for this principal


def check_may_see(principal: Principal, level: str, region: str | None) -> None:
    """Refuse a role the policy table denies, and the public below kab/kota."""
    if access(principal.role, "Query", "targetingIndicators") is not Access.FULL:
        raise Forbidden(f"role {principal.role} may not read targeting indicators",
                        reason="policy")
    below_kabkota = level not in PUBLIC_LEVELS or (region is not None and level_of(
        region) not in (RegionLevel.PROVINSI, RegionLevel.KABKOTA))
    if withholds_small_cells(principal) and below_kabkota:
        raise Forbidden("publik hanya melihat tingkat kab/kota ke atas / the public sees "
                        "targeting indicators at kab/kota level and above only",
                        reason="below_kabkota")


async def targeting_indicators(services: GatewayServices, scope: RequestScope, level: str,
                               period: str, *, region: str | None = None,
                               path: Path | None = None) -> TargetingAnswer:
    principal = scope.meta.principal
    code = parse_period(period).code
    if region is not None:
        regions().require(region)  # INVALID_REGION before any node is asked
    check_may_see(principal, level, region)
    region = scoped_region(principal, region)
    withheld = withholds_small_cells(principal)
    stored = await stored_rows(services.database, code, region)
    if stored:
        return TargetingAnswer(code, _added_up(stored, level, withheld), "stored", withheld)
    node_level = "DESA" if CODE_LENGTHS[level] > CODE_LENGTHS["KABKOTA"] else "KABKOTA"
    asking = scope if not withheld else RequestScope(
        scope.deadline, CallMeta(scope.meta.request_id, GATEWAY_PRINCIPAL), scope.report)
    rows = await live_rows(services, asking, code, node_level, region, path)
    return TargetingAnswer(code, _added_up(rows, level, withheld), "live", withheld)


def _added_up(rows: list[RegionTargeting], level: str, withheld: bool
              ) -> list[RegionTargeting]:
    """Rows combined to ``level``; for the public, from each kab/kota's published cells
    (``published_cells``), so a province or the nation is the sum of what was published."""
    if not withheld:
        return combine(rows, level)
    return combine([published_cells(row) for row in combine(rows, "KABKOTA")], level)


async def live_rows(services: GatewayServices, scope: RequestScope, period: str,
                    node_level: str, region: str | None, path: Path | None = None
                    ) -> list[RegionTargeting]:
    """The nodes' rows at ``node_level`` (DESA or KABKOTA) inside ``region``."""
    plan = plan_for_region(region, services.registry.regions())
    note_unregistered(plan, scope, path)
    node_region = region if region is not None and len(region) > len("32.73") else None
    answers = await services.federation.scatter(
        plan.targets, NODE_DOCUMENT,
        {"period": period, "level": node_level, "region": node_region}, scope, path=path)
    return [row_of(found) for data in answers.values()
            for found in data.get("targetingIndicators") or []]


def row_of(found: dict[str, Any]) -> RegionTargeting:
    """A node's row back into counts (its rates are recomputed after adding up)."""
    plain = {"households": found["households"], "no_desil": found["householdsNoDesil"],
             "by_desil": {str(d["desil"]): d["households"] for d in found["desilDistribution"]
                          if d["desil"] is not None},
             "poorest": found["poorestHouseholds"], "unserved": found["exclusionErrors"],
             "programs": {p["program"]: {"recipients": p["recipients"],
                                         "inclusion_errors": p["inclusionErrors"],
                                         "recipients_no_desil": p["recipientsNoDesil"],
                                         "eligible_recipients": p["eligibleRecipients"]}
                          for p in found["programs"]}}
    return from_plain(found["regionCode"], plain)


async def record_period(services: GatewayServices, scope: RequestScope, period: str
                        ) -> list[str]:
    """Count ``period`` at every registered node (per desa) and keep it; the kab/kota
    recorded (a node that did not answer keeps its earlier rows, if any, and is in the
    request's report)."""
    code = parse_period(period).code
    plan = plan_for_region(None, services.registry.regions())
    answers = await services.federation.scatter(
        plan.targets, NODE_DOCUMENT, {"period": code, "level": "DESA", "region": None}, scope)
    rows = {kabkota: [row_of(found) for found in data.get("targetingIndicators") or []]
            for kabkota, data in answers.items()}
    await store_rows(services.database, code, rows)
    return sorted(rows)


async def store_rows(database: Database, period: str,
                     rows: Mapping[str, Sequence[RegionTargeting]]) -> None:
    now = dt.datetime.now(dt.UTC)
    async with database.writer() as session, session.begin():
        for kabkota, found in rows.items():
            await session.execute(delete(TargetingSnapshotRow).where(
                TargetingSnapshotRow.period == period,
                TargetingSnapshotRow.kabkota_code == kabkota))
            if found:
                await session.execute(insert(TargetingSnapshotRow), [
                    {"period": period, "desa_code": row.region, "kabkota_code": kabkota,
                     "counts": to_plain(row), "recorded_at": now} for row in found])


async def stored_rows(database: Database, period: str, region: str | None
                      ) -> list[RegionTargeting]:
    """The desa rows of a recorded period inside ``region`` (read by its kab/kota or
    province first, in SQL: a national period holds some 80,000 desa rows)."""
    statement = select(TargetingSnapshotRow).where(TargetingSnapshotRow.period == period)
    if region is not None and len(region) >= len("32.73"):
        statement = statement.where(TargetingSnapshotRow.kabkota_code == region[:5])
    elif region is not None:
        statement = statement.where(TargetingSnapshotRow.kabkota_code.startswith(region + "."))
    async with database.reader() as session:
        found = (await session.execute(statement)).scalars().all()
    return [from_plain(row.desa_code, row.counts) for row in found
            if region is None or is_within(row.desa_code, region)]


async def recorded_periods(database: Database) -> list[str]:
    async with database.reader() as session:
        found = await session.execute(select(TargetingSnapshotRow.period).distinct())
    return sorted(str(period) for (period,) in found)
