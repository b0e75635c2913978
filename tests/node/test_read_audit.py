"""Reads of personal data by national and partner users, and every NIK lookup, are audited
on the hash chain (docs/security.md); region staff browsing their region are not."""

from __future__ import annotations

from sqlalchemy import select

from regional_node.adapters.orm import AuditEntry
from regional_node.service_layer.audit import verify_audit_chain
from schema.roles import Principal, Role
from tests import factories
from tests.node.helpers import gql, store

KEMENSOS = Principal("gw#budi", Role.KEMENSOS)
MITRA = Principal("gw#kementan-1", Role.MITRA, programs=("PKH",))


async def _reads(database) -> list[tuple[str, str, str, str, str, list[str]]]:  # type: ignore[no-untyped-def]
    async with database.reader() as session:
        rows = (await session.execute(select(AuditEntry).where(
            AuditEntry.action.like("read%")).order_by(AuditEntry.seq))).scalars()
        return [(r.actor, r.role, r.action, r.entity_type, r.entity_id, r.attachments)
                for r in rows]


async def test_national_reads_are_audited_per_row(node_client, node_database):
    ids = await store(node_database, [factories.household(members=2) for _ in range(2)])
    await gql(node_client, "query Plan { households { edges { node { kkNumber members { name } }"
              " } } }", principal=KEMENSOS)
    entries = await _reads(node_database)
    read = {(e[3], e[4]) for e in entries}
    assert {("household", str(i)) for i in ids} <= read
    assert len([e for e in entries if e[3] == "member"]) == 4
    assert all(e[:3] == ("gw#budi", "KEMENSOS", "read") for e in entries)
    assert entries[0][5][0] == "operation:Plan" and entries[0][5][1].startswith("query:")
    assert (await verify_audit_chain(node_database)).ok


async def test_nik_lookups_are_audited_for_everyone(node_client, node_database):
    record = factories.household()
    await store(node_database, [record])
    nik = record.members[0].nik
    await gql(node_client, "query($nik: String!) { person(nik: $nik) { name } }", nik=nik)
    await gql(node_client, "query($nik: String!) { person(nik: $nik) { nik household "
              "{ programs { program } } } }", principal=MITRA, nik=nik)
    lookups = [e for e in await _reads(node_database) if e[2] == "read.nik_lookup"]
    assert [(e[0], e[1]) for e in lookups] == [("user:dinsos-bandung", "DINSOS"),
                                               ("gw#kementan-1", "MITRA")]
    assert all(e[4] == nik[:4] + "********" + nik[-4:] for e in lookups)


async def test_region_staff_browsing_is_not_audited(node_client, node_database):
    await store(node_database, [factories.household()])
    await gql(node_client, "{ households { edges { node { kkNumber members { name } } } } }")
    assert await _reads(node_database) == []
