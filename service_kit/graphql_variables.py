"""A request whose variables do not fit their declared types is the caller's mistake.

graphql-core reports it before execution, as an error on the variable's definition that
may carry the exception of the type's parser (an enum value that does not exist, a scalar
that does not parse). Without this, the services' error masking took that exception for a
bug and answered ``INTERNAL``; the message names the variable and what is wrong with it, and
nothing from inside the service.
"""

from __future__ import annotations

from graphql import GraphQLError, VariableDefinitionNode

CODE = "INVALID_INPUT"


def variable_error(error: GraphQLError) -> GraphQLError | None:
    """``error`` as a typed client error when it is about a variable's value, else None."""
    if error.path is not None or not error.nodes:
        return None
    if not all(isinstance(node, VariableDefinitionNode) for node in error.nodes):
        return None
    return GraphQLError(error.message, nodes=error.nodes, source=error.source,
                        positions=error.positions, original_error=None,
                        extensions={"code": CODE, "reason": "variable"})
