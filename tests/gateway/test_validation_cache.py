"""A query text that passed validation once skips its rules next time (the specification's,
depth, aliases, and the strict policy of the same role); the cost with this request's
variables is still checked on every request, a text that failed is validated in full again,
and another role's strict policy is validated anew."""

from __future__ import annotations

import pytest
import strawberry.schema.schema as strawberry_schema
from aiohttp.test_utils import TestClient
from graphql import specified_rules

from service_kit.graphql_validation_cache import ValidatedQueries
from tests.gateway.helpers import gql
from tests.gateway.identity_helpers import KEMENSOS, MITRA, error_codes, gql_as

LISTS = "edges { node { members { name } programs { program } assets } }"
PRICED = "query($n: Int!) { " + " ".join(f"{alias}: households(first: $n) {{ {LISTS} }}"
                                         for alias in "abcd") + " }"


async def test_the_cost_of_each_request_is_checked_after_the_text_passed(
        gateway: TestClient) -> None:
    for _ in range(2):
        assert "errors" not in await gql(gateway, PRICED, n=1)
    body = await gql(gateway, PRICED, n=500)
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"] and body.get("data") is None


async def test_strict_mode_is_checked_after_the_text_passed(gateway: TestClient) -> None:
    query = "{ households { edges { node { status } } } }"
    lenient = await gql_as(gateway, query, MITRA)
    assert error_codes(lenient) == ["FORBIDDEN_FIELD"]  # validated, then denied at execution
    strict = await gql_as(gateway, query, MITRA, headers={"X-SIKS-Strict": "1"})
    assert strict.get("data") is None and strict["errors"][0]["extensions"]["strict"] is True


async def test_a_text_that_failed_is_validated_again(gateway: TestClient) -> None:
    query = "{ households { edges { node { nope } } } }"
    for _ in range(2):
        body = await gql(gateway, query)
        assert body.get("data") is None
        assert "Cannot query field 'nope'" in body["errors"][0]["message"]


async def test_a_passed_text_is_not_visited_again(gateway: TestClient,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    visits: list[int] = []
    validate = strawberry_schema.validate

    def counted(*args: object, **kwargs: object) -> object:
        visits.append(1)
        return validate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(strawberry_schema, "validate", counted)
    query = "query Visited($n: Int!) { households(first: $n) { edges { node { status } } } }"
    assert "errors" not in await gql(gateway, query, n=1)
    assert visits  # validated once, here and at the nodes it asked
    visits.clear()
    for n in (2, 3):
        assert "errors" not in await gql(gateway, query, n=n)
    assert not visits


async def test_another_role_in_strict_mode_is_validated_anew(gateway: TestClient) -> None:
    query = "{ households { edges { node { desaCode members { name } } } } }"
    strict = {"X-SIKS-Strict": "1"}
    for _ in range(2):
        assert "errors" not in await gql_as(gateway, query, KEMENSOS, headers=strict)
    refused = await gql_as(gateway, query, MITRA, headers=strict)
    assert refused.get("data") is None and refused["errors"][0]["extensions"]["strict"] is True


async def test_a_text_too_deep_is_refused_every_time(gateway: TestClient) -> None:
    query = ('{ person(nik: "3273015705900002") { ' + "household { members { " * 5 + "nik"
             + " } }" * 5 + " } }")
    for _ in range(2):
        body = await gql(gateway, query)
        assert body.get("data") is None
        assert "exceeds maximum operation depth" in str(body["errors"])


def test_the_cache_is_bounded_and_keeps_recent_texts() -> None:
    passed = ValidatedQueries(max_entries=2)
    rules = frozenset(specified_rules)
    for text in ("{ a }", "{ b }", "{ c }"):
        passed.add((text, rules))
    assert ("{ a }", rules) not in passed
    assert ("{ b }", rules) in passed and ("{ c }", rules) in passed
    assert ("{ c }", frozenset()) not in passed  # what passed is the text with its rules
    passed.add(("{ " + "x " * 20_000 + "}", rules))  # too long to keep
    assert ("{ b }", rules) in passed and ("{ c }", rules) in passed


async def test_parsed_texts_are_reused_and_refusals_repeat(gateway: TestClient) -> None:
    """A text is parsed once (strawberry's ParserCache, keyed with the token limit); a text
    that does not parse, or has too many tokens, is refused the same way every time."""
    from strawberry.extensions.parser_cache import _get_parse_cache

    from gateway.entrypoints.graphql.schema import PARSED_TEXTS

    query = "query Parsed { households(first: 1) { edges { node { status } } } }"
    cache = _get_parse_cache(PARSED_TEXTS)
    hits = cache.cache_info().hits
    for _ in range(2):
        assert "errors" not in await gql(gateway, query)
    assert cache.cache_info().hits > hits
    too_many = "{ " + "householdCounts(groupBy: []) { households } " * 400 + "}"
    for text, message in (("{ households { ", "Syntax Error: Expected Name, found <EOF>."),
                          (too_many, "Syntax Error: Document contains more than 2000 tokens. "
                                     "Parsing aborted.")):
        for _ in range(2):
            body = await gql(gateway, text)
            assert body.get("data") is None
            assert [e["message"] for e in body["errors"]] == [message]


async def test_a_variable_with_a_wrong_value_is_a_typed_error(gateway: TestClient) -> None:
    query = ("query($by: [CountDimension!]!) { householdCounts(groupBy: $by) "
             "{ program households } }")
    for _ in range(2):  # validated once, the variables checked on every request
        body = await gql(gateway, query, by=["NOT_A_DIMENSION"])
        assert body.get("data") is None and error_codes(body) == ["INVALID_INPUT"]
        assert "NOT_A_DIMENSION" in body["errors"][0]["message"]
