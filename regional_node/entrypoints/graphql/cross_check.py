"""``crossCheck``: a partner ministry's batch of up to 1,000 NIKs checked against this node's
rows (:mod:`regional_node.adapters.cross_check_queries`): registered or not, a desil band,
the programs the person or the household receives. The gateway sends each node the NIKs it
may hold (docs/gateway.md); every NIK looked up is audited, as a ``person`` lookup is."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from regional_node.adapters.cross_check_queries import HeldNik, cross_check
from regional_node.entrypoints.graphql.context import NodeContext
from schema.cross_check import DesilBand, MembershipLevel, band_of, check_batch
from schema.enums import Program

if not hasattr(DesilBand, "__strawberry_definition__"):  # the gateway registers them too
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
    def of(cls, nik: str, held: HeldNik | None) -> CrossCheckResult:
        if held is None:
            return cls(nik=nik, registered=False, desil_band=None, programs=[])
        return cls(nik=nik, registered=held.registered, desil_band=band_of(held.desil),
                   programs=[CrossCheckProgram(program=Program(p.program), period=p.period,
                                               level=p.level) for p in held.programs])


@strawberry.type
class CrossCheckQuery:
    @strawberry.field(description="Check up to 1,000 NIKs (partner ministries, Kemensos): for "
                                  "each, in the order sent, whether it is in DTKS here, its "
                                  "desil band and the programs the person or the household "
                                  "receives")
    async def cross_check(self, info: Info[NodeContext, None],
                          niks: list[str]) -> list[CrossCheckResult] | None:
        check_batch(niks)
        held = await cross_check(info.context.database, niks)
        return [CrossCheckResult.of(nik, held.get(nik)) for nik in niks]
