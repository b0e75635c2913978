"""The gateway asks a node only for the fields the caller selected (plus the keys it needs
itself: ids, the sort key, non-null fields), read from the documents each node received."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from graphql import FieldNode, OperationDefinitionNode, SelectionSetNode, parse

from gateway.entrypoints.app import SERVICES, refresh_snapshots
from tests.gateway.cluster import NodeCluster
from tests.gateway.helpers import gql

Fields = dict[str, object]  # field name -> its own Fields, or None for a leaf


def _fields(selection_set: SelectionSetNode | None) -> Fields | None:
    if selection_set is None:
        return None
    return {s.name.value: _fields(s.selection_set)
            for s in selection_set.selections if isinstance(s, FieldNode)}


def received(cluster: NodeCluster, region: str) -> Fields:
    """What the one document ``region``'s node received selects."""
    documents = [d for r, d in cluster.documents if r == region]
    assert len(documents) == 1, documents
    operation = parse(documents[0]).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    found = _fields(operation.selection_set)
    assert found is not None
    return found


async def test_a_page_asks_the_node_for_the_selected_fields_only(
        gateway: TestClient, cluster: NodeCluster) -> None:
    await cluster.seed("32.73", [3])
    query = """query($order: HouseholdOrder!) { households(filter: {region: "32.73"}, first: 2,
        orderBy: $order) { edges { node { kkNumber kecamatanName ...H } } } }
      fragment H on Household { housing { roof: roofMaterial } members { nik } }"""
    cluster.documents.clear()
    body = await gql(gateway, query, order="DESA")
    assert "errors" not in body, body
    node = received(cluster, "32.73")["households"]["edges"]["node"]  # type: ignore[index]
    assert node == {"id": None, "kkNumber": None, "desaCode": None, "housing": {
        "roofMaterial": None}, "status": None, "members": {"id": None, "nik": None}}
    edges = body["data"]["households"]["edges"]
    assert len(edges) == 2 and all(e["node"]["members"][0]["nik"] for e in edges)
    assert all(e["node"]["kecamatanName"] and e["node"]["housing"] for e in edges)

    cluster.documents.clear()  # the head is found among the members by relationship
    body = await gql(gateway, """{ households(filter: {region: "32.73"}, first: 1) {
        totalCount edges { node { head { name household { address } } } } } }""")
    assert body["data"]["households"]["totalCount"] == 3
    assert body["data"]["households"]["edges"][0]["node"]["head"]["name"].startswith("Kepala")
    answer = received(cluster, "32.73")["households"]
    assert answer["edges"]["node"] == {  # type: ignore[index]
        "id": None, "address": None, "status": None,
        "members": {"id": None, "name": None, "relationship": None}}
    assert "totalCount" in answer  # type: ignore[operator]


async def test_a_nik_lookup_asks_the_node_for_the_selected_fields_only(
        gateway: TestClient, cluster: NodeCluster) -> None:
    await cluster.seed("32.04", [2])
    await refresh_snapshots(gateway.app[SERVICES])  # node snapshots feed the directory
    first = await gql(gateway, """{ households(filter: {region: "32.04"}, first: 1) {
        edges { node { members { nik name } } } } }""")
    member = first["data"]["households"]["edges"][0]["node"]["members"][0]

    cluster.documents.clear()
    body = await gql(gateway, """query($nik: String!) { person(nik: $nik) { name
        household { desaName programs(activeOnly: false) { period } } } }""", nik=member["nik"])
    assert body["data"]["person"]["name"] == member["name"]
    assert body["data"]["person"]["household"]["desaName"]
    assert received(cluster, "32.04")["person"] == {
        "id": None, "name": None, "household": {
            "id": None, "desaCode": None, "status": None,
            "programs": {"program": None, "period": None, "active": None}}}

    cluster.documents.clear()  # a person without the household: no household travels
    body = await gql(gateway, """query($nik: String!) { person(nik: $nik) { nik } }""",
                     nik=member["nik"])
    assert body["data"]["person"]["nik"] == member["nik"]
    assert received(cluster, "32.04")["person"] == {"id": None, "nik": None}
