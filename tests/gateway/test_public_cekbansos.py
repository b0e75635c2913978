"""cekbansos through the gateway, as a citizen does it (no token): choose the province, the
kab/kota, the kecamatan and the desa by NAME from the gateway's lists (the Kemendagri table;
no node is asked), then search the desa for the full name as on the KTP, which asks the one
node of that kab/kota. Real node apps over mutual TLS, the gateway's signed tokens at the
node. The public sees status, programs and period; every other field is FORBIDDEN_FIELD."""

from __future__ import annotations

from typing import Any

import pytest

from schema.enums import Program
from tests import factories
from tests.gateway.cluster import NodeCluster
from tests.gateway.identity_helpers import gql_as, secure_gateway
from tests.node.helpers import store

DESA = "32.73.01.1001"
HEAD = "Siti Aminah"

PROVINCES = "{ provinces { code name served } }"
KABKOTAS = "query($p: String!) { kabkotas(province: $p) { code name served } }"
KECAMATANS = "query($k: String!) { kecamatans(kabkota: $k) { code name served } }"
DESAS = "query($k: String!) { desas(kecamatan: $k) { code name served } }"
SEARCH = """query($desa: String!, $name: String!) {
  households(filter: {region: $desa, name: $name}) {
    edges { node { status desaName programs { program period active } } } } }"""


@pytest.fixture
async def public_gateway(cluster: NodeCluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    siti = factories.household(DESA, members=3, head_name=HEAD, desil=3,
                               programs=(Program.PKH, Program.BPNT))
    others = [factories.household(DESA, head_name=f"Warga {i}") for i in range(3)]
    await store(cluster.nodes["32.73"].database, [siti, *others])
    return await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)


def _named(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [row] = [r for r in rows if r["name"] == name]
    return row


async def test_a_citizen_chooses_the_desa_by_name_and_finds_the_household(
        public_gateway, cluster: NodeCluster) -> None:
    client = public_gateway
    before = sum(cluster.requests.values())
    provinces = (await gql_as(client, PROVINCES, None))["data"]["provinces"]
    assert len(provinces) == 38
    jabar = _named(provinces, "Jawa Barat")
    assert jabar == {"code": "32", "name": "Jawa Barat", "served": True}
    assert _named(provinces, "Papua")["served"] is False  # no node registered inside it
    kabkotas = (await gql_as(client, KABKOTAS, None, p=jabar["code"]))["data"]["kabkotas"]
    bandung = _named(kabkotas, "Kota Bandung")
    assert bandung["served"] and not _named(kabkotas, "Kabupaten Garut")["served"]
    kecamatans = (await gql_as(client, KECAMATANS, None, k=bandung["code"]))["data"]
    sukasari = _named(kecamatans["kecamatans"], "Sukasari")
    desas = (await gql_as(client, DESAS, None, k=sukasari["code"]))["data"]["desas"]
    sukarasa = _named(desas, "Sukarasa")
    assert sukarasa == {"code": DESA, "name": "Sukarasa", "served": True}
    assert sum(cluster.requests.values()) == before  # the lists asked no node
    found = await gql_as(client, SEARCH, None, desa=sukarasa["code"], name="SITI AMINAH")
    assert found == {"data": {"households": {"edges": [{"node": {
        "status": "ACTIVE", "desaName": "Sukarasa",
        "programs": [{"program": "PKH", "period": "2026-S1", "active": True},
                     {"program": "BPNT", "period": "2026-S1", "active": True}]}}]}},
        "extensions": found["extensions"]}
    assert sum(cluster.requests.values()) == before + 1  # one node, the desa's


NOT_PUBLIC = {"id": "Household.id", "kkNumber": "Household.kkNumber",
              "address": "Household.address", "desil": "Household.desil",
              "members { nik }": "Household.members", "programs { startDate }":
              "ProgramMembership.startDate", "head { birthDate }": "Member.birthDate",
              "head { nik }": "Member.nik"}


@pytest.mark.parametrize("selection", list(NOT_PUBLIC))
async def test_the_public_cannot_reach_fields_that_are_not_public(public_gateway,
                                                                  selection: str) -> None:
    query = ("query($desa: String!, $name: String!) { households(filter: {region: $desa, "
             "name: $name}) { edges { node { status " + selection + " } } } }")
    body = await gql_as(public_gateway, query, None, desa=DESA, name=HEAD)
    assert body["errors"]  # one per value asked for (two programs: two errors)
    assert {(e["extensions"]["code"], e["extensions"]["field"])
            for e in body["errors"]} == {("FORBIDDEN_FIELD", NOT_PUBLIC[selection])}
    [edge] = body["data"]["households"]["edges"]
    assert edge["node"]["status"] == "ACTIVE"  # the rest of the answer stays


async def test_the_public_cannot_list_people_or_households_any_other_way(
        public_gateway) -> None:
    for query, code in (("{ household(id: \"32.73:1\") { status } }", "FORBIDDEN_FIELD"),
                        ('{ person(nik: "3273014101900001") { programs: household { status } } }',
                         "FORBIDDEN_FIELD"),
                        ("{ nodes { url } }", "FORBIDDEN_FIELD"),
                        ('{ households(filter: {region: "32.73.01"}) { edges { node { status } '
                         "} } }", "FORBIDDEN")):
        body = await gql_as(public_gateway, query, None)
        assert [e["extensions"]["code"] for e in body["errors"]] == [code], (query, body)


@pytest.mark.parametrize(("query", "variables", "field", "reason"), [
    (KABKOTAS, {"p": "99"}, "province", "unknown"),
    (KABKOTAS, {"p": "32.73"}, "province", "wrong_level"),
    (KECAMATANS, {"k": "Bandung"}, "kabkota", "malformed"),
    (DESAS, {"k": "32.73"}, "kecamatan", "wrong_level"),
])
async def test_a_wrong_region_in_a_list_is_a_typed_error(public_gateway, query: str,
                                                         variables: dict[str, str], field: str,
                                                         reason: str) -> None:
    body = await gql_as(public_gateway, query, None, **variables)
    [error] = body["errors"]
    assert error["extensions"] == {"code": "INVALID_REGION", "reason": reason, "field": field}
