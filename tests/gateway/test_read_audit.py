"""Reads through the gateway are audited on the gateway's own hash chain (docs/security.md):
one entry per operation naming every household and member a Kemensos or partner-ministry
user read, and every NIK looked up by anyone (in ``gateway_read_record``, bound to the entry
by a digest); region staff browsing their region are not; no NIK is stored in clear."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select, text

from gateway.adapters.orm import GatewayAuditEntry, GatewayAuditHead, GatewayReadRecord
from gateway.entrypoints.app import SERVICES
from gateway.inbox.audit import verify_gateway_chain
from gateway.service_layer.read_audit import readers_of
from siks.cli import main as siks
from tests import factories
from tests.gateway.identity_helpers import DINSOS_BANDUNG, KEMENSOS, MITRA, gql_as, secure_gateway
from tests.node.helpers import store


@pytest.fixture
async def gateway_app(cluster, dev_pki, tmp_path, aiohttp_client):  # type: ignore[no-untyped-def]
    return await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)


async def _reads(client: Any) -> list[tuple[GatewayAuditEntry, list[tuple[str, str, str | None]]]]:
    """Every read entry, with the records it names in order."""
    async with client.app[SERVICES].database.reader() as session:
        entries = list((await session.execute(select(GatewayAuditEntry).where(
            GatewayAuditEntry.action.like("read%")).order_by(GatewayAuditEntry.seq))).scalars())
        rows = (await session.execute(select(GatewayReadRecord).order_by(
            GatewayReadRecord.entry_seq, GatewayReadRecord.position))).scalars().all()
    return [(e, [(r.kind, r.record_id, r.nik_key) for r in rows if r.entry_seq == e.seq])
            for e in entries]


async def _head(client: Any) -> int:
    async with client.app[SERVICES].database.reader() as session:
        return int((await session.execute(select(GatewayAuditHead.seq))).scalar_one())


async def test_national_reads_are_audited_in_one_entry_per_operation(gateway_app, cluster):
    records = [factories.household(members=2) for _ in range(2)]
    ids = await store(cluster.nodes["32.73"].database, records)
    await gql_as(gateway_app, "query Plan { households { edges { node { kkNumber members "
                 "{ name } } } } }", KEMENSOS)
    [(entry, rows)] = await _reads(gateway_app)
    assert (entry.actor, entry.role, entry.action, entry.entity_type, entry.entity_id) == (
        "user:kemensos", "KEMENSOS", "read", "operation", "Plan")
    assert entry.attachments[0] == "operation:Plan"
    assert entry.attachments[1].startswith("query:")
    assert entry.detail is not None and entry.detail["reads"] == 6
    households = [(kind, rid) for kind, rid, _ in rows if kind == "household"]
    assert households == [("household", f"32.73:{i}") for i in ids]  # in the order read
    members = [rid for kind, rid, key in rows if kind == "member" and key is None]
    assert len(members) == 4 and all(m.startswith("32.73:") for m in members)
    assert (await verify_gateway_chain(gateway_app.app[SERVICES].database)).ok
    # who read household 32.73:<id>, and when: one indexed query
    await gql_as(gateway_app, "query Again($id: ID!) { household(id: $id) { kkNumber } }",
                 KEMENSOS, id=f"32.73:{ids[0]}")
    readers = await readers_of(gateway_app.app[SERVICES].database, f"32.73:{ids[0]}",
                               "household")
    assert [(r.actor, r.attachments[0]) for r in readers] == [
        ("user:kemensos", "operation:Plan"), ("user:kemensos", "operation:Again")]
    assert readers[0].ts <= readers[1].ts
    assert await readers_of(gateway_app.app[SERVICES].database, f"32.73:{ids[1]}") == readers[:1]


async def test_nik_lookups_are_audited_for_everyone_without_the_nik(gateway_app, cluster):
    record = factories.household(programs=())
    await store(cluster.nodes["32.73"].database, [record])
    nik = record.members[0].nik
    masked = nik[:4] + "********" + nik[-4:]
    await gql_as(gateway_app, "query($nik: String!) { person(nik: $nik) { name } }",
                 DINSOS_BANDUNG, nik=nik)
    mitra = await gql_as(gateway_app, "query($nik: String!) { person(nik: $nik) { nik "
                         "household { status programs { program } } } }", MITRA, nik=nik)
    assert mitra["data"]["person"]["nik"] == masked
    assert "region" not in mitra["extensions"]["nikDirectory"]  # MITRA: no region of a person
    reads = await _reads(gateway_app)
    assert [(e.actor, e.role) for e, _ in reads] == [("user:dinsos-3273", "DINSOS"),
                                                     ("user:mitra-kementan", "MITRA")]
    key = gateway_app.app[SERVICES].directory_key.key_of(nik)
    assert all(("nik", masked, key) in rows for _, rows in reads)
    assert reads[0][1] == [("nik", masked, key)]  # region staff: the lookup, not the rows
    assert nik not in str([(e.entity_id, e.detail, e.attachments, rows) for e, rows in reads])
    readers = await readers_of(gateway_app.app[SERVICES].database, key, "nik")
    assert [r.actor for r in readers] == ["user:dinsos-3273", "user:mitra-kementan"]
    assert (await verify_gateway_chain(gateway_app.app[SERVICES].database)).ok
    # a partner reaches a person only by NIK (lists are DENIED to it, and so are the ids of
    # what it reads): the lookup row is its audit; its node audits the records by id


async def test_region_staff_browsing_is_not_audited(gateway_app, cluster):
    await store(cluster.nodes["32.73"].database, [factories.household()])
    await gql_as(gateway_app, "{ households { edges { node { kkNumber members { name } } } } }",
                 DINSOS_BANDUNG)
    assert await _reads(gateway_app) == []
    assert await _head(gateway_app) == 0


@pytest.mark.parametrize(("principal", "query"), [
    (KEMENSOS, "{ households { edges { node { kkNumber } } } }"),
    (DINSOS_BANDUNG, "query($nik: String!) { person(nik: $nik) { name } }"),
])
async def test_no_audit_no_data(gateway_app, cluster, principal, query):
    """The audit cannot be written (its table is gone): the data is withheld, and nothing of
    the operation's entry is left behind."""
    record = factories.household()
    await store(cluster.nodes["32.73"].database, [record])
    database = gateway_app.app[SERVICES].database
    async with database.writer() as session, session.begin():
        await session.execute(text("DROP TABLE gateway_read_record"))
    body = await gql_as(gateway_app, query, principal, nik=record.members[0].nik)
    assert body.get("data") is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["AUDIT_UNAVAILABLE"]
    assert await _head(gateway_app) == 0
    async with database.reader() as session:
        assert (await session.execute(select(func.count()).select_from(
            GatewayAuditEntry))).scalar_one() == 0


