"""Turn domain errors into GraphQL errors with ``extensions.code``; mask everything else.

A ``SiksError`` raised by a resolver is the user's to see: its message and code go out as is.
Any other exception is a bug: the client gets "internal error" and a request id, the log gets
the traceback. No stack trace or SQL ever reaches a response. Refusals before execution get
their code, and errors go out in the order of their paths (``service_kit.graphql_errors``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from schema.errors import SiksError
from service_kit.graphql_errors import by_path, with_code
from service_kit.graphql_variables import variable_error
from service_kit.logs import REQUEST_ID

log = logging.getLogger("siks.node.graphql")


def _convert(error: GraphQLError, request_id: str) -> GraphQLError:
    original = error.original_error
    if original is not None and (typed := variable_error(error)) is not None:
        return typed
    if original is None:
        return with_code(error)  # syntax and validation errors: safe, useful, given a code
    if isinstance(original, SiksError):
        return GraphQLError(original.message, nodes=error.nodes, source=error.source,
                            positions=error.positions, path=error.path,
                            original_error=None, extensions=original.extensions())
    log.error("unexpected error (request %s)", request_id, exc_info=original)
    return GraphQLError(f"internal error (request id {request_id})", nodes=error.nodes,
                        path=error.path, original_error=None,
                        extensions={"code": "INTERNAL", "requestId": request_id})


class DomainErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            request_id = REQUEST_ID.get() or uuid.uuid4().hex[:16]
            result.errors = by_path(_convert(error, request_id) for error in result.errors)
