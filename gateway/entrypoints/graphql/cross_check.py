"""``crossCheck`` at the gateway: a partner ministry's batch of up to 1,000 NIKs, split over
the nodes by the NIK directory and joined (``service_layer.cross_check``). The same types as
the node's, and each NIK's double-benefit ``conflicts`` (the rule table, docs/partners.md;
``program``: the partner's own program the list is for); never a name, an address or a birth
date."""

from __future__ import annotations

from collections.abc import Sequence

import strawberry
from strawberry.types import Info

from gateway.adapters.rule_store import RuleStore
from gateway.entrypoints.graphql.context import GatewayContext
from gateway.service_layer import cross_check as service
from gateway.service_layer.cross_check_jobs import check_program
from schema.benefit_rules import ExclusionRule, conflicts_of
from schema.cross_check import DesilBand, MembershipLevel
from schema.cross_check_types import CrossCheckConflict, CrossCheckProgram, CrossCheckResult
from schema.enums import Program


@strawberry.type(name="CrossCheckResult",
                 description="One NIK of a cross-check: in DTKS or not, a desil band, the "
                             "programs, the double-benefit rules broken; nothing else of the "
                             "person")
class GatewayCrossCheckResult(CrossCheckResult):
    conflicts: list[CrossCheckConflict] = strawberry.field(
        description="The rules of the rule table both of whose programs the person receives "
                    "(their own or their household's, and the `program` asked about)")


def _result(checked: service.Checked, rules: Sequence[ExclusionRule],
            program: str | None) -> GatewayCrossCheckResult:
    held = [str(p["program"]) for p in checked.programs]
    return GatewayCrossCheckResult(
        nik=checked.nik, registered=checked.registered,
        desil_band=DesilBand(checked.desil_band) if checked.desil_band else None,
        programs=[CrossCheckProgram(program=Program(p["program"]), period=p["period"],
                                    level=MembershipLevel(p["level"]))
                  for p in checked.programs],
        in_more_than_one_region=checked.in_more_than_one_region,
        conflicts=[CrossCheckConflict(program=c.program, excludes=c.excludes, scope=c.scope)
                   for c in (conflicts_of(rules, held, program) if checked.registered
                             else [])])


async def cross_check(info: Info[GatewayContext, None], niks: list[str],
                      program: str | None = None) -> list[GatewayCrossCheckResult] | None:
    program = check_program(program)
    checked = await service.cross_check(info.context.services, info.context.scope, niks,
                                        path=info.path.as_list())
    rules = await RuleStore(info.context.services.database).all()
    return [_result(c, rules, program) for c in checked]
