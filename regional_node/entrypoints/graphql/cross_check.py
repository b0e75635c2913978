"""``crossCheck``: a partner ministry's batch of up to 1,000 NIKs checked against this node's
rows (:mod:`regional_node.adapters.cross_check_queries`): registered or not, a desil band,
the programs the person or the household receives. The gateway sends each node the NIKs it
may hold (docs/gateway.md), and takes only the registered ones back (``registeredOnly``);
every NIK looked up is audited (one entry per batch:
:mod:`regional_node.service_layer.read_audit`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from regional_node.adapters.cross_check_queries import HeldNik, cross_check
from regional_node.entrypoints.graphql.context import NodeContext
from schema.cross_check import band_of, check_batch
from schema.cross_check_types import CrossCheckProgram, CrossCheckResult
from schema.enums import Program


def _result(nik: str, held: HeldNik | None) -> CrossCheckResult:
    if held is None:
        return CrossCheckResult(nik=nik, registered=False, desil_band=None, programs=[])
    return CrossCheckResult(
        nik=nik, registered=held.registered, desil_band=band_of(held.desil),
        programs=[CrossCheckProgram(program=Program(p.program), period=p.period, level=p.level)
                  for p in held.programs])


@strawberry.type
class CrossCheckQuery:
    @strawberry.field(description="Check up to 1,000 NIKs (partner ministries, Kemensos): for "
                                  "each, in the order sent, whether it is in DTKS here, its "
                                  "desil band and the programs the person or the household "
                                  "receives")
    async def cross_check(
            self, info: Info[NodeContext, None], niks: list[str],
            registered_only: Annotated[bool, strawberry.argument(
                description="Only the NIKs registered here (a gateway asking for many: what "
                            "is left out is not registered here); every NIK sent is still "
                            "audited")] = False) -> list[CrossCheckResult] | None:
        check_batch(niks)
        held = await cross_check(info.context.database, niks)
        if registered_only:
            return [_result(nik, found) for nik in niks
                    if (found := held.get(nik)) is not None and found.registered]
        return [_result(nik, held.get(nik)) for nik in niks]
