"""``crossCheck`` at the gateway: a partner ministry's batch of up to 1,000 NIKs, split over
the nodes by the NIK directory and joined (``service_layer.cross_check``). The same types as
the node's; never a name, an address or a birth date."""

from __future__ import annotations

from strawberry.types import Info

from gateway.entrypoints.graphql.context import GatewayContext
from gateway.service_layer import cross_check as service
from schema.cross_check import DesilBand, MembershipLevel
from schema.cross_check_types import CrossCheckProgram, CrossCheckResult
from schema.enums import Program


def _result(checked: service.Checked) -> CrossCheckResult:
    return CrossCheckResult(
        nik=checked.nik, registered=checked.registered,
        desil_band=DesilBand(checked.desil_band) if checked.desil_band else None,
        programs=[CrossCheckProgram(program=Program(p["program"]), period=p["period"],
                                    level=MembershipLevel(p["level"]))
                  for p in checked.programs],
        in_more_than_one_region=checked.in_more_than_one_region)


async def cross_check(info: Info[GatewayContext, None],
                      niks: list[str]) -> list[CrossCheckResult] | None:
    checked = await service.cross_check(info.context.services, info.context.scope, niks,
                                        path=info.path.as_list())
    return [_result(c) for c in checked]
