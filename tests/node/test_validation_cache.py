"""The node validates a query text once (with the same rules): the gateway sends the same few
documents on every fan-out. The cost with this request's variables is still checked on every
request, and a text that failed is validated in full again."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from tests.node.helpers import error_codes, gql

COUNTS = ("query Counts($by: [CountDimension!]!) { householdCounts(groupBy: $by) "
          "{ program households members } }")
PRICED = "query($n: Int!) { " + " ".join(
    f"{alias}: households(first: $n) {{ edges {{ node {{ members {{ name }} "
    f"programs {{ program }} assets }} }} }}"
    for alias in "abcd") + " }"


async def test_a_repeated_text_answers_the_same(node_client: TestClient) -> None:
    first = await gql(node_client, COUNTS, by=["PROGRAM"])
    again = await gql(node_client, COUNTS, by=["PROGRAM"])
    assert "errors" not in first and again == first
    wrong = await gql(node_client, COUNTS, by=["NOT_A_DIMENSION"])  # variables: checked anew
    assert wrong.get("data") is None and error_codes(wrong) == ["INVALID_INPUT"]
    assert "NOT_A_DIMENSION" in wrong["errors"][0]["message"]


async def test_the_cost_of_each_request_is_checked_after_the_text_passed(
        node_client: TestClient) -> None:
    for _ in range(2):
        assert "errors" not in await gql(node_client, PRICED, n=1)
    body = await gql(node_client, PRICED, n=500)
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"] and body.get("data") is None


async def test_a_text_that_failed_is_validated_again(node_client: TestClient) -> None:
    query = "{ households { edges { node { nope } } } }"
    for _ in range(2):
        body = await gql(node_client, query)
        assert body.get("data") is None
        assert "Cannot query field 'nope'" in body["errors"][0]["message"]
