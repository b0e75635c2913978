"""``Household.pmtScore`` and ``pmtModel`` over HTTP at a real node: the region's staff and
Kemensos read them; a partner ministry and the public never do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from regional_node.adapters.orm import PmtScore
from regional_node.service_layer.pmt import load_model, recompute_all
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.enums import Program
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import TEST_ACTOR, error_codes, gql, store

QUERY = """query ($id: ID!) {
  household(id: $id) { pmtScore { score modelVersion computedAt } }
  pmtModel { version description ownCoefficients }
}"""
KEMENSOS = Principal("user:kemensos", Role.KEMENSOS)


async def test_staff_read_the_score_and_the_model(node_client: Any, node_database: Any) -> None:
    [household_id] = await store(node_database, [factories.household()])
    async with node_database.reader() as session:
        stored = await session.get(PmtScore, household_id)
    assert stored is not None
    for principal in (None, KEMENSOS):
        body = await gql(node_client, QUERY, id=str(household_id),
                         **({} if principal is None else {"principal": principal}))
        assert "errors" not in body, body
        score = body["data"]["household"]["pmtScore"]
        assert score["score"] == pytest.approx(stored.score)
        assert score["modelVersion"] == "ilustrasi-2026.1"
        assert body["data"]["pmtModel"]["version"] == "ilustrasi-2026.1"
        assert body["data"]["pmtModel"]["ownCoefficients"] == ["53"]
        assert "ilustrasi" in body["data"]["pmtModel"]["description"]


async def test_a_loaded_model_shows_at_once(node_client: Any, node_database: Any) -> None:
    [household_id] = await store(node_database, [factories.household()])
    async with UnitOfWork(node_database, TEST_ACTOR) as uow:
        await load_model(uow, json.dumps({
            "format": "siks-pmt/1", "version": "v2", "description": "uji / test",
            "default": {"intercept": 13.25}}))
        await recompute_all(uow)
        await uow.commit()
    body = await gql(node_client, QUERY, id=str(household_id))
    assert body["data"]["household"]["pmtScore"]["score"] == 13.25
    assert body["data"]["household"]["pmtScore"]["modelVersion"] == "v2"
    assert body["data"]["pmtModel"] == {"version": "v2", "description": "uji / test",
                                        "ownCoefficients": []}


async def test_the_public_never_sees_a_score(node_client: Any, node_database: Any) -> None:
    await store(node_database, [factories.household(programs=(Program.PKH,),
                                                    head_name="Siti Aminah")])
    body = await gql(node_client, """{
      households(first: 5, filter: {region: "32.73.01.1001", name: "Siti Aminah"}) {
        edges { node { status pmtScore { score } } } }
      pmtModel { version }
    }""", principal=None)
    [edge] = body["data"]["households"]["edges"]
    assert edge["node"] == {"status": "ACTIVE", "pmtScore": None}
    assert body["data"]["pmtModel"] is None
    assert error_codes(body) == ["FORBIDDEN_FIELD", "FORBIDDEN_FIELD"]


async def test_a_partner_ministry_never_sees_a_score(node_client: Any,
                                                     node_database: Any) -> None:
    record = factories.household(programs=(Program.PKH,))
    await store(node_database, [record])
    body = await gql(node_client, """query ($nik: String!) {
      person(nik: $nik) { household { status pmtScore { score } } }
      pmtModel { version }
    }""", principal=Principal("user:mitra", Role.MITRA, programs=(Program.PKH.value,)),
                     nik=record.members[0].nik)
    assert body["data"]["person"]["household"] == {"status": "ACTIVE", "pmtScore": None}
    assert body["data"]["pmtModel"] is None
    assert error_codes(body) == ["FORBIDDEN_FIELD", "FORBIDDEN_FIELD"]
    async with node_database.reader() as session:
        assert (await session.execute(select(PmtScore))).first() is not None
