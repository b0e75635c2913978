"""A cross-region duplicate between two real nodes behind a real gateway (docs/duplicates.md):
Bandung (32.73) and Surabaya (35.78) each store the same person and send an approval naming
the NIK; the gateway's directory holds the NIK in both regions, opens a finding, and signs it
down to both nodes, which show it to Dinas Sosial as a household warning naming the other
region; when one region drops the NIK, both warnings are resolved. Real SQLite files and the
real PostgreSQL on both sides, real mutual TLS and signatures (tests.sync.world)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from certs.trust import CertificateStore
from gateway.adapters.directory_store import DirectoryStore
from gateway.adapters.orm import DecisionOutbox, NikDirectoryEntry, NikDuplicate
from gateway.inbox.audit import verify_gateway_chain
from gateway.inbox.decisions import DecisionDesk
from gateway.inbox.http import GatewaySigner
from regional_node.adapters.database import Database, open_database
from regional_node.adapters.orm import CrossRegionDuplicate, HouseholdWarning, Member
from regional_node.config import NodeConfig
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.decisions import receive_decision
from regional_node.service_layer.lifecycle import prepare_database
from regional_node.service_layer.nik_announce import unannounced
from schema.identity_numbers import mask_number
from tests.conftest import _pg_execute, _server_url, drop_database_later
from tests.factories import household
from tests.node.helpers import store
from tests.sync.world import SECRET, GatewayServer, node_link, queue, relay, signer_of

BANDUNG_DESA, SURABAYA_DESA = "32.73.01.1001", "35.78.01.1001"


@pytest.fixture
async def surabaya(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A second node, Surabaya (35.78), on the same backend as ``database`` (Bandung)."""
    name = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'surabaya.sqlite'}"
    else:
        name = f"siks_surabaya_{uuid.uuid4().hex[:8]}"
        await _pg_execute(f'CREATE DATABASE "{name}"')
        url = _server_url(name)
    await prepare_database(NodeConfig(region="35.78", db_url=url))
    db = open_database(url)
    yield db
    await db.dispose()
    if name is not None:
        drop_database_later(name)


def approval(desa: str, niks: list[str]) -> list[dict[str, Any]]:
    """The record an approved new-member proposal signs: the NIKs it names."""
    return [{"id": str(uuid.uuid4()), "kind": "NEW_MEMBER", "desa_code": desa,
             "details": {"members": [{"nik": nik} for nik in niks]}, "niks": niks}]


async def warnings(database: Database) -> list[tuple[str, str, str, bool]]:
    """(member NIK, kind, message, resolved) of every warning from the gateway."""
    async with database.reader() as session:
        rows = (await session.execute(
            select(Member.nik, HouseholdWarning.kind, HouseholdWarning.message,
                   HouseholdWarning.resolved_at)
            .join(Member, Member.id == HouseholdWarning.member_id)
            .where(HouseholdWarning.source == "GATEWAY"))).all()
    return [(nik, kind, message, resolved is not None) for nik, kind, message, resolved in rows]


async def findings(gateway_db: Any) -> list[tuple[list[str], bool, int]]:
    async with gateway_db.reader() as session:
        rows = (await session.execute(select(NikDuplicate))).scalars().all()
    return [(list(r.regions), r.resolved_at is not None, r.version) for r in rows]


async def test_a_cross_region_duplicate_is_found_and_reaches_both_nodes(
        database: Database, surabaya: Database, gateway_db: Any, live_pki: Path) -> None:
    person = household(BANDUNG_DESA, members=2)
    clean = household(BANDUNG_DESA, members=2)  # control: held in Bandung only
    await store(database, [person, clean])
    moved = dataclasses.replace(person, desa_code=SURABAYA_DESA, members=person.members[:1])
    await store(surabaya, [moved], region="35.78")
    nik, only_here = person.members[0].nik, clean.members[0].nik
    await queue(database, approval(BANDUNG_DESA, [nik, only_here]), signer_of(live_pki))
    await queue(surabaya, approval(SURABAYA_DESA, [nik]), signer_of(live_pki, "35.78"))
    server = GatewayServer(gateway_db, live_pki)
    url = await server.start()
    try:
        async with node_link(live_pki, url) as link_a, \
                node_link(live_pki, url, "35.78") as link_b:
            bandung = relay(database, link_a, live_pki, directory_key=SECRET)
            east = relay(surabaya, link_b, live_pki, "35.78", directory_key=SECRET)
            first = await bandung.run_once(checkpoint=False)
            assert (first.delivered, first.decisions) == (1, 0)  # one region: no finding
            assert await findings(gateway_db) == []
            second = await east.run_once(checkpoint=False)
            assert (second.delivered, second.decisions) == (1, 1)  # found, and told
            assert await findings(gateway_db) == [(["32.73", "35.78"], False, 1)]
            assert (await bandung.run_once(checkpoint=False)).decisions == 1
            assert (await bandung.run_once(checkpoint=False)).decisions == 0  # told once

            masked = mask_number(nik)
            [(held, kind, message, resolved)] = await warnings(database)
            assert (held, kind, resolved) == (nik, "CROSS_REGION_DUPLICATE", False)
            assert f"NIK {masked} juga terdaftar di Kota Surabaya (35.78)" in message
            assert "is also registered in Kota Surabaya (35.78)" in message
            [(held, kind, message, resolved)] = await warnings(surabaya)
            assert (held, resolved) == (nik, False)
            assert "Kota Bandung (32.73)" in message and nik not in message

            # Surabaya's next snapshot no longer holds the person: resolved, both told
            await DirectoryStore(gateway_db).replace_region("35.78", [])
            assert await findings(gateway_db) == [(["32.73"], True, 2)]
            assert (await east.run_once(checkpoint=False)).decisions == 1
            assert (await bandung.run_once(checkpoint=False)).decisions == 1
    finally:
        await server.stop()
    assert [(n, r) for n, _, _, r in await warnings(database)] == [(nik, True)]
    assert [(n, r) for n, _, _, r in await warnings(surabaya)] == [(nik, True)]
    async with database.reader() as session:
        kept = (await session.execute(select(CrossRegionDuplicate))).scalars().all()
    assert [(k.regions, k.version, k.resolved_at is not None) for k in kept] == [
        (["32.73"], 2, True)]
    async with gateway_db.reader() as session:
        told = (await session.execute(select(DecisionOutbox.region, DecisionOutbox.status)
                                      .order_by(DecisionOutbox.id))).all()
    assert sorted(told) == [("32.73", "ACKNOWLEDGED")] * 2 + [("35.78", "ACKNOWLEDGED")] * 2
    assert (await verify_audit_chain(database)).ok and (await verify_audit_chain(surabaya)).ok
    assert (await verify_gateway_chain(gateway_db)).ok


