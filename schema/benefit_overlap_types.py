"""The double-benefit overlap report's GraphQL types (:mod:`schema.benefit_rules`), one
definition for the node, which counts its kab/kota, and the gateway, which sums the nodes
per kab/kota, province or nationally."""

from __future__ import annotations

import strawberry

from schema.benefit_rules import RuleScope

strawberry.enum(RuleScope, description="The same person, or the same household, receives "
                                       "both programs")


@strawberry.input(description="A double-benefit rule between two Kemensos programs")
class BenefitRuleInput:
    program: str
    excludes: str
    scope: RuleScope


@strawberry.type(description="How many break one double-benefit rule in one region: "
                             "households (HOUSEHOLD) or persons (PERSON) receiving both")
class BenefitOverlap:
    region_code: str | None = strawberry.field(description="Null at the NATIONAL level")
    program: str
    excludes: str
    scope: RuleScope
    count: int
