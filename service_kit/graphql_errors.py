"""What the node and the gateway do to every GraphQL error before it leaves, beside turning
domain errors into their codes (each side's ``errors.py``):

* a refusal before execution gets its ``extensions.code`` (graphql-core and strawberry give
  none): ``GRAPHQL_PARSE_FAILED`` (not GraphQL), ``GRAPHQL_VALIDATION_FAILED`` (does not fit
  the schema; ``reason: introspection`` when production turned introspection off), or
  ``QUERY_TOO_COMPLEX`` with ``reason`` ``depth``, ``aliases`` or ``tokens`` (the cost limit
  says ``cost``);
* errors are put in the order of their ``path`` (request-level ones first): root fields that
  complete concurrently would otherwise report in whichever order they finished.

The codes are listed in docs/security.md ("Error codes").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import ParserCache

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
TOO_COMPLEX = "QUERY_TOO_COMPLEX"

# (pattern of graphql-core's or strawberry's message, code, reason), first match wins
_REFUSALS: tuple[tuple[re.Pattern[str], str, str | None], ...] = (
    (re.compile(r"^Syntax Error: Document contains more than \d+ tokens"), TOO_COMPLEX,
     "tokens"),
    (re.compile(r"^Syntax Error"), PARSE_FAILED, None),
    (re.compile(r"exceeds maximum operation depth of \d+$"), TOO_COMPLEX, "depth"),
    (re.compile(r"^\d+ aliases found\. Allowed: \d+$"), TOO_COMPLEX, "aliases"),
    (re.compile(r"^GraphQL introspection has been disabled"), VALIDATION_FAILED,
     "introspection"),
)


def refusal_extensions(message: str) -> dict[str, Any]:
    """The extensions of a refusal before execution, from graphql-core's message."""
    for pattern, code, reason in _REFUSALS:
        if pattern.search(message):
            return {"code": code, "reason": reason} if reason else {"code": code}
    return {"code": VALIDATION_FAILED}


def with_code(error: GraphQLError) -> GraphQLError:
    """``error`` unchanged when it has a code; a refusal before execution (no path) with
    the code of :func:`refusal_extensions`."""
    if (error.extensions or {}).get("code") or error.path is not None:
        return error
    return GraphQLError(error.message, nodes=error.nodes, source=error.source,
                        positions=error.positions, path=None, original_error=None,
                        extensions={**(error.extensions or {}),
                                    **refusal_extensions(error.message)})


def _path_key(error: GraphQLError) -> tuple[tuple[int, int, str], ...]:
    # ints before names at the same depth cannot happen (a list index vs a field), but the
    # key must still compare: (kind, index, name)
    return tuple((0, part, "") if isinstance(part, int) else (1, 0, str(part))
                 for part in error.path or ())


def by_path(errors: Iterable[GraphQLError]) -> list[GraphQLError]:
    """``errors`` ordered by path (stable: errors of one path keep their order, those
    without a path come first), and, within a path, by code and region so that node
    failures of one field do not come in the order the nodes answered."""
    def key(error: GraphQLError) -> tuple[Any, ...]:
        extensions = error.extensions or {}
        return (error.path is not None, _path_key(error), str(extensions.get("code", "")),
                str(extensions.get("region", "")))
    return sorted(errors, key=key)


class CodedParserCache(ParserCache):
    """strawberry's ParserCache, except that a text that does not parse is left to
    strawberry's own parse step: raised from the extension's hook, the syntax error would
    leave the operation before the error extensions could give it its code."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        try:
            context.graphql_document = self.cached_parse_document(context.query,
                                                                  **context.parse_options)
        except GraphQLError:
            context.graphql_document = None  # parsed (and refused) again, inside the operation
        yield
