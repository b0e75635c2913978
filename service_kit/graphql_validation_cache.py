"""Validate a query text once per set of rules, not on every request.

A validation rule depends on the schema and the document only, unless it says otherwise
(:data:`USES_VARIABLES`): the specification's rules (``graphql.specified_rules``), the depth
and alias limits, strawberry's own, no introspection in production, and the strict field
policy, whose rule class is one per role (so a role is part of what was validated). The same
few operations arrive again and again (at a node: the gateway's few documents, from every
fan-out), and visiting the document with every rule takes 0.5–2 ms per request.

So :class:`ValidationCache`, the last extension to add rules, remembers a text together with
the exact rule classes it passed; a request bringing the same text with the same classes
skips them. The rules that use the request's variables (the cost limit) still run on every
request: directly through their ``errors_in(schema, document)`` when they have it, otherwise
by graphql-core's validation. A text that failed anything is never remembered, so its next
request is validated in full; a rule class made anew per request never matches, so it is
validated every time (the cache cannot skip a rule it has not seen pass).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension

MAX_ENTRIES = 1_000
MAX_QUERY_CHARS = 20_000  # longer texts are validated in full every time
USES_VARIABLES = "uses_variables"  # a rule class with this attribute true runs every time
ERRORS_IN = "errors_in"  # its direct check: (schema, document) -> list[GraphQLError]

RuleSet = frozenset[type[ASTValidationRule]]


def uses_variables(rule: type[ASTValidationRule]) -> bool:
    return bool(getattr(rule, USES_VARIABLES, False))


class ValidatedQueries:
    """(query text, rule classes) that passed, most recent last (one per schema)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._passed: OrderedDict[tuple[str, RuleSet], None] = OrderedDict()
        self._max = max_entries

    def __contains__(self, key: tuple[str, RuleSet]) -> bool:
        if key in self._passed:
            self._passed.move_to_end(key)
            return True
        return False

    def add(self, key: tuple[str, RuleSet]) -> None:
        if len(key[0]) > MAX_QUERY_CHARS:
            return
        self._passed[key] = None
        if len(self._passed) > self._max:
            self._passed.popitem(last=False)


class ValidationCache(SchemaExtension):
    """Put it after every extension that adds validation rules."""

    def __init__(self, *, passed: ValidatedQueries) -> None:
        self.passed = passed

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query, rules = context.query, context.validation_rules
        key = (query, frozenset(r for r in rules if not uses_variables(r))) if query else None
        if key is not None and key in self.passed:
            self._check_variables_only(context.schema._schema, context.graphql_document, rules)
            yield
            return
        yield
        if key is not None and not context.pre_execution_errors:
            self.passed.add(key)

    def _check_variables_only(self, schema: GraphQLSchema, document: DocumentNode | None,
                              rules: tuple[type[ASTValidationRule], ...]) -> None:
        """The rules that use this request's variables; the others passed this text."""
        context = self.execution_context
        remaining: list[type[ASTValidationRule]] = []
        errors: list[GraphQLError] = []
        for rule in filter(uses_variables, rules):
            check: Any = getattr(rule, ERRORS_IN, None)
            if check is not None and document is not None:
                errors.extend(check(schema, document))
            else:
                remaining.append(rule)
        context.validation_rules = tuple(remaining)  # none left: strawberry skips validation
        if errors:
            context.pre_execution_errors = errors
