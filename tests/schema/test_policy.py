"""The policy table: complete for the node's and the gateway's schemas, consistent, and
printed in the docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLObjectType, get_named_type, get_nullable_type, is_non_null_type

from gateway.entrypoints.graphql.schema import build_schema as build_gateway_schema
from regional_node.entrypoints.graphql.schema import build_schema
from schema.masking import mask_name
from schema.policy import (
    FIELD_POLICY,
    NIK_LOOKUPS,
    PERSONAL_TYPES,
    ROLE_POLICIES,
    ROLES,
    Access,
    access,
)
from schema.policy_doc import markdown, section_of
from schema.roles import Principal, Role
from schema.scope import memberships_in_scope
from service_kit.graphql_policy import unconditional_fields

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def _object_types(side: str = "node") -> dict[str, GraphQLObjectType]:
    schema = (build_schema() if side == "node" else build_gateway_schema())._schema
    return {name: t for name, t in schema.type_map.items()
            if isinstance(t, GraphQLObjectType) and not name.startswith("__")}


SIDES = ["node", "gateway"]


@pytest.mark.parametrize("side", SIDES)
def test_every_field_of_every_type_has_a_policy_entry(side: str) -> None:
    missing = [f"{name}.{field}" for name, t in _object_types(side).items()
               for field in t.fields if field not in FIELD_POLICY.get(name, {})]
    assert missing == [], f"add these to schema.policy.FIELD_POLICY: {missing}"


def test_no_policy_entry_names_a_field_that_does_not_exist() -> None:
    node, gateway = _object_types("node"), _object_types("gateway")
    stale = [f"{name}.{field}" for name, fields in FIELD_POLICY.items()
             if name in node or name in gateway for field in fields
             if field not in (node[name].fields if name in node else {})
             and field not in (gateway[name].fields if name in gateway else {})]
    assert stale == []


def _reachable(role: Role, side: str = "node") -> set[str]:
    """The types ``role`` can reach from the roots through fields it is not denied."""
    types = _object_types(side)
    seen, todo = {"Query", "Mutation"} & set(types), ["Query", "Mutation"]
    while todo:
        current = types.get(todo.pop())
        for field, definition in (current.fields.items() if current else ()):
            target = get_named_type(definition.type)
            if (isinstance(target, GraphQLObjectType) and target.name not in seen
                    and access(role, current.name, field) is not Access.DENIED):  # type: ignore[union-attr]
                seen.add(target.name)
                todo.append(target.name)
    return seen


@pytest.mark.parametrize("side", SIDES)
def test_a_field_that_can_be_denied_is_nullable(side: str) -> None:
    """Where a role can reach a type and is denied one of its fields, that field must be
    nullable: otherwise the denial would null its parent (or the whole answer)."""
    types = _object_types(side)
    strict = sorted({f"{name}.{field} (denied to {role})" for role in ROLES
                     for name in _reachable(role, side) - {"Mutation"}
                     for field, definition in types[name].fields.items()
                     if is_non_null_type(definition.type)
                     and access(role, name, field) is Access.DENIED})
    assert strict == []


@pytest.mark.parametrize("side", SIDES)
def test_masks_only_strings_and_name_their_kind(side: str) -> None:
    types = _object_types(side)
    for name, fields in FIELD_POLICY.items():
        for field, rule in fields.items():
            assert len(rule.access) == len(ROLES)
            assert Access.FULL in rule.access, f"{name}.{field} is FULL for nobody"
            if Access.MASKED in rule.access:
                assert name != "Mutation", "a mutation is FULL or DENIED"
                assert rule.mask is not None, f"{name}.{field} is MASKED without a mask kind"
                if name in types:
                    kind = get_nullable_type(types[name].fields[field].type)
                    assert str(kind) == "String", f"{name}.{field} masks a {kind}"


def test_every_person_role_has_a_row_rule() -> None:
    assert set(ROLE_POLICIES) == set(ROLES)


def test_masking_examples() -> None:
    from schema.identity_numbers import mask_number

    assert mask_number("3273012345670002") == "3273********0002"
    assert mask_name("Siti Aminah") == "SIT* AMI***"
    assert mask_name("Ali") == "AL*" and mask_name("I") == "I"


def test_the_security_page_prints_the_current_table() -> None:
    assert section_of(DOC.read_text("utf-8")) == markdown(), (
        "docs/security.md is stale: replace its policy section with "
        "`python -m schema.policy --markdown`")


@pytest.mark.parametrize(("role", "programs", "seen"), [
    (Role.MITRA, ("PKH",), ["PKH"]),
    (Role.MITRA, (), []),  # a partner whose token names no program sees none: fails closed
    (Role.KEMENSOS, (), ["PKH", "BPNT", None]),
    (Role.PUBLIC, (), ["PKH", "BPNT", None]),
])
def test_program_scope_of_each_role(role: Role, programs: tuple[str, ...],
                                    seen: list[str | None]) -> None:
    principal = Principal("user:t", role, programs=programs)
    assert memberships_in_scope(principal, ["PKH", "BPNT", None], lambda p: p) == seen


@pytest.mark.parametrize("role", [*ROLES, Role.SYSTEM])
def test_fields_resolved_without_a_decision_are_exactly_the_full_unaudited_ones(
        role: Role) -> None:
    free = unconditional_fields(role)
    for type_name, fields in FIELD_POLICY.items():
        for field_name in fields:
            expected = (access(role, type_name, field_name) is Access.FULL
                        and type_name not in PERSONAL_TYPES
                        and (type_name, field_name) not in NIK_LOOKUPS)
            assert ((type_name, field_name) in free) is expected, (role, type_name, field_name)
    assert ("Member", "name") not in free and ("Query", "person") not in free
    if role is Role.SYSTEM:
        assert not free  # no role the table knows: every field is decided (and denied)
    else:
        assert ("HouseholdCount", "households") in free


def test_small_cells_are_withheld_from_the_roles_that_may_not_read_a_household() -> None:
    """DESIGN.md: "every aggregate a non-staff role can see suppresses small cells" — the
    roles that may not read a household row are the ones whose counts withhold them."""
    for role in ROLES:
        assert ROLE_POLICIES[role].small_cells_withheld is (
            access(role, "Query", "household") is Access.DENIED), role


def test_every_filter_and_count_key_names_a_field_of_the_table() -> None:
    from schema.policy import COUNT_FILTERS, COUNT_KEYS, LIST_FILTERS

    for type_name, field in LIST_FILTERS.values():
        assert field in FIELD_POLICY[type_name]
    assert set(COUNT_KEYS.values()) <= set(FIELD_POLICY["HouseholdCount"])
    assert set(COUNT_FILTERS.values()) <= set(COUNT_KEYS)


@pytest.mark.parametrize(("written", "key"), [
    ("Siti Aminah", "sitiaminah"), ("  SITI   aminah ", "sitiaminah"),
    ("Moh. Ma'ruf, S.Pd", "mohmarufspd"), ("siti-aminah", "sitiaminah"),
])
def test_the_public_search_compares_names_without_case_spaces_or_punctuation(
        written: str, key: str) -> None:
    from schema.scope import name_key

    assert name_key(written) == key
