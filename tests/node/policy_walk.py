"""Queries generated from the schema and the policy table, for the matrix and fuzz tests.

For a role, :func:`reach` finds the shortest chain of fields the role may use from ``Query``
to every object type (with the arguments in ``ARGUMENTS``); :func:`probe` selects every field
of a type at the end of such a chain. :func:`check_response` walks any response along its
query and reports every field whose value breaks the policy.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    is_required_argument,
    parse,
)

from schema.policy import Access, access, field_rule
from schema.roles import Role

MASKED_NUMBER = re.compile(r"^\d{4}\*+\d{4}$")
MASKED_NAME = re.compile(r"^[^\s*]{1,3}\**( [^\s*]{1,3}\**)*$")


@dataclass(frozen=True, slots=True)
class Hop:
    parent: str
    field: str
    arguments: str  # "(id: $hid)" or ""
    is_list: bool


def _object_fields(schema: GraphQLSchema, type_name: str) -> dict[str, Any]:
    named = schema.get_type(type_name)
    assert isinstance(named, GraphQLObjectType)
    return dict(named.fields)


def reach(schema: GraphQLSchema, role: Role, arguments: Mapping[str, str]
          ) -> dict[str, list[Hop]]:
    """Shortest allowed chain of hops from Query to each object type, for ``role``."""
    paths: dict[str, list[Hop]] = {"Query": []}
    queue = deque(["Query"])
    while queue:
        type_name = queue.popleft()
        for name, definition in _object_fields(schema, type_name).items():
            target = get_named_type(definition.type)
            key = f"{type_name}.{name}"
            required = [a for a, arg in definition.args.items() if is_required_argument(arg)]
            if (not isinstance(target, GraphQLObjectType) or target.name in paths
                    or (required and key not in arguments)
                    or access(role, type_name, name) is Access.DENIED):
                continue
            hop = Hop(type_name, name, arguments.get(key, ""),
                      is_list_type(get_nullable_type(definition.type)))
            paths[target.name] = [*paths[type_name], hop]
            queue.append(target.name)
    return paths


def operation(body: str, variables: Mapping[str, str]) -> str:
    """``query($x: T) { body }`` declaring only the variables ``body`` uses."""
    used = [f"${name}: {kind}" for name, kind in variables.items() if f"${name}" in body]
    return f"query{'(' + ', '.join(used) + ')' if used else ''} {{ {body} }}"


def probe(schema: GraphQLSchema, path: list[Hop], type_name: str,
          variables: Mapping[str, str]) -> tuple[str, list[str | int]]:
    """A query selecting every field of ``type_name`` at the end of ``path``, and the
    response path of that object (lists: their first element)."""
    selection = []
    for name, definition in _object_fields(schema, type_name).items():
        target = get_named_type(definition.type)
        arguments = ""
        if f"{type_name}.{name}" == "Household.programs":
            arguments = "(activeOnly: false)"
        selection.append(f"{name}{arguments} {{ __typename }}"
                         if isinstance(target, GraphQLObjectType) else name)
    body = " ".join(selection)
    response_path: list[str | int] = []
    for hop in reversed(path):
        body = f"{hop.field}{hop.arguments} {{ {body} }}"
    for hop in path:
        response_path.append(hop.field)
        if hop.is_list:
            response_path.append(0)
    return operation(body, variables), response_path


def at(data: Any, path: list[str | int]) -> Any:
    for key in path:
        if data is None:
            return None
        if isinstance(key, int) and (not isinstance(data, list) or len(data) <= key):
            return None
        data = data[key]
    return data


def forbidden_paths(body: Mapping[str, Any]) -> set[tuple[str | int, ...]]:
    return {tuple(e.get("path") or ()) for e in body.get("errors", [])
            if e.get("extensions", {}).get("code") == "FORBIDDEN_FIELD"}


def check_response(schema: GraphQLSchema, role: Role, query: str, body: Mapping[str, Any]
                   ) -> list[str]:
    """Every place where ``body`` (the answer to ``query`` for ``role``) breaks the policy:
    a DENIED field with a value, a MASKED field with an unmasked value."""
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}
    problems: list[str] = []

    def walk(selection_set: SelectionSetNode, parent: GraphQLObjectType, data: Any,
             where: str) -> None:
        if not isinstance(data, dict):
            return
        for node in _fields(selection_set, fragments):
            name = node.name.value
            if name.startswith("__") or name not in parent.fields:
                continue
            key = node.alias.value if node.alias else name
            value = data.get(key)
            granted = access(role, parent.name, name)
            if granted is Access.DENIED and value is not None:
                problems.append(f"{where}{key}: {parent.name}.{name} is DENIED but has a value")
            elif granted is Access.MASKED and value is not None:
                pattern = (MASKED_NUMBER if field_rule(parent.name, name).mask == "NUMBER"
                           else MASKED_NAME)
                if not isinstance(value, str) or not pattern.match(value):
                    problems.append(f"{where}{key}: {parent.name}.{name} is not masked: {value}")
            target = get_named_type(parent.fields[name].type)
            if isinstance(target, GraphQLObjectType) and node.selection_set is not None:
                for item in value if isinstance(value, list) else [value]:
                    walk(node.selection_set, target, item, f"{where}{key}.")

    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.query_type if definition.operation.value == "query" else None
            if root is not None:
                walk(definition.selection_set, root, body.get("data"), "")
    return problems


def _fields(selection_set: SelectionSetNode,
            fragments: Mapping[str, FragmentDefinitionNode]) -> list[FieldNode]:
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found += _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            found += _fields(fragments[selection.name.value].selection_set, fragments)
    return found