async def test_audit_verify_command(gateway_app, cluster, tmp_path, capsys):
    await store(cluster.nodes["32.73"].database, [factories.household(members=2)])
    await gql_as(gateway_app, "{ households { edges { node { kkNumber members { name } } } } }",
                 KEMENSOS)
    url = f"sqlite:///{tmp_path / 'gateway.sqlite'}"
    assert await asyncio.to_thread(siks, ["gateway", "audit", "verify", "--db", url]) == 0
    assert capsys.readouterr().out == "gateway audit chain OK: 1 entries\n"
    database = gateway_app.app[SERVICES].database
    async with database.writer() as session, session.begin():
        await session.execute(text("DROP TRIGGER gateway_read_record_no_delete"))
        await session.execute(text("DELETE FROM gateway_read_record WHERE position = 1"))
    assert await asyncio.to_thread(siks, ["gateway", "audit", "verify", "--db", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gateway audit chain BROKEN at entry 1: entry 1: the records it "
                          "read were altered")
    assert len(err.strip().splitlines()) == 1


async def test_audit_verify_command_refuses_a_missing_or_unmigrated_database(tmp_path, capsys):
    missing = f"sqlite:///{tmp_path / 'nowhere.sqlite'}"
    assert await asyncio.to_thread(siks, ["gateway", "audit", "verify", "--db", missing]) == 2
    assert capsys.readouterr().err.strip() == (
        f"siks: error: no gateway database at {tmp_path / 'nowhere.sqlite'}")
    assert not (tmp_path / "nowhere.sqlite").exists()
    (tmp_path / "empty.sqlite").touch()
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert await asyncio.to_thread(siks, ["gateway", "audit", "verify", "--db", empty]) == 2
    assert "not migrated" in capsys.readouterr().err
