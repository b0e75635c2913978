"""Skip the specification's validation rules for a query text that already passed them.

Those rules (``graphql.specified_rules``) depend on the schema and the document only, and
take 1–2 ms per request; the same few operations arrive again and again (at a node: the
gateway's few documents, from every fan-out). A query text that passed every rule once skips
them next time; the service's own rules (depth, aliases, the cost with this request's
variables, the gateway's strict field policy for this caller, no introspection in
production) and strawberry's own run on every request. A text that failed
anything is never remembered, so its next request is validated in full.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

from graphql import specified_rules
from strawberry.extensions import SchemaExtension

STANDARD = frozenset(specified_rules)
MAX_ENTRIES = 1_000
MAX_QUERY_CHARS = 20_000  # longer texts are validated in full every time


class ValidatedQueries:
    """Query texts that passed every rule, most recent last (one per schema)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._texts: OrderedDict[str, None] = OrderedDict()
        self._max = max_entries

    def __contains__(self, query: str) -> bool:
        if query in self._texts:
            self._texts.move_to_end(query)
            return True
        return False

    def add(self, query: str) -> None:
        if len(query) > MAX_QUERY_CHARS:
            return
        self._texts[query] = None
        if len(self._texts) > self._max:
            self._texts.popitem(last=False)


class StandardRulesCache(SchemaExtension):
    def __init__(self, *, passed: ValidatedQueries) -> None:
        self.passed = passed

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        known = query is not None and query in self.passed
        if known:
            context.validation_rules = tuple(r for r in context.validation_rules
                                             if r not in STANDARD)
        yield
        if query is not None and not known and not context.pre_execution_errors:
            self.passed.add(query)
