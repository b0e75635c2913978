"""Data quality counted nationally (issue 15): each node in scope counts its own (per kab/kota:
households, members by Dukcapil outcome, data ganda, open warnings, what its imports
refused) and the gateway sums them per province or nationally. A node that does not answer
is left out and named in ``extensions.federation``, as for every federated read."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from gateway.federation.fanout import RequestScope
from gateway.federation.node_queries import data_quality_document
from gateway.federation.planner import plan_for_region
from gateway.federation.report import Path
from gateway.service_layer.households import note_unregistered
from gateway.service_layer.row_scope import scoped_region
from gateway.service_layer.services import GatewayServices
from schema.regions import regions

CODE_LENGTHS = {"NATIONAL": 0, "PROVINCE": len("32"), "KABKOTA": len("32.73")}


@dataclass(slots=True)
class QualityTotals:
    region: str | None
    households: int = 0
    duplicates: int = 0
    members_by_status: Counter[str] = field(default_factory=Counter)
    open_warnings: Counter[str] = field(default_factory=Counter)
    households_refused: int = 0
    import_errors: int = 0


async def data_quality(services: GatewayServices, scope: RequestScope, level: str, *,
                       region: str | None = None, imports: bool = True,
                       path: Path | None = None) -> list[QualityTotals]:
    """``imports``: the caller may read what the imports refused (asked of the nodes)."""
    if region is not None:
        regions().require(region)  # INVALID_REGION before any node is asked
    region = scoped_region(scope.meta.principal, region)
    plan = plan_for_region(region, services.registry.regions())
    note_unregistered(plan, scope, path)
    node_region = region if region is not None and len(region) > len("32.73") else None
    answers = await services.federation.scatter(
        plan.targets, data_quality_document(with_imports=imports), {"region": node_region},
        scope, path=path)
    return combine(answers.items(), level, imports=imports and node_region is None)


def combine(answers: Iterable[tuple[str, dict[str, Any]]], level: str, *,
            imports: bool = True) -> list[QualityTotals]:
    """Sum the nodes' kab/kota rows (and, with ``imports``, what each node's imports refused)
    per region of ``level``."""
    length = CODE_LENGTHS[level]
    totals: dict[str | None, QualityTotals] = {}

    def total_of(code: str) -> QualityTotals:
        key = code[:length] if length else None
        return totals.setdefault(key, QualityTotals(key))

    for node_region, data in answers:
        for row in data.get("dataQuality") or []:
            total = total_of(row["regionCode"])
            total.households += int(row["households"])
            total.duplicates += int(row["duplicates"])
            total.members_by_status.update(
                {c["status"]: int(c["members"]) for c in row["matchStatus"]})
            total.open_warnings.update({c["kind"]: int(c["warnings"])
                                        for c in row["openWarnings"]})
        refused = data.get("importQuality") or {}
        if imports and (refused.get("householdsRefused") or refused.get("errors")):
            total = total_of(node_region)  # a node's imports are its kab/kota's
            total.households_refused += int(refused.get("householdsRefused") or 0)
            total.import_errors += int(refused.get("errors") or 0)
    return sorted(totals.values(), key=lambda t: t.region or "")
