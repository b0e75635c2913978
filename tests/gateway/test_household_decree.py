"""The decree a node shows on a household (its latest determined proposal's) passes through
the gateway to Kemensos and Dinas Sosial, on one household and on a federated page; roles the
policy denies it get FORBIDDEN_FIELD. Real node apps behind mutual TLS, real tokens."""

from __future__ import annotations

from typing import Any

from schema.enums import Program
from tests import factories
from tests.gateway.helpers import determined_at_the_node
from tests.gateway.identity_helpers import (
    DINSOS_BANDUNG,
    KEMENSOS,
    MITRA,
    gql_as,
    secure_gateway,
)
from tests.node.helpers import store

DESA = "32.73.01.1001"
ONE = "query($id: ID!) { household(id: $id) { id decree { number date period pdfSha256 } } }"
PAGE = """{ households(first: 10, filter: {region: "32.73.01.1001"}) {
  edges { node { id decree { number } } } } }"""
SHOWN = {"number": "146/HUK/2026", "date": "2026-12-01", "period": "2026-12",
         "pdfSha256": "d" * 64}


async def test_the_household_decree_passes_through_the_gateway(
        cluster: Any, dev_pki: Any, tmp_path: Any, aiohttp_client: Any) -> None:
    database = cluster.nodes["32.73"].database
    determined, plain = (factories.household(DESA, programs=(Program.PKH,)) for _ in range(2))
    [determined_id, plain_id] = await store(database, [determined, plain])
    await determined_at_the_node(database, determined_id, DESA)
    client = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    for principal in (KEMENSOS, DINSOS_BANDUNG):
        body = await gql_as(client, ONE, principal, id=f"32.73:{determined_id}")
        assert body["data"]["household"] == {"id": f"32.73:{determined_id}",
                                             "decree": SHOWN}, body
        page = await gql_as(client, PAGE, principal)
        assert "errors" not in page, page
        decrees = {e["node"]["id"]: e["node"]["decree"]
                   for e in page["data"]["households"]["edges"]}
        assert decrees == {f"32.73:{determined_id}": {"number": "146/HUK/2026"},
                           f"32.73:{plain_id}": None}
    denied = await gql_as(client, "query($id: String!) { person(nik: $id) { household { "
                          "decree { number } } } }", MITRA, id=determined.members[0].nik)
    assert [(e["extensions"]["code"], e["path"]) for e in denied["errors"]] == [
        ("FORBIDDEN_FIELD", ["person", "household", "decree"])]
