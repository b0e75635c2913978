"""The gateway's pass-through path: below a root field, complete the objects built from node
answers without graphql-core's per-field machinery (docs/gateway.md, "Pass-through path").

graphql-core resolves every field of every object of a page through a resolve info, the
policy middleware (``service_kit.graphql_policy.FieldPolicy``) and strawberry's resolver
wrapper; for a page of 50 households with their members that is ~20,000 calls for values that
are attributes of objects built from the node's JSON. :class:`PassThroughExecutor` takes over
at the first object whose type is *pass-through* and walks the selection itself:

* which fields: graphql-core's own ``collect_subfields`` (fragments, aliases, ``@skip`` /
  ``@include``, variables), memoized per selection, with arguments coerced once per request;
* the policy, with the same table and helpers as ``FieldPolicy``: DENIED raises the same
  ``ForbiddenField`` (null + FORBIDDEN_FIELD error at the field's path), MASKED is masked,
  and the reads to audit are noted in the same order;
* values: the field's attribute, or its resolver called as strawberry would (``self`` and
  scalar arguments);
* completion as graphql-core's ``complete_value``: non-null checks, lists, leaf coercion by
  the same ``coerce_output_value``, errors through the same ``handle_field_error``; each
  selected field's completion is composed once per operation from its type (a closure per
  wrapper: non-null, list, leaf, object), not re-derived from the type at every value.

A type is pass-through when every field of it is an attribute or a synchronous resolver
taking nothing but ``self`` and scalar arguments, and every object type below it is
pass-through too (computed from the schema, see :func:`pass_through_types`). Anything else
(the root query, whose resolvers call the nodes; a resolver wanting ``info``; an abstract
type), and any operation executed with middleware other than exactly one ``FieldPolicy``,
takes graphql-core's full path.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLField,
    GraphQLID,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    get_named_type,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, is_iterable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from schema.masking import MaskKind, mask
from schema.policy import NIK_LOOKUPS, PERSONAL_TYPES, Access, access, field_rule, role_policy
from service_kit.graphql_policy import FieldPolicy, denial, note_read

BACKREF = "strawberry-definition"  # where strawberry keeps its definition on graphql-core's
Getter = Callable[[Any, Mapping[str, Any]], Any]
Completer = Callable[[Any, Path | None], Any]  # (value, its path) -> the completed value
SCALAR_ARGUMENTS = (bool, int, float, str)


@dataclass(frozen=True, slots=True)
class StaticField:
    """How to read one field of a pass-through type."""

    get: Getter
    arguments: Mapping[str, str]  # GraphQL argument name -> Python parameter name
    attribute: Callable[[Any], Any] | None = None  # a plain attribute: read it directly


def _static_field(definition: GraphQLField) -> StaticField | None:
    """None when the field needs more than an attribute or a plain resolver call."""
    field = definition.extensions.get(BACKREF)
    if not isinstance(field, StrawberryField) or field.extensions or field.is_async:
        return None
    resolver = field.base_resolver
    if resolver is None:
        if field.default_resolver is not getattr:
            return None
        attribute = attrgetter(field.python_name)
        return StaticField(lambda source, _: attribute(source), {}, attribute)
    if resolver.info_parameter or resolver.root_parameter or resolver.parent_parameter:
        return None
    names: dict[str, str] = {}
    for name, argument in definition.args.items():
        strawberry_argument = argument.extensions.get(BACKREF)
        if strawberry_argument is None or strawberry_argument.type not in SCALAR_ARGUMENTS:
            return None
        names[name] = strawberry_argument.python_name
    function: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]
    if resolver.self_parameter is not None:
        return StaticField(lambda source, kwargs: function(source, **kwargs), names)
    return StaticField(lambda _, kwargs: function(**kwargs), names)


def _candidates(schema: GraphQLSchema) -> dict[str, dict[str, StaticField]]:
    roots = {schema.query_type, schema.mutation_type, schema.subscription_type}
    found: dict[str, dict[str, StaticField]] = {}
    for name, graphql_type in schema.type_map.items():
        if (name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType)
                or graphql_type in roots or graphql_type.is_type_of is not None
                or graphql_type.interfaces):
            continue
        fields = {n: _static_field(d) for n, d in graphql_type.fields.items()}
        if all(f is not None for f in fields.values()):
            found[name] = {n: f for n, f in fields.items() if f is not None}
    return found


_TYPES: weakref.WeakKeyDictionary[GraphQLSchema, dict[str, dict[str, StaticField]]] = (
    weakref.WeakKeyDictionary())


def pass_through_types(schema: GraphQLSchema) -> dict[str, dict[str, StaticField]]:
    """The pass-through object types of ``schema`` and how to read their fields."""
    cached = _TYPES.get(schema)
    if cached is not None:
        return cached
    types = _candidates(schema)
    changed = True
    while changed:  # drop types reaching any object type that is not pass-through
        changed = False
        for name in list(types):
            graphql_type = schema.type_map[name]
            assert isinstance(graphql_type, GraphQLObjectType)
            if any(not is_leaf_type(child) and child.name not in types
                   for child in (get_named_type(d.type) for d in graphql_type.fields.values())):
                del types[name]
                changed = True
    _TYPES[schema] = types
    return types


@dataclass(slots=True)
class _Field:
    """One selected field of one type, compiled once per operation."""

    key: str  # the response key (alias or name)
    name: str
    details: Any  # graphql-core's FieldDetailsList
    type: GraphQLOutputType
    get: Getter
    arguments: dict[str, Any]  # coerced, by GraphQL name (what FieldPolicy is given)
    kwargs: Mapping[str, Any]  # the same, by Python name (what the resolver is given)
    attribute: Callable[[Any], Any] | None  # the field is this attribute (no arguments)
    complete: Completer
    error: Exception | None  # its arguments could not be coerced
    denied: bool
    mask: MaskKind | None
    nik_lookup: bool
    needs_path: bool  # a list or an object: its children need the path


@dataclass(slots=True)
class _Plan:
    fields: list[_Field | str]  # a str: the response key of __typename
    audited: bool  # a personal type read by a role whose reads are audited
    entity: str | None  # what its reads are audited as (PERSONAL_TYPES), when audited


class PassThroughExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with pass-through objects completed by :meth:`_object`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, int], tuple[Any, _Plan]] = {}
        middlewares = self.middleware_manager.middlewares if self.middleware_manager else ()
        usable = (len(middlewares) == 1 and isinstance(middlewares[0], FieldPolicy)
                  and hasattr(self.context_value, "principal")
                  and hasattr(self.context_value, "reads"))
        self._types = pass_through_types(self.schema) if usable else {}

    def complete_object_value(self, return_type: GraphQLObjectType, field_details_list: Any,
                              info: Any, path: Path, result: Any, position_context: Any
                              ) -> Any:
        if return_type.name not in self._types:
            return super().complete_object_value(return_type, field_details_list, info, path,
                                                 result, position_context)
        return self._object(return_type, self._plan(return_type, field_details_list), path,
                            result)

    def _plan(self, parent: GraphQLObjectType, details: Any) -> _Plan:
        key = (parent.name, id(details))
        cached = self._plans.get(key)
        if cached is not None:
            return cached[1]
        role = self.context_value.principal.role
        statics = self._types[parent.name]
        fields: list[_Field | str] = []
        grouped = self.collect_subfields(parent, details)[0]
        for response_key, field_details in grouped.items():
            node = field_details[0].node
            name = node.name.value
            if name == "__typename":
                fields.append(response_key)
                continue
            definition = self.schema.get_field(parent, name)
            if definition is None:
                continue
            static = statics[name]
            arguments: dict[str, Any] = {}
            error: Exception | None = None
            if definition.args or node.arguments:
                try:
                    arguments = get_argument_values(definition, node, self.variable_values,
                                                    field_details[0].fragment_variable_values,
                                                    self.hide_suggestions)
                except Exception as exc:  # raised at each object, as graphql-core does
                    error = exc
            granted = access(role, parent.name, name)
            kind = field_rule(parent.name, name).mask if granted is Access.MASKED else None
            if granted is Access.MASKED:
                assert kind is not None, f"{parent.name}.{name} is MASKED without a mask kind"
            fields.append(_Field(
                response_key, name, field_details, definition.type, static.get, arguments,
                {static.arguments[n]: v for n, v in arguments.items()}, static.attribute,
                self._completer(definition.type, f"{parent.name}.{name}", field_details),
                error,
                granted is Access.DENIED, kind, (parent.name, name) in NIK_LOOKUPS,
                not is_leaf_type(get_named_type(definition.type))
                or _is_list(definition.type)))
        policy = role_policy(role)
        audited = (parent.name in PERSONAL_TYPES and policy is not None
                   and policy.audited_reads)
        plan = _Plan(fields, audited, PERSONAL_TYPES[parent.name] if audited else None)
        self._plans[key] = (details, plan)  # keeps details alive: its id stays unique
        return plan

    def _object(self, parent: GraphQLObjectType, plan: _Plan, path: Path, source: Any
                ) -> dict[str, Any]:
        context = self.context_value
        type_name = parent.name
        completed: dict[str, Any] = {}
        entity_pending = plan.audited  # noted at its first field resolved, as FieldPolicy
        for field in plan.fields:
            if isinstance(field, str):
                completed[field] = type_name
                continue
            field_path = Path(path, field.key, type_name) if field.needs_path else None
            try:
                if field.error is not None:
                    raise field.error
                if field.denied:
                    raise denial(context.principal.role, type_name, field.name)
                if field.nik_lookup:
                    note_read(context, type_name, field.name, source, field.arguments)
                    entity_pending = False
                elif entity_pending:  # note_read's own entity step, for a field that looks
                    entity_id = getattr(source, "id", None)  # up no NIK
                    if entity_id is not None:
                        context.reads.entities[(plan.entity, str(entity_id))] = None
                    entity_pending = False
                value = (field.attribute(source) if field.attribute is not None
                         else field.get(source, field.kwargs))
                if field.mask is not None:
                    value = mask(field.mask, value)
                completed[field.key] = field.complete(value, field_path)
            except Exception as raw_error:
                self.handle_field_error(raw_error, field.type, field.details,
                                        field_path or Path(path, field.key, type_name))
                completed[field.key] = None
        return completed

    def _completer(self, return_type: GraphQLOutputType, owner: str, details: Any
                   ) -> Completer:
        """graphql-core's ``complete_value`` for values of ``return_type`` (of the field
        ``owner``, ``Type.field``), as one closure per wrapper; the path given is the
        field's or list item's (None for a leaf field)."""
        if isinstance(return_type, GraphQLNonNull):
            return _non_null(self._completer(return_type.of_type, owner, details),
                             f"Cannot return null for non-nullable field {owner}.")
        if isinstance(return_type, GraphQLList):
            return self._list_completer(return_type.of_type, owner, details)
        if is_leaf_type(return_type):
            return _leaf(return_type, self.complete_leaf_value)
        assert isinstance(return_type, GraphQLObjectType)  # pass-through by construction
        complete_object, plan_of = self._object, self._plan
        plans: list[_Plan] = []  # its plan, made at the first value (types may recur)

        def complete_object_value(value: Any, path: Path | None) -> Any:
            if isinstance(value, Exception):
                raise value
            if value is None or value is Undefined:
                return None
            assert path is not None
            if not plans:
                plans.append(plan_of(return_type, details))
            return complete_object(return_type, plans[0], path, value)

        return complete_object_value

    def _list_completer(self, item_type: GraphQLOutputType, owner: str, details: Any
                        ) -> Completer:
        complete_item = self._completer(item_type, owner, details)
        handle_field_error = self.handle_field_error
        message = f"Expected Iterable, but did not find one for field '{owner}'."

        def complete_list(value: Any, path: Path | None) -> Any:
            if isinstance(value, Exception):
                raise value
            if value is None or value is Undefined:
                return None
            if not is_iterable(value):
                raise GraphQLError(message)
            assert path is not None
            items = []
            for index, item in enumerate(value):
                item_path = path.add_key(index, None)
                try:
                    items.append(complete_item(item, item_path))
                except Exception as raw_error:
                    handle_field_error(raw_error, item_type, details, item_path)
                    items.append(None)
            return items

        return complete_list


def _non_null(complete_inner: Completer, message: str) -> Completer:
    def complete_non_null(value: Any, path: Path | None) -> Any:
        completed = complete_inner(value, path)
        if completed is None:
            raise TypeError(message)
        return completed

    return complete_non_null


def _leaf(return_type: Any, complete_leaf_value: Callable[[Any, Any], Any]) -> Completer:
    """A scalar or enum: ``coerce_output_value``, or graphql-core's own
    ``complete_leaf_value`` (its error) when that gives nothing. A text for String or ID is
    what their coercion returns, the text itself."""
    coerce = return_type.coerce_output_value
    texts = return_type is GraphQLString or return_type is GraphQLID

    def complete_leaf(value: Any, _: Path | None) -> Any:
        if value.__class__ is str and texts:
            return value
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            return None
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            return complete_leaf_value(return_type, value)  # raises its TypeError
        return coerced

    return complete_leaf


def _is_list(graphql_type: GraphQLOutputType) -> bool:
    if isinstance(graphql_type, GraphQLNonNull):
        graphql_type = graphql_type.of_type
    return isinstance(graphql_type, GraphQLList)
