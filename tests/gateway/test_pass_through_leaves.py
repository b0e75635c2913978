"""Scalar and enum fields completed on the pass-through path answer exactly what graphql-core's
full path answers, errors included: a null for a non-null field, a value the scalar or enum
cannot serialize, and plain values."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest
import strawberry

from gateway.entrypoints.graphql.pass_through import PassThroughExecutor
from schema.roles import Principal, Role
from service_kit.graphql_policy import FieldPolicy, ReadLog


@strawberry.enum(name="HouseholdStatus")
class Status(Enum):
    ACTIVE = "ACTIVE"


@strawberry.type(name="Household")
class Household:
    id: strawberry.ID | None
    status: Status
    desil: int | None
    kk_number: str | None


ROWS: dict[str, list[Household]] = {
    "fine": [Household(id=strawberry.ID("32.73:1"), status=Status.ACTIVE, desil=3,
                       kk_number="3273010101150001")],
    "null for non-null": [Household(id=None, status=None, desil=None,  # type: ignore[arg-type]
                                    kk_number=None)],
    "not an int": [Household(id=strawberry.ID("32.73:2"), status=Status.ACTIVE,
                             desil="three", kk_number="x")],  # type: ignore[arg-type]
    "not in the enum": [Household(id=strawberry.ID("32.73:3"),
                                  status="GONE", desil=1, kk_number="y")],  # type: ignore[arg-type]
}


@strawberry.type
class Query:
    @strawberry.field
    def households(self, case: str) -> list[Household | None]:
        return list(ROWS[case])


@dataclass
class Context:
    principal: Principal = field(default_factory=lambda: Principal("user:k", Role.KEMENSOS))
    strict: bool = False
    reads: ReadLog = field(default_factory=ReadLog)


def _answer(schema: strawberry.Schema, case: str) -> tuple[Any, list[Any]]:
    result = schema.execute_sync(
        "query($case: String!) { households(case: $case) { id status desil kk: kkNumber } }",
        variable_values={"case": case}, context_value=Context())
    return result.data, [(e.message, e.path) for e in result.errors or []]


@pytest.mark.parametrize("case", sorted(ROWS))
def test_inline_leaves_answer_as_the_full_path(case: str) -> None:
    fast = strawberry.Schema(query=Query, extensions=[FieldPolicy],
                             execution_context_class=PassThroughExecutor)
    full = strawberry.Schema(query=Query, extensions=[FieldPolicy])
    assert _answer(fast, case) == _answer(full, case)
    if case != "fine":
        assert _answer(fast, case)[1]  # each bad case is an error, not a quiet value