async def test_a_finding_comes_back_when_both_regions_hold_the_nik_again(gateway_db: Any
                                                                          ) -> None:
    store_ = DirectoryStore(gateway_db)
    key = "ab" * 32
    await store_.replace_region("32.73", [key, "cd" * 32])
    await store_.replace_region("35.78", [key])
    await store_.replace_region("35.78", [])
    await store_.replace_region("35.78", [key])  # found again later: open again, new version
    assert await findings(gateway_db) == [(["32.73", "35.78"], False, 3)]
    await store_.learn("cd" * 32, ["53.71"])  # a scatter found it in a third region
    assert sorted(await findings(gateway_db)) == [(["32.73", "35.78"], False, 3),
                                                  (["32.73", "53.71"], False, 1)]


async def test_the_finding_is_kept_without_a_warning_when_the_node_has_no_key(
        database: Database, gateway_db: Any, live_pki: Path) -> None:
    """A node without SIKS_NODE_DIRECTORY_SECRET cannot find the member: the finding is
    kept (and counted as unplaced in the receipt), no warning is shown."""
    person = household(BANDUNG_DESA, members=1)
    await store(database, [person])
    key = SECRET.key_of(person.members[0].nik)
    await DirectoryStore(gateway_db).replace_region("32.73", [key])
    await DirectoryStore(gateway_db).replace_region("35.78", [key])
    envelopes = await DecisionDesk(gateway_db, GatewaySigner(live_pki)).pending("32.73")
    result = await receive_decision(database, CertificateStore.load(live_pki), "32.73",
                                    envelopes[0], dt.datetime.now(dt.UTC))
    assert result.status == "APPLIED"
    assert await warnings(database) == []
    async with database.reader() as session:
        [kept] = (await session.execute(select(CrossRegionDuplicate))).scalars().all()
    assert (kept.member_id, kept.regions) == (None, ["32.73", "35.78"])


async def test_new_niks_are_checked_when_the_gateway_comes_back(
        database: Database, surabaya: Database, gateway_db: Any, live_pki: Path) -> None:
    """No approval needed: every member's NIK is announced (keyed hash only) when the
    gateway is reachable; while it is not, they wait, and go when it is back."""
    person = household(BANDUNG_DESA, members=2)
    clean = household(BANDUNG_DESA, members=1)  # control: held in Bandung only
    await store(database, [person, clean])
    moved = dataclasses.replace(person, desa_code=SURABAYA_DESA, members=person.members[:1])
    await store(surabaya, [moved], region="35.78")
    async with node_link(live_pki, "https://127.0.0.1:1", timeout_s=2) as dead:
        down = await relay(database, dead, live_pki, directory_key=SECRET).run_once(
            checkpoint=False)
    assert down.link_error is not None and down.announced == 0
    assert len(await unannounced(database)) == 3  # queued, not lost
    server = GatewayServer(gateway_db, live_pki)
    url = await server.start()
    try:
        async with node_link(live_pki, url) as link_a, \
                node_link(live_pki, url, "35.78") as link_b:
            bandung = relay(database, link_a, live_pki, directory_key=SECRET)
            east = relay(surabaya, link_b, live_pki, "35.78", directory_key=SECRET)
            first = await bandung.run_once(checkpoint=False)
            assert (first.announced, first.held_elsewhere, first.decisions) == (3, 0, 0)
            second = await east.run_once(checkpoint=False)
            assert (second.announced, second.held_elsewhere, second.decisions) == (1, 1, 1)
            again = await bandung.run_once(checkpoint=False)
            assert (again.announced, again.decisions) == (0, 1)  # nothing twice
            bad = await link_a.announce_niks(["not-a-key"])
            assert (bad.status, bad.body["code"]) == (400, "ANNOUNCE_MALFORMED")
            too_many = await link_a.announce_niks(["ab" * 32] * 1001)
            assert (too_many.status, too_many.body["code"]) == (400, "ANNOUNCE_MALFORMED")
    finally:
        await server.stop()
    assert await unannounced(database) == []
    nik = person.members[0].nik
    assert [(n, k, r) for n, k, _, r in await warnings(database)] == [
        (nik, "CROSS_REGION_DUPLICATE", False)]
    assert [(n, r) for n, _, _, r in await warnings(surabaya)] == [(nik, False)]
    async with gateway_db.reader() as session:
        keys = set((await session.execute(select(NikDirectoryEntry.nik_key))).scalars())
    every = [m.nik for m in [*person.members, *clean.members]]
    assert keys == {SECRET.key_of(n) for n in every}  # keyed hashes, never a NIK in clear
