"""Reads through the gateway are audited on the gateway's own hash chain (docs/security.md):
every household and member a Kemensos or partner-ministry user reads, and every NIK lookup
by anyone; region staff browsing their region are not; no NIK is stored in clear."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gateway.adapters.orm import GatewayAuditEntry
from gateway.entrypoints.app import SERVICES
from gateway.inbox.audit import verify_gateway_chain
from gateway.service_layer import read_audit
from tests import factories
from tests.gateway.identity_helpers import DINSOS_BANDUNG, KEMENSOS, MITRA, gql_as, secure_gateway
from tests.node.helpers import store


@pytest.fixture
async def gateway_app(cluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    return await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)


async def _reads(client: Any) -> list[GatewayAuditEntry]:
    async with client.app[SERVICES].database.reader() as session:
        return list((await session.execute(select(GatewayAuditEntry).where(
            GatewayAuditEntry.action.like("read%")).order_by(GatewayAuditEntry.seq))).scalars())


async def test_national_reads_are_audited_per_record(gateway_app, cluster):
    ids = await store(cluster.nodes["32.73"].database,
                      [factories.household(members=2) for _ in range(2)])
    await gql_as(gateway_app, "query Plan { households { edges { node { kkNumber members "
                 "{ name } } } } }", KEMENSOS)
    entries = await _reads(gateway_app)
    assert {(e.entity_type, e.entity_id) for e in entries if e.entity_type == "household"} == {
        ("household", f"32.73:{i}") for i in ids}
    assert len([e for e in entries if e.entity_type == "member"]) == 4
    assert all((e.actor, e.role, e.action) == ("user:kemensos", "KEMENSOS", "read")
               for e in entries)
    assert entries[0].attachments[0] == "operation:Plan"
    assert entries[0].attachments[1].startswith("query:")
    assert (await verify_gateway_chain(gateway_app.app[SERVICES].database)).ok


async def test_nik_lookups_are_audited_for_everyone_without_the_nik(gateway_app, cluster):
    record = factories.household(programs=())
    await store(cluster.nodes["32.73"].database, [record])
    nik = record.members[0].nik
    await gql_as(gateway_app, "query($nik: String!) { person(nik: $nik) { name } }",
                 DINSOS_BANDUNG, nik=nik)
    mitra = await gql_as(gateway_app, "query($nik: String!) { person(nik: $nik) { nik "
                         "household { status programs { program } } } }", MITRA, nik=nik)
    assert mitra["data"]["person"]["nik"] == nik[:4] + "********" + nik[-4:]
    assert "region" not in mitra["extensions"]["nikDirectory"]  # MITRA: no region of a person
    lookups = [e for e in await _reads(gateway_app) if e.action == "read.nik_lookup"]
    assert [(e.actor, e.role) for e in lookups] == [("user:dinsos-3273", "DINSOS"),
                                                    ("user:mitra-kementan", "MITRA")]
    assert all(e.entity_id == nik[:4] + "********" + nik[-4:] for e in lookups)
    key = gateway_app.app[SERVICES].directory_key.key_of(nik)
    assert all(e.detail == {"nikKey": key} for e in lookups)
    assert nik not in str([(e.entity_id, e.detail, e.attachments) for e in lookups])
    # a partner reaches a person only by NIK (lists are DENIED to it, and so are the ids of
    # what it reads): the lookup entry is its audit; its node audits the records by id


async def test_region_staff_browsing_is_not_audited(gateway_app, cluster):
    await store(cluster.nodes["32.73"].database, [factories.household()])
    await gql_as(gateway_app, "{ households { edges { node { kkNumber members { name } } } } }",
                 DINSOS_BANDUNG)
    assert await _reads(gateway_app) == []


async def test_no_audit_no_data(gateway_app, cluster, monkeypatch):
    await store(cluster.nodes["32.73"].database, [factories.household()])

    async def failing(*args: Any, **kwargs: Any) -> int:
        raise OSError("disk full")

    monkeypatch.setattr("gateway.entrypoints.graphql.read_audit.record_reads", failing)
    body = await gql_as(gateway_app, "{ households { edges { node { kkNumber } } } }", KEMENSOS)
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["AUDIT_UNAVAILABLE"]
    assert read_audit.READ == "read"
