"""``crossCheck`` at the gateway: a partner ministry's batch of up to 1,000 NIKs, split over
the nodes by the NIK directory and joined (``service_layer.cross_check``). The same types as
the node's; never a name, an address or a birth date."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from gateway.entrypoints.graphql.context import GatewayContext
from gateway.service_layer import cross_check as service
from schema.cross_check import DesilBand, MembershipLevel
from schema.enums import Program

if not hasattr(DesilBand, "__strawberry_definition__"):  # the node registers them too
    strawberry.enum(DesilBand, description="Where in the welfare ranking, by pairs of desil "
                                           "(the desil itself is for staff)")
if not hasattr(MembershipLevel, "__strawberry_definition__"):
    strawberry.enum(MembershipLevel, description="The person's own membership, or their "
                                                 "household's")


@strawberry.type(description="A social program a person receives, their own or their "
                             "household's")
class CrossCheckProgram:
    program: Program
    period: str
    level: MembershipLevel


@strawberry.type(description="One NIK of a cross-check: in DTKS or not, a desil band, the "
                             "programs; nothing else of the person")
class CrossCheckResult:
    nik: str = strawberry.field(description="As sent")
    registered: bool | None = strawberry.field(
        description="A living member of an active household; null: unknown (at the gateway: "
                    "a node that may hold it did not answer, errors name it)")
    desil_band: DesilBand | None
    programs: list[CrossCheckProgram]

    @classmethod
    def of(cls, checked: service.Checked) -> CrossCheckResult:
        return cls(nik=checked.nik, registered=checked.registered,
                   desil_band=DesilBand(checked.desil_band) if checked.desil_band else None,
                   programs=[CrossCheckProgram(program=Program(p["program"]),
                                               period=p["period"],
                                               level=MembershipLevel(p["level"]))
                             for p in checked.programs])


async def cross_check(info: Info[GatewayContext, None],
                      niks: list[str]) -> list[CrossCheckResult] | None:
    checked = await service.cross_check(info.context.services, info.context.scope, niks,
                                        path=info.path.as_list())
    return [CrossCheckResult.of(c) for c in checked]
