"""``benefitOverlaps``: how many of this kab/kota's households or persons break each
double-benefit rule the gateway sends (:mod:`regional_node.adapters.overlap_queries`).
Kemensos only (``schema.policy``); the gateway sums the nodes (docs/partners.md)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from regional_node.adapters.overlap_queries import overlap_counts
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.errors import OutOfScope
from schema.benefit_overlap_types import BenefitOverlap, BenefitRuleInput
from schema.benefit_rules import is_kemensos
from schema.errors import InvalidInput
from schema.scope import overlaps

MAX_RULES = 50


def check_rules(rules: list[BenefitRuleInput]) -> None:
    if len(rules) > MAX_RULES:
        raise InvalidInput(f"at most {MAX_RULES} rules, not {len(rules)}", reason="too_many",
                           field="rules")
    for index, rule in enumerate(rules):
        for name in ("program", "excludes"):
            if not is_kemensos(getattr(rule, name)):
                raise InvalidInput(f"rules[{index}].{name}: {getattr(rule, name)!r} is not a "
                                   "Kemensos program (a node holds no other)",
                                   reason="program", field=f"rules[{index}].{name}")


@strawberry.type
class OverlapQuery:
    @strawberry.field(description="Per double-benefit rule (two Kemensos programs), the "
                                  "households or persons here receiving both")
    async def benefit_overlaps(self, info: Info[NodeContext, None],
                               rules: list[BenefitRuleInput]) -> list[BenefitOverlap] | None:
        check_rules(rules)
        if not overlaps(info.context.principal, info.context.region):
            raise OutOfScope(f"the overlaps of {info.context.region} are outside your scope")
        counts = await overlap_counts(info.context.database,
                                      [(r.program, r.excludes, r.scope) for r in rules])
        return [BenefitOverlap(region_code=info.context.region, program=r.program,
                               excludes=r.excludes, scope=r.scope, count=n)
                for r, n in zip(rules, counts, strict=True)]
