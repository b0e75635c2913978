"""The pass-through path (``gateway/entrypoints/graphql/pass_through.py``) answers exactly what
graphql-core's full path answers: two gateways over the same real nodes, one with
``pass_through=False``, asked the same queries as every role at every position of the policy
matrix. Data, errors (FORBIDDEN_FIELD, OUT_OF_SCOPE, NODE_UNAVAILABLE, with paths and
locations), extensions and the read audit written must be identical."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from gateway.adapters.orm import GatewayAuditEntry, GatewayReadRecord
from gateway.entrypoints.app import SERVICES, refresh_snapshots
from gateway.federation.user_context import UserContextForwarder
from schema.enums import HouseholdStatus, Program
from schema.policy import ROLES
from schema.roles import Principal, Role
from tests import factories
from tests.gateway.cluster import NodeCluster
from tests.gateway.identity_helpers import KEMENSOS, MITRA, gql_as, secure_gateway
from tests.gateway.test_policy_matrix import DESA, SCOPES, Position, principal_at
from tests.node.helpers import store

EVERYTHING = """
query Everything($hid: ID!, $nik: String!, $all: Boolean!, $housing: Boolean!,
                 $region: String) {
  page: households(first: 4, filter: {region: $region, name: "Siti"}) {
    __typename totalCount
    edges { cursor node { ...H } }
    pageInfo { hasNextPage endCursor startCursor }
  }
  one: household(id: $hid) { ...H kk: kkNumber again: kkNumber }
  person(nik: $nik) { ...M household { id kkNumber status programs { program } } }
}
fragment H on Household {
  __typename id region kkNumber desaCode desaName kecamatanCode kecamatanName address
  latitude longitude assets desil status inactiveReason version createdAt updatedAt
  housing @include(if: $housing) { floorMaterial wallMaterial roofMaterial floorAreaM2
    tenure drinkingWater lighting cookingFuel toilet }
  ... on Household @skip(if: $housing) { skipped: address }
  members { ...M }
  head { name nik household { id kkNumber } }
  programs(activeOnly: $all) { program period startDate endDate active memberId }
  activeOnly: programs { program active }
}
fragment M on Member {
  __typename id region nik name birthDate sex relationship education occupation
  disability matchStatus alive deathDate
}"""


async def _gateways(cluster: NodeCluster, dev_pki: Any, tmp_path: Any, aiohttp_client: Any
                    ) -> tuple[TestClient, TestClient]:
    clients = []
    for name, pass_through in (("fast", True), ("full", False)):
        directory = tmp_path / name
        directory.mkdir()
        client = await secure_gateway(aiohttp_client, directory, dev_pki, cluster,
                                      pass_through=pass_through, deadline_ms=10000)
        await refresh_snapshots(client.app[SERVICES])  # rollups + NIK directory
        clients.append(client)
    return clients[0], clients[1]


@pytest.fixture
async def seeded(cluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    records = [factories.household(DESA, members=3, head_name="Siti Aminah",
                                   programs=(Program.PKH, Program.BPNT)),
               factories.household(DESA, members=4, head_name="Siti Rahma"),
               factories.household("32.73.01.1002", members=2, head_name="Siti Nur",
                                   status=HouseholdStatus.INACTIVE, desil=None)]
    ids = await store(cluster.nodes["32.73"].database, records)
    await store(cluster.nodes["35.78"].database,
                [factories.household("35.78.01.1001", head_name="Siti Surabaya")], "35.78")
    fast, full = await _gateways(cluster, dev_pki, tmp_path, aiohttp_client)
    return fast, full, {"hid": f"32.73:{ids[0]}", "nik": records[0].members[1].nik}


async def _both(fast: TestClient, full: TestClient, query: str, principal: Principal | None,
                **variables: Any) -> dict[str, Any]:
    """The answer of both paths, asserted identical (to the byte, as JSON values)."""
    answer = await gql_as(fast, query, principal, **variables)
    expected = await gql_as(full, query, principal, **variables)
    assert answer == expected, f"pass-through differs for {principal}"
    return answer


async def _reads(client: TestClient) -> list[tuple[object, ...]]:
    """Each read entry, with the records it names (sorted: root fields that call nodes
    complete concurrently, so records of different root fields interleave in either order)."""
    async with client.app[SERVICES].database.reader() as session:
        entries = (await session.execute(select(GatewayAuditEntry).where(
            GatewayAuditEntry.action.like("read%")).order_by(GatewayAuditEntry.seq))).scalars()
        records = (await session.execute(select(GatewayReadRecord).order_by(
            GatewayReadRecord.entry_seq, GatewayReadRecord.position))).scalars().all()
        return [(r.actor, r.role, r.action, r.entity_type, r.entity_id, *r.attachments,
                 sorted([(x.kind, x.record_id, x.nik_key) for x in records
                         if x.entry_seq == r.seq], key=repr))
                for r in entries]


@pytest.mark.parametrize("role", ROLES)
async def test_every_role_and_position_gets_the_same_answer(seeded, role: Role) -> None:
    fast, full, ids = seeded
    positions = list(Position) if role in SCOPES else [Position.OWN]
    codes: set[str] = set()
    for position in positions:
        principal = principal_at(role, position)
        for region, housing, everything in ((DESA, True, False), ("32.73", False, True),
                                            (None, True, True)):
            body = await _both(fast, full, EVERYTHING, principal, region=region,
                               housing=housing, all=everything, **ids)
            codes |= {e["extensions"]["code"] for e in body.get("errors", [])}
    assert await _reads(fast) == await _reads(full)
    if role is Role.KEMENSOS:
        assert codes == set()
        reads = await _reads(fast)  # one entry per operation, every record named in it
        assert len(reads) == 3 and sum(len(r[-1]) for r in reads) > 20  # type: ignore[arg-type]
    if role in (Role.MITRA, Role.PUBLIC):
        assert "FORBIDDEN_FIELD" in codes  # denied fields below a root they may use
    if role in SCOPES:
        assert "OUT_OF_SCOPE" in codes


async def test_a_stopped_node_gives_the_same_partial_answer(seeded, cluster) -> None:
    fast, full, ids = seeded
    await cluster.stop("35.78")
    query = """query($region: String) { households(first: 10, filter: {region: $region}) {
        totalCount edges { node { id region kkNumber members { nik } } }
        pageInfo { hasNextPage } } }"""
    national = await _both(fast, full, query, KEMENSOS)
    assert {e["extensions"]["code"] for e in national["errors"]} == {"NODE_UNAVAILABLE"}
    assert national["extensions"]["federation"] == {"total": 3, "ok": 2, "failed": 1,
                                                    "timedOut": 0, "skipped": 0}
    assert len(national["data"]["households"]["edges"]) == 3
    one_region = await _both(fast, full, query, KEMENSOS, region="35.78")
    assert [e["extensions"] for e in one_region["errors"]] == [
        {"code": "NODE_UNAVAILABLE", "region": "35.78"}]
    assert one_region["extensions"]["federation"]["failed"] == 1


async def test_strict_mode_refuses_the_same_way(seeded) -> None:
    fast, full, _ = seeded
    query = "{ households { edges { node { id address kkNumber } } } }"
    answers = [await gql_as(client, query, MITRA, headers={"X-SIKS-Strict": "1"})
               for client in (fast, full)]
    assert answers[0] == answers[1]
    assert answers[0].get("data") is None
    assert answers[0]["errors"][0]["extensions"]["strict"] is True


class ClaimsKemensos:
    """What a node answers when it is told the caller is national staff: every field in
    clear. The gateway must still mask and deny by the caller's own role."""

    def __init__(self, signed: UserContextForwarder) -> None:
        self.signed = signed

    def headers(self, region: str, principal: Principal,
                client_address: str | None = None) -> Any:
        return self.signed.headers(region, KEMENSOS)


async def test_the_gateway_masks_what_a_node_sends_in_clear(seeded) -> None:
    fast, full, ids = seeded
    query = """query($nik: String!) { person(nik: $nik) { nik name
        household { kkNumber members { nik } programs { program } } } }"""
    clear = await gql_as(fast, query, KEMENSOS, nik=ids["nik"])
    nik = clear["data"]["person"]["nik"]
    assert "*" not in nik
    for client in (fast, full):
        client_of_node = client.app[SERVICES].federation.client
        client_of_node._user_context = ClaimsKemensos(client_of_node._user_context)
    body = await _both(fast, full, query, MITRA, nik=ids["nik"])
    person = body["data"]["person"]
    assert person["nik"] == nik[:4] + "********" + nik[-4:]  # MASKED for a partner
    assert person["name"] is None and person["household"]["kkNumber"] is None  # DENIED
    assert person["household"]["members"] is None
    assert {(tuple(e["path"]), e["extensions"]["code"]) for e in body["errors"]} == {
        (("person", "name"), "FORBIDDEN_FIELD"),
        (("person", "household", "kkNumber"), "FORBIDDEN_FIELD"),
        (("person", "household", "members"), "FORBIDDEN_FIELD")}
