"""``benefitCounts``: what the DIPA of this kab/kota is computed from, counted at the node
(:mod:`regional_node.adapters.benefit_queries`) and combined with the catalogue of amounts
at the gateway (docs/dipa.md). Kemensos only (``schema.policy``: the gateway asks as the
Kemensos user it serves)."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

import service_kit.graphql_enums  # noqa: F401  (the contract's enums, registered once)
from regional_node.adapters.benefit_queries import benefit_counts
from regional_node.entrypoints.graphql.context import NodeContext
from regional_node.errors import OutOfScope
from schema.benefits import BenefitComponent, parse_period
from schema.enums import Program
from schema.scope import overlaps


@strawberry.type(description="Determined, unsuspended memberships of one program (and PKH "
                             "component) in one period")
class BenefitCount:
    program: Program
    period: str
    component: BenefitComponent | None = strawberry.field(
        description="Null: the program as a whole; else the persons in this component and "
                    "the households with any")
    households: int = strawberry.field(description="KPM: distinct households")
    persons: int = strawberry.field(description="Persons paid for: the enrolled member, or "
                                                "the living members of a KPM household")


@strawberry.type
class BenefitCountsQuery:
    @strawberry.field(description="KPM and persons per program (and PKH component) from "
                                  "determined, unsuspended, active memberships of a period "
                                  "(YYYY-S1 / YYYY-S2), ages on the period's first day")
    async def benefit_counts(self, info: Info[NodeContext, None], period: str,
                             programs: list[Program] | None = None) -> list[BenefitCount] | None:
        parsed = parse_period(period)
        if not overlaps(info.context.principal, info.context.region):
            raise OutOfScope(f"the DIPA of {info.context.region} is outside your scope")
        rows = await benefit_counts(
            info.context.database, parsed.code,
            [p.value for p in programs] if programs is not None else None, parsed.starts_on)
        return [BenefitCount(program=Program(r.program), period=parsed.code,
                             component=BenefitComponent(r.component) if r.component else None,
                             households=r.households, persons=r.persons) for r in rows]
