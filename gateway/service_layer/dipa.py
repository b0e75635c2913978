"""The DIPA of a period (docs/dipa.md): per program × province × kab/kota (× PKH component),
KPM, persons and the amount in rupiah. Each node counts its determined, unsuspended
memberships (``benefitCounts``, one SQL aggregate); the gateway prices them with the catalogue
and adds them up. A node that did not answer is listed in :attr:`Dipa.missing` (and in the
request's federation report): its kab/kota is never silently left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from gateway.adapters.catalogue_store import CatalogueStore
from gateway.federation.fanout import RequestScope
from gateway.federation.planner import Plan, plan_for_region
from gateway.federation.report import Path
from gateway.service_layer.catalogue import BenefitRate, rates_for
from gateway.service_layer.households import note_unregistered
from gateway.service_layer.services import GatewayServices
from schema.benefits import BenefitComponent, Period, amount_for, parse_period
from schema.errors import Forbidden, InvalidInput
from schema.regions import RegionLevel, level_of
from schema.regions import regions as region_table
from schema.roles import Role

BENEFIT_COUNTS = ("query GatewayBenefitCounts($period: String!, $programs: [Program!]) { "
                  "benefitCounts(period: $period, programs: $programs) { "
                  "program component households persons } }")


@dataclass(frozen=True, slots=True)
class DipaRow:
    program: str
    component: str | None  # None: the program as a whole in this kab/kota
    province: str
    kabkota: str
    kpm: int
    persons: int
    rate: BenefitRate | None  # None for a whole-program row priced by components
    amount: int | None  # None: nothing in the catalogue prices it


@dataclass(frozen=True, slots=True)
class DipaTotal:
    program: str
    kpm: int
    persons: int
    amount: int | None


@dataclass(frozen=True, slots=True)
class MissingRegion:
    region: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Dipa:
    period: Period
    generated_at: dt.datetime
    rows: list[DipaRow]
    totals: list[DipaTotal]
    missing: list[MissingRegion]
    rates: list[BenefitRate]  # the catalogue entries that priced this period

    def legal_basis(self, program: str) -> list[str]:
        return sorted({r.legal_basis for r in self.rates if r.program == program})


async def compute_dipa(services: GatewayServices, scope: RequestScope, period: str, *,
                       programs: Sequence[str] | None = None,
                       regions: Sequence[str] | None = None,
                       path: Path | None = None) -> Dipa:
    if scope.meta.principal.role is not Role.KEMENSOS:
        raise Forbidden("DIPA hanya untuk Kemensos / the DIPA is for Kemensos only",
                        reason="policy")
    parsed = parse_period(period)
    plan = _plan(regions, services.registry.regions())
    already = len(scope.report.failures)
    note_unregistered(plan, scope, path)
    answers = await services.federation.scatter(
        plan.targets, BENEFIT_COUNTS, {"period": parsed.code, "programs": programs},
        scope, path=path)
    rates = rates_for(await CatalogueStore(services.database).all(), parsed)
    rows = [row for region in sorted(answers)
            for row in _priced(region, answers[region]["benefitCounts"] or [], rates, parsed)]
    missing = [MissingRegion(f.region, f.error.code, f.error.message)
               for f in scope.report.failures[already:]]
    used = sorted(set(rates.values()), key=_catalogue_order)
    return Dipa(parsed, dt.datetime.now(dt.UTC), rows, _totals(rows), missing, used)


def _catalogue_order(rate: BenefitRate) -> tuple[str, int]:
    components = list(BenefitComponent)
    return (rate.program, -1 if rate.component is None
            else components.index(BenefitComponent(rate.component)))


def _plan(wanted: Sequence[str] | None, registered: Sequence[str]) -> Plan:
    if not wanted:
        return plan_for_region(None, registered)
    targets: set[str] = set()
    unregistered: set[str] = set()
    for code in wanted:
        region_table().require(code.strip())
        if level_of(code.strip()) not in (RegionLevel.PROVINSI, RegionLevel.KABKOTA):
            raise InvalidInput(f"wilayah {code} bukan provinsi atau kab/kota / region {code} "
                               "is not a province or kab/kota", reason="region_level",
                               field="regions")
        plan = plan_for_region(code.strip(), registered)
        targets.update(plan.targets)
        unregistered.update(plan.unregistered)
    return Plan(tuple(sorted(targets)), tuple(sorted(unregistered)))


def _priced(region: str, counts: list[dict[str, object]],
            rates: dict[tuple[str, str | None], BenefitRate], period: Period) -> list[DipaRow]:
    """A kab/kota's counts, priced. Component rows are kept for the programs the catalogue
    prices by component (PKH), the others' are dropped (nodes count components for all)."""
    province = region.split(".")[0]
    by_component = {program for program, component in rates if component is not None}
    parts: list[DipaRow] = []
    for count in counts:
        program, component = str(count["program"]), count.get("component")
        if component and program not in by_component:
            continue
        kpm, persons = int(str(count["households"])), int(str(count["persons"]))
        rate = rates.get((program, str(component) if component else None))
        amount = (amount_for(rate.unit, rate.amount, kpm=kpm, persons=persons,
                             months=period.months) if rate else None)
        parts.append(DipaRow(program, str(component) if component else None, province,
                             region, kpm, persons, rate, amount))
    return [_with_components(row, parts) if row.component is None else row
            for row in sorted(parts, key=lambda r: (r.program, r.component or ""))]


def _with_components(whole: DipaRow, parts: list[DipaRow]) -> DipaRow:
    """A program's row: its own amount plus its components' (PKH is priced per component)."""
    amounts = [whole.amount] + [p.amount for p in parts
                                if p.program == whole.program and p.component is not None]
    priced = [a for a in amounts if a is not None]
    return DipaRow(whole.program, None, whole.province, whole.kabkota, whole.kpm,
                   whole.persons, whole.rate, sum(priced) if priced else None)


def _totals(rows: list[DipaRow]) -> list[DipaTotal]:
    totals: dict[str, DipaTotal] = {}
    for row in rows:
        if row.component is not None:
            continue
        seen = totals.get(row.program, DipaTotal(row.program, 0, 0, None))
        amount = (seen.amount or 0) + row.amount if row.amount is not None else seen.amount
        totals[row.program] = DipaTotal(row.program, seen.kpm + row.kpm,
                                        seen.persons + row.persons, amount)
    return [totals[program] for program in sorted(totals)]


def region_label(code: str) -> str:
    region = region_table().get(code)
    return region.name if region is not None else ""
