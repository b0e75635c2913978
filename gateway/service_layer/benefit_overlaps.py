"""The national double-benefit overlap report (docs/partners.md): the rules between two
Kemensos programs (``benefit_rule``) pushed down to every node in scope as one count query,
the answers summed per kab/kota, province or nationally (as data quality and the DIPA are).
A node that does not answer is left out and named in ``extensions.federation``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gateway.adapters.rule_store import RuleStore
from gateway.federation.fanout import RequestScope
from gateway.federation.planner import plan_for_region
from gateway.federation.report import Path
from gateway.service_layer.households import note_unregistered
from gateway.service_layer.row_scope import scoped_region
from gateway.service_layer.services import GatewayServices
from schema.benefit_rules import ExclusionRule, RuleScope
from schema.regions import regions

CODE_LENGTHS = {"NATIONAL": 0, "PROVINCE": len("32"), "KABKOTA": len("32.73")}
NODE_DOCUMENT = ("query($rules: [BenefitRuleInput!]!) { benefitOverlaps(rules: $rules) { "
                 "regionCode program excludes scope count } }")


@dataclass(slots=True)
class OverlapTotal:
    region: str | None
    program: str
    excludes: str
    scope: RuleScope
    count: int = 0


async def benefit_overlaps(services: GatewayServices, scope: RequestScope, level: str, *,
                           region: str | None = None, path: Path | None = None
                           ) -> list[OverlapTotal]:
    if region is not None:
        regions().require(region)  # INVALID_REGION before any node is asked
    region = scoped_region(scope.meta.principal, region)
    rules = [r for r in await RuleStore(services.database).all() if r.kemensos_only]
    if not rules:
        return []
    plan = plan_for_region(region, services.registry.regions())
    note_unregistered(plan, scope, path)
    answers = await services.federation.scatter(
        plan.targets, NODE_DOCUMENT, {"rules": [
            {"program": r.program, "excludes": r.excludes, "scope": r.scope.value}
            for r in rules]}, scope, path=path)
    return combine(rules, answers.values(), level)


def combine(rules: list[ExclusionRule], answers: Iterable[dict[str, Any]],
            level: str) -> list[OverlapTotal]:
    """Sum the nodes' kab/kota counts per region of ``level``, for each rule (every rule
    listed for every region that answered, zero included)."""
    length = CODE_LENGTHS[level]
    totals: dict[tuple[str | None, str, str], OverlapTotal] = {}
    for data in answers:
        for row in data.get("benefitOverlaps") or []:
            key = row["regionCode"][:length] if length else None
            total = totals.setdefault((key, row["program"], row["excludes"]), OverlapTotal(
                key, row["program"], row["excludes"], RuleScope(row["scope"])))
            total.count += int(row["count"])
    order = {rule.key: number for number, rule in enumerate(rules)}
    return sorted(totals.values(), key=lambda t: (t.region or "",
                                                  order.get((t.program, t.excludes), 0)))
