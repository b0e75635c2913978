"""A query text that passed validation once skips the specification's rules next time; the
gateway's own rules still run on every request (the cost with this request's variables, the
strict policy for this caller), and a text that failed is validated in full again."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from siks.infra.graphql_validation_cache import ValidatedQueries
from tests.gateway.helpers import gql
from tests.gateway.identity_helpers import MITRA, error_codes, gql_as

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


def test_the_cache_is_bounded_and_keeps_recent_texts() -> None:
    passed = ValidatedQueries(max_entries=2)
    for text in ("{ a }", "{ b }", "{ c }"):
        passed.add(text)
    assert "{ a }" not in passed and "{ b }" in passed and "{ c }" in passed
    passed.add("{ " + "x " * 20_000 + "}")  # too long to keep
    assert "{ b }" in passed and "{ c }" in passed


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
