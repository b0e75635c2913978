"""Security review (issue 16) item 12: an id that is not a record id (non-ASCII digits, above
2^63 - 1, zero) is INVALID_INPUT at the node, never INTERNAL from the database driver."""

from __future__ import annotations

import pytest

from schema.errors import InvalidInput
from schema.ids import MAX_RECORD_ID, is_record_id, record_id
from tests.node.helpers import error_codes, gql

BAD_IDS = ["³", "٣", "１", str(MAX_RECORD_ID + 1), str(2**64), "0", "-1", "1e3", ""]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_record_id_refuses_what_is_not_a_row_number(bad: str):
    assert not is_record_id(bad)
    with pytest.raises(InvalidInput) as refused:
        record_id(bad, "householdId")
    assert refused.value.extensions() == {"code": "INVALID_INPUT", "reason": "malformed",
                                          "field": "householdId"}


def test_record_id_takes_ascii_digits_up_to_a_bigint():
    assert (record_id("7"), record_id(str(MAX_RECORD_ID))) == (7, MAX_RECORD_ID)


QUERIES = {
    "household": 'query($id: ID!) { household(id: $id) { kkNumber } }',
    "markNotificationRead": 'mutation($id: ID!) { markNotificationRead(id: $id) { id } }',
    "proposals": 'query($id: ID!) { proposals(filter: {householdId: $id}) { edges { node {'
                 ' id } } } }',
    "fieldVerifications": 'query($id: ID!) { fieldVerifications(householdId: $id) { id } }',
}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("bad", ["³", str(2**63), str(2**64)])
@pytest.mark.parametrize("field", sorted(QUERIES))
async def test_a_bad_id_is_invalid_input_at_the_node(node_client, field: str, bad: str):
    body = await gql(node_client, QUERIES[field], id=bad)
    assert error_codes(body) == ["INVALID_INPUT"], body


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("raw", ["³", "١٠٠"])
async def test_a_deadline_header_of_non_ascii_digits_is_ignored(node_client, raw: str):
    response = await node_client.post("/graphql", json={"query": "{ node { region } }"},
                                      headers={"X-SIKS-Deadline-Ms": raw})
    assert response.status == 200
    assert (await response.json())["data"]["node"]["region"] == "32.73"
