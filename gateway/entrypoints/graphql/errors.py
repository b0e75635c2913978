"""GraphQL errors of the gateway, and the federation outcome of each request.

- A ``SiksError`` raised by a resolver goes out with its ``code`` (plus ``reason``/``field``
  for invalid input); anything else is masked as INTERNAL with the request id.
- Every node that did not answer adds one error: ``extensions {code, region}`` and the path
  of the field it concerned; the data of the other nodes stays.
- Refusals before execution get their code, and errors go out in the order of their paths
  (``service_kit.graphql_errors``): root fields complete concurrently.
- ``extensions.federation {total, ok, failed, timedOut, skipped}`` sums the node calls of the
  request; ``extensions.nikDirectory`` tells how a person lookup went.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from gateway.entrypoints.graphql.context import GatewayContext
from schema.errors import SiksError
from service_kit.graphql_errors import by_path, with_code
from service_kit.graphql_variables import variable_error

log = logging.getLogger("siks.gateway.graphql")


def _convert(error: GraphQLError, request_id: str) -> GraphQLError:
    original = error.original_error
    if original is not None and (typed := variable_error(error)) is not None:
        return typed
    if original is None:
        return with_code(error)  # syntax and validation errors, given a code
    if isinstance(original, SiksError):
        # code, plus reason/field (invalid input), field/role (FORBIDDEN_FIELD), …
        extensions: dict[str, Any] = dict(original.extensions())
        region = getattr(original, "region", None)
        if region:
            extensions["region"] = region
        return GraphQLError(original.message, nodes=error.nodes, source=error.source,
                            positions=error.positions, path=error.path,
                            original_error=None, extensions=extensions)
    log.error("unexpected error (request %s)", request_id, exc_info=original)
    return GraphQLError(f"internal error (request id {request_id})", nodes=error.nodes,
                        path=error.path, original_error=None,
                        extensions={"code": "INTERNAL", "requestId": request_id})


RequestOutcome = Callable[[str], None]


class FederationOutcome(SchemaExtension):
    """Adds node failures to ``errors`` and the summary to ``extensions``."""

    def __init__(self, *, on_outcome: RequestOutcome | None = None) -> None:
        self.on_outcome = on_outcome

    def _context(self) -> GatewayContext | None:
        context = self.execution_context.context
        return context if isinstance(context, GatewayContext) else None

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        context = self._context()
        if result is None or context is None:
            return
        request_id = context.scope.meta.request_id
        errors = [_convert(e, request_id) for e in result.errors or []]
        for failure in context.scope.report.failures:
            errors.append(GraphQLError(failure.error.message, path=failure.path,
                                       extensions=failure.extensions()))
        result.errors = by_path(errors) or None
        if self.on_outcome is not None:
            has_data = any(v is not None for v in (result.data or {}).values())
            self.on_outcome("ok" if not errors else "partial" if has_data else "error")

    def get_results(self) -> dict[str, Any]:
        context = self._context()
        if context is None:
            return {}
        report = context.scope.report
        results: dict[str, Any] = {"federation": report.summary()}
        results.update(report.notes)
        return results
