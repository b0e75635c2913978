"""The exhaustive matrix: every role × where the row lies relative to the role's scope × every
field of every type the registry serves, at a real node over HTTP with real tokens. The
expected outcome of each field is read from ``schema.policy`` (never written here):

* FULL: the value Dinas Sosial of the kab/kota sees (FULL on everything);
* MASKED: that value through the field's mask;
* DENIED: null, and a FORBIDDEN_FIELD error at that path;
* row out of scope: absent from lists, OUT_OF_REGION when asked for explicitly.

Positions: OWN (the principal's scope is the row's region at the role's level), PARENT (its
scope is the parent of that: a province-level Dinsos, a kab/kota-level pendamping), SIBLING
(another region under the same parent) and OTHER (another province). National roles and the
public have no region, so they see the row from everywhere.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from regional_node.entrypoints.graphql.schema import build_schema
from schema.enums import Program
from schema.masking import mask
from schema.policy import ROLE_POLICIES, ROLES, Access, RowScope, access, field_rule
from schema.regions import RegionLevel, regions
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import DINSOS_BANDUNG, gql, store
from tests.node.policy_walk import at, check_response, operation, probe, reach

DESA = "32.73.01.1001"
HEAD = "Siti Aminah"
ARGUMENTS = {
    "Query.households": f'(first: 5, filter: {{region: "{DESA}", name: "Siti"}})',
    "Query.household": "(id: $hid)",
    "Query.person": "(nik: $nik)",
    "Query.householdCounts": "(groupBy: [KECAMATAN, DESA, STATUS, PROGRAM, DESIL])",
}
VARIABLES = {"hid": "ID!", "nik": "String!"}
# Types of the registry the matrix must reach; proposal types (issue 3) need a proposal
# fixture and are covered by their own tests until the matrix grows one.
REGISTRY_TYPES = {"Query", "NodeInfo", "HouseholdConnection", "HouseholdEdge", "PageInfo",
                  "Household", "Housing", "Member", "ProgramMembership", "HouseholdCount"}


class Position(StrEnum):
    OWN = "OWN"
    PARENT = "PARENT"
    SIBLING = "SIBLING"
    OTHER = "OTHER"


def _sibling(code: str) -> str:
    parent = code.rsplit(".", 1)[0]
    return next(r.code for r in regions().children(parent) if r.code != code)


def _other_province(level: RegionLevel) -> str:
    return next(regions().descendants("35", level)).code if level is not RegionLevel.PROVINSI \
        else "35"


OWN_SCOPE = {Role.OPERATOR_DESA: DESA, Role.PENDAMPING: DESA.rsplit(".", 1)[0],
             Role.DINSOS: "32.73"}


def principal_at(role: Role, position: Position) -> Principal | None:
    """The principal for ``role`` at ``position``; None for PUBLIC (no token at all)."""
    if role is Role.PUBLIC:
        return None
    own = OWN_SCOPE.get(role)
    if own is None:
        return Principal(f"user:{role.value.lower()}", role)
    level = regions().require(own).level
    scope = {Position.OWN: own, Position.PARENT: own.rsplit(".", 1)[0],
             Position.SIBLING: _sibling(own), Position.OTHER: _other_province(level)}[position]
    return Principal(f"user:{role.value.lower()}-{position.value.lower()}", role, scope)


def visible(role: Role, position: Position) -> bool:
    rows = ROLE_POLICIES[role].rows
    if rows in (RowScope.NATIONAL, RowScope.PUBLIC_SEARCH):
        return True
    return position in (Position.OWN, Position.PARENT)


async def _fixture(node_database: Any) -> tuple[str, str]:
    record = factories.household(DESA, members=3, head_name=HEAD, programs=(Program.PKH,))
    [household_id] = await store(node_database, [record])
    return str(household_id), record.members[0].nik


def _expected(role: Role, type_name: str, field: str, reference: Any) -> Any:
    granted = access(role, type_name, field)
    if granted is Access.DENIED:
        return None
    if granted is Access.MASKED:
        kind = field_rule(type_name, field).mask
        assert kind is not None
        return mask(kind, reference)
    return reference


def test_the_matrix_covers_every_registry_type() -> None:
    schema = build_schema()._schema
    reference = reach(schema, DINSOS_BANDUNG.role, ARGUMENTS)
    assert set(reference) >= REGISTRY_TYPES, REGISTRY_TYPES - set(reference)
    for type_name in REGISTRY_TYPES - {"Query"}:
        for field in schema.get_type(type_name).fields:  # type: ignore[union-attr]
            assert access(DINSOS_BANDUNG.role, type_name, field) is Access.FULL, (
                f"the reference role must be FULL on {type_name}.{field}")


@pytest.mark.parametrize("position", list(Position))
@pytest.mark.parametrize("role", ROLES)
async def test_policy_matrix(node_client: Any, node_database: Any, role: Role,
                             position: Position) -> None:
    household_id, nik = await _fixture(node_database)
    principal = principal_at(role, position)
    schema = build_schema()._schema
    ids = {"hid": household_id, "nik": nik}
    paths = reach(schema, role, ARGUMENTS)
    reference_paths = reach(schema, DINSOS_BANDUNG.role, ARGUMENTS)
    problems: list[str] = []

    if not visible(role, position):
        await _assert_invisible(node_client, principal, role, ids, problems)
        assert problems == [], "\n".join(problems)
        return

    for type_name in sorted(REGISTRY_TYPES - {"Query"}):
        if type_name not in paths:
            # no allowed chain leads there: every way in is DENIED, which the Query row and
            # the fields on the way already prove field by field
            continue
        query, where = probe(schema, paths[type_name], type_name, VARIABLES)
        body = await gql(node_client, query, principal=principal, **ids)
        reference_query, reference_where = probe(schema, reference_paths[type_name], type_name,
                                                 VARIABLES)
        reference_body = await gql(node_client, reference_query, **ids)
        assert "errors" not in reference_body, reference_body
        got, reference = at(body.get("data"), where), at(reference_body["data"], reference_where)
        if not isinstance(got, dict):
            problems.append(f"{type_name}: nothing at {where}: {body}")
            continue
        denied = {path for path in _forbidden(body)}
        for field in schema.get_type(type_name).fields:  # type: ignore[union-attr]
            expected = _expected(role, type_name, field, reference[field])
            if got.get(field) != expected:
                problems.append(f"{type_name}.{field}: got {got.get(field)!r}, policy says "
                                f"{access(role, type_name, field)} → {expected!r}")
            is_denied = access(role, type_name, field) is Access.DENIED
            if is_denied != (tuple([*where, field]) in denied):
                problems.append(f"{type_name}.{field}: FORBIDDEN_FIELD error "
                                f"{'missing' if is_denied else 'unexpected'} at {where}")
        problems += check_response(schema, role, query, body)
    for field in schema.query_type.fields:
        if f"Query.{field}" in ARGUMENTS or field == "node":
            await _check_root(node_client, principal, role, field, ids, problems)
    assert problems == [], "\n".join(problems)


def _forbidden(body: dict[str, Any]) -> set[tuple[Any, ...]]:
    return {tuple(e["path"]) for e in body.get("errors", [])
            if e.get("extensions", {}).get("code") == "FORBIDDEN_FIELD"}


async def _check_root(client: Any, principal: Principal | None, role: Role, field: str,
                      ids: dict[str, str], problems: list[str]) -> None:
    query = operation(f"{field}{ARGUMENTS.get(f'Query.{field}', '')} {{ __typename }}", VARIABLES)
    body = await gql(client, query, principal=principal, **ids)
    denied = (field,) in _forbidden(body)
    if (access(role, "Query", field) is Access.DENIED) != denied:
        problems.append(f"Query.{field}: policy {access(role, 'Query', field)}, response {body}")


async def _assert_invisible(client: Any, principal: Principal | None, role: Role,
                            ids: dict[str, str], problems: list[str]) -> None:
    listing = await gql(client, "{ households(first: 50) { edges { node { __typename } } } }",
                        principal=principal)
    if access(role, "Query", "households") is not Access.DENIED:
        edges = (listing.get("data") or {}).get("households", {}).get("edges")
        if edges != []:
            problems.append(f"households lists a row out of scope: {listing}")
    counts = await gql(client, "{ householdCounts(groupBy: []) { households } }",
                       principal=principal)
    if counts.get("data", {}).get("householdCounts") not in ([], [{"households": 0}]):
        problems.append(f"householdCounts counts rows out of scope: {counts}")
    for field, arguments in (("household", "(id: $hid)"), ("person", "(nik: $nik)")):
        body = await gql(client, operation(f"{field}{arguments} {{ __typename }}", VARIABLES),
                         principal=principal, **ids)
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
        expected = ("FORBIDDEN_FIELD" if access(role, "Query", field) is Access.DENIED
                    else "OUT_OF_REGION")
        if codes != [expected] or (body.get("data") or {}).get(field) is not None:
            problems.append(f"{field}: expected {expected} for a row out of scope: {body}")
