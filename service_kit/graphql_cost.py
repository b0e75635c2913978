"""A query cost limit (strawberry has none): estimated rows × fields, refused before execution.

Every selected field costs 1, plus what it selects times how many objects it returns: the
``first`` argument of a paginated field (from a literal, a variable or the default), a size
assumed per list field (``sizes``, e.g. members of a household), or ``default_list_size``.
Nesting multiplies: 50 households × 8 members × 3 fields. Introspection fields are free (the
schema bounds them; production turns introspection off).

``implied``: fields the server adds to each object of a type on its own (the gateway asks
nodes for ids, cursors and sort keys besides what the client selected), counted as if
selected, so the estimate bounds what the server will ask of others under the same limit.
A ``sizes`` entry may also name a field that is not a list but is answered from one (the
gateway answers ``Household.head`` from all the members).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from strawberry.extensions import SchemaExtension

PAGE_ARGUMENT = "first"


class _Estimator:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode,
                 variables: Mapping[str, Any], sizes: Mapping[str, int],
                 default_list_size: int, implied: Mapping[str, int]) -> None:
        self.schema, self.variables, self.sizes = schema, variables, sizes
        self.implied = implied
        self.default_list_size = default_list_size
        self.fragments = {d.name.value: d for d in document.definitions
                          if isinstance(d, FragmentDefinitionNode)}
        self.operations = [d for d in document.definitions
                           if isinstance(d, OperationDefinitionNode)]
        self.variable_defaults = {
            v.variable.name.value: v.default_value for op in self.operations
            for v in op.variable_definitions or () if v.default_value is not None}

    def cost(self) -> int:
        roots = {OperationType.QUERY: self.schema.query_type,
                 OperationType.MUTATION: self.schema.mutation_type}
        costs = [self._selection(op.selection_set, root, frozenset())
                 for op in self.operations if (root := roots.get(op.operation)) is not None]
        return max(costs, default=0)

    def _fields(self, selection_set: SelectionSetNode, parent: GraphQLObjectType,
                seen: frozenset[str]) -> Iterator[tuple[FieldNode, GraphQLObjectType]]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                yield from self._fields(selection.selection_set,
                                        self._type_of(selection.type_condition, parent), seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    yield from self._fields(fragment.selection_set,
                                            self._type_of(fragment.type_condition, parent),
                                            seen | {name})

    def _type_of(self, condition: Any, parent: GraphQLObjectType) -> GraphQLObjectType:
        if condition is None:
            return parent
        named = self.schema.get_type(condition.name.value)
        return named if isinstance(named, GraphQLObjectType) else parent

    def _selection(self, selection_set: SelectionSetNode | None, parent: GraphQLObjectType,
                   seen: frozenset[str]) -> int:
        if selection_set is None:
            return 0
        total = 0
        for node, owner in self._fields(selection_set, parent, seen):
            name = node.name.value
            definition = owner.fields.get(name)
            if name.startswith("__") or definition is None:
                continue
            named = get_named_type(definition.type)
            child = (self._selection(node.selection_set, named, seen)
                     + self.implied.get(named.name, 0)
                     if isinstance(named, GraphQLObjectType) else 0)
            total += 1 + self._multiplier(owner, name, definition, node) * child
        return total

    def _multiplier(self, owner: GraphQLObjectType, name: str, definition: GraphQLField,
                    node: FieldNode) -> int:
        if PAGE_ARGUMENT in definition.args:
            return max(1, self._page_size(definition, node))
        size = self.sizes.get(f"{owner.name}.{name}")
        if size is not None:
            return size
        return self.default_list_size if is_list_type(get_nullable_type(definition.type)) else 1

    def _page_size(self, definition: GraphQLField, node: FieldNode) -> int:
        value: Any = definition.args[PAGE_ARGUMENT].default_value
        for argument in node.arguments or ():
            if argument.name.value != PAGE_ARGUMENT:
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                variable = argument.value.name.value
                default = self.variable_defaults.get(variable)
                value = self.variables.get(variable, int(default.value)
                                           if isinstance(default, IntValueNode) else value)
        return value if isinstance(value, int) and not isinstance(value, bool) else 1


def query_cost(schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any],
               *, sizes: Mapping[str, int], default_list_size: int,
               implied: Mapping[str, int] | None = None) -> int:
    return _Estimator(schema, document, variables, sizes, default_list_size,
                      implied or {}).cost()


def cost_rule(variables: Mapping[str, Any], *, limit: int, sizes: Mapping[str, int],
              default_list_size: int,
              implied: Mapping[str, int] | None = None) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        uses_variables = True  # checked on every request (graphql_validation_cache)

        @staticmethod
        def errors_in(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
            cost = query_cost(schema, document, variables, sizes=sizes,
                              default_list_size=default_list_size, implied=implied)
            if cost <= limit:
                return []
            return [GraphQLError(
                f"the query is too expensive: estimated cost {cost}, limit {limit} "
                "(ask for smaller pages or fewer nested lists)", document,
                extensions={"code": "QUERY_TOO_COMPLEX", "reason": "cost", "cost": cost,
                            "limit": limit})]

        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            for error in self.errors_in(self.context.schema, node):
                self.report_error(error)

    return CostLimit


class QueryCostLimiter(SchemaExtension):
    def __init__(self, *, limit: int, sizes: Mapping[str, int], default_list_size: int = 10,
                 implied: Mapping[str, int] | None = None):
        self.limit, self.sizes, self.default_list_size = limit, sizes, default_list_size
        self.implied = implied

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        rule = cost_rule(context.variables or {}, limit=self.limit, sizes=self.sizes,
                         default_list_size=self.default_list_size, implied=self.implied)
        context.validation_rules = (*context.validation_rules, rule)
        yield
