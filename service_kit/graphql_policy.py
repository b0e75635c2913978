"""Enforce ``schema.policy`` on a strawberry schema: every field of every type, automatically.

A :class:`FieldPolicy` schema extension wraps every field resolution (graphql-core middleware):
a DENIED field raises :class:`~schema.errors.ForbiddenField` before its resolver runs (the
field comes back null, the error carries its path and ``extensions.code = FORBIDDEN_FIELD``);
a MASKED field is masked after it resolves; a field the table does not know is DENIED. In
strict mode (the context's ``strict``) a validation rule refuses the whole operation if it
selects any DENIED field, before anything executes.

The extension also notes, in the context's :class:`ReadLog`, which personal rows an audited
role read and every NIK looked up; the service writes that log (``ReadAudit`` at the node).

The context object must have ``principal``, ``strict`` and ``reads`` attributes. Node and
gateway both use this module with their own contexts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from inspect import isawaitable
from typing import Any, Protocol

from graphql import FieldNode, GraphQLError, GraphQLResolveInfo, ValidationRule
from strawberry.extensions import SchemaExtension

from schema.errors import ForbiddenField
from schema.masking import MaskKind, mask
from schema.policy import (
    FIELD_POLICY,
    NIK_LOOKUPS,
    PERSONAL_TYPES,
    Access,
    access,
    field_rule,
    role_policy,
)
from schema.roles import Principal, Role


@dataclass
class ReadLog:
    """What one operation read that must be audited."""

    entities: dict[tuple[str, str], None] = field(default_factory=dict)  # ordered set
    nik_lookups: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entities or self.nik_lookups)


class PolicyContext(Protocol):
    principal: Principal
    strict: bool
    reads: ReadLog


@cache
def unconditional_fields(role: Role) -> frozenset[tuple[str, str]]:
    """The fields ``role`` reads in full that note nothing (no personal type, no NIK lookup):
    nothing to decide when they resolve (a page of counts is mostly such fields)."""
    return frozenset(
        (type_name, field_name)
        for type_name, fields in FIELD_POLICY.items() if type_name not in PERSONAL_TYPES
        for field_name, rule in fields.items()
        if rule.for_role(role) is Access.FULL and (type_name, field_name) not in NIK_LOOKUPS)


def _is_meta(type_name: str, field_name: str) -> bool:
    return type_name.startswith("__") or field_name.startswith("__")


def denial(role: Role, type_name: str, field_name: str) -> ForbiddenField:
    return ForbiddenField(f"{type_name}.{field_name} is not available to role {role}",
                          field=f"{type_name}.{field_name}", role=role.value)


@cache
def strict_rule(role: Role) -> type[ValidationRule]:
    """A validation rule refusing any selection of a field DENIED to ``role`` (one class per
    role: the validation cache tells the roles' validations apart by it)."""

    class StrictFieldPolicy(ValidationRule):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = self.context.get_parent_type()
            name = node.name.value
            if parent is None or _is_meta(parent.name, name):
                return
            if access(role, parent.name, name) is Access.DENIED:
                error = denial(role, parent.name, name)
                self.report_error(GraphQLError(
                    f"{error.message} (strict mode: the operation is refused)", node,
                    extensions={**error.extensions(), "strict": True}))

    return StrictFieldPolicy


async def _masked_later(result: Awaitable[Any], kind: MaskKind) -> Any:
    return mask(kind, await result)


class FieldPolicy(SchemaExtension):
    def on_validate(self) -> Iterator[None]:
        context = self.execution_context.context
        if getattr(context, "strict", False):
            rules = self.execution_context.validation_rules
            self.execution_context.validation_rules = (*rules, strict_rule(context.principal.role))
        yield

    def resolve(self, _next: Callable[..., Any], root: Any, info: GraphQLResolveInfo,
                *args: Any, **kwargs: Any) -> Any:
        type_name, field_name = info.parent_type.name, info.field_name
        context: PolicyContext = info.context
        role = context.principal.role
        if (type_name, field_name) in unconditional_fields(role) or _is_meta(type_name,
                                                                             field_name):
            return _next(root, info, *args, **kwargs)
        granted = access(role, type_name, field_name)
        if granted is Access.DENIED:
            raise denial(role, type_name, field_name)
        note_read(context, type_name, field_name, root, kwargs)
        result = _next(root, info, *args, **kwargs)
        if granted is Access.MASKED:
            kind = field_rule(type_name, field_name).mask
            assert kind is not None, f"{type_name}.{field_name} is MASKED without a mask kind"
            return _masked_later(result, kind) if isawaitable(result) else mask(kind, result)
        return result


def note_read(context: PolicyContext, type_name: str, field_name: str, root: Any,
              arguments: dict[str, Any]) -> None:
    """Note in ``context.reads`` what resolving ``type_name.field_name`` on ``root`` reads
    (a NIK looked up; the personal row ``root`` for a role whose reads are audited)."""
    lookup = NIK_LOOKUPS.get((type_name, field_name))
    looked_up = arguments.get(lookup) if lookup is not None else None
    if isinstance(looked_up, str):
        context.reads.nik_lookups.append(looked_up)
    elif isinstance(looked_up, list):  # a batch (crossCheck): every NIK in it
        context.reads.nik_lookups.extend(n for n in looked_up if isinstance(n, str))
    entity = PERSONAL_TYPES.get(type_name)
    policy = role_policy(context.principal.role)
    if entity is not None and policy is not None and policy.audited_reads:
        entity_id = getattr(root, "id", None)
        if entity_id is not None:
            context.reads.entities[(entity, str(entity_id))] = None
