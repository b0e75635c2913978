"""``targetingIndicators`` through the gateway (docs/targeting.md): inclusion and exclusion
errors and coverage per region of any level, added up from the nodes' rows (or read from a
recorded period), and, with ``comparedTo``, how each moved since an earlier period."""

from __future__ import annotations

from strawberry.types import Info

from gateway.entrypoints.graphql.context import GatewayContext
from gateway.service_layer import targeting as service
from schema.targeting_types import TargetingIndicators, TargetingLevel


async def targeting_indicators(info: Info[GatewayContext, None], period: str,
                               level: TargetingLevel = TargetingLevel.KABKOTA,
                               region: str | None = None, compared_to: str | None = None
                               ) -> list[TargetingIndicators] | None:
    context = info.context
    path = info.path.as_list()
    answer = await service.targeting_indicators(context.services, context.scope, level.value,
                                                period, region=region, path=path)
    shown = [TargetingIndicators.of(row, answer.period, withheld=answer.withheld)
             for row in answer.rows]
    if compared_to is None:
        return shown
    earlier = await service.targeting_indicators(context.services, context.scope,
                                                 level.value, compared_to, region=region,
                                                 path=path)
    before = {row.region: TargetingIndicators.of(row, earlier.period, withheld=earlier.withheld)
              for row in earlier.rows}
    for now in shown:
        then = before.get(now.region_code)
        if then is not None:
            with_changes(now, then)
    return shown


def with_changes(now: TargetingIndicators, then: TargetingIndicators) -> None:
    now.exclusion_rate_change = difference(now.exclusion_rate, then.exclusion_rate)
    programs = {p.program: p for p in then.programs}
    for program in now.programs:
        earlier = programs.get(program.program)
        if earlier is not None:
            program.inclusion_rate_change = difference(program.inclusion_rate,
                                                       earlier.inclusion_rate)
            program.coverage_change = difference(program.coverage, earlier.coverage)


def difference(now: float | None, then: float | None) -> float | None:
    return None if now is None or then is None else round(now - then, 4)
