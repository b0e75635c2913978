"""The gateway's own store on SQLite and PostgreSQL: migrations equal the models; node
registry, NIK directory and rollups keep what they are given."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sqlite3
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, Table, bindparam, select
from sqlalchemy.exc import IntegrityError

from gateway.adapters.database import open_database
from gateway.adapters.directory_store import DirectoryStore
from gateway.adapters.migrations import VERSION_TABLE, current_revision, head_revision
from gateway.adapters.node_store import NodeStore
from gateway.adapters.orm import Base
from gateway.adapters.rollup_store import RollupRow, RollupStore
from gateway.errors import UnknownNode
from gateway.federation.aggregates import Dimension
from gateway.federation.filters import HouseholdFilter
from gateway.federation.model import NodeStatus
from service_kit.sqlite_probe import ProbeBusy, SqliteProbe

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


async def test_migrations_create_exactly_the_models(gateway_database):
    def differences(connection):  # type: ignore[no-untyped-def]
        return compare_metadata(MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}), Base.metadata)

    async with gateway_database.write_engine.connect() as connection:
        assert await connection.run_sync(differences) == []
    assert await current_revision(gateway_database) == head_revision()


async def test_node_registry_add_repoint_health_remove(gateway_database):
    store = NodeStore(gateway_database)
    await store.add("32.73", "https://127.0.0.1:8101")
    node = await store.add("35.78", "https://127.0.0.1:8102")
    assert node.status is NodeStatus.PENDING
    await store.save_health(dataclasses.replace(
        node, status=NodeStatus.REFUSED, refused_reason="schema version 2.0 is incompatible",
        schema_version="2.0", last_seen=T0, latency_ms=12.5))
    refused = await store.get("35.78")
    assert refused is not None
    assert (refused.status, refused.schema_version, refused.latency_ms) == (
        NodeStatus.REFUSED, "2.0", 12.5)
    repointed = await store.add("35.78", "https://10.0.0.9:8443")
    assert (repointed.url, repointed.status, repointed.schema_version) == (
        "https://10.0.0.9:8443", NodeStatus.PENDING, None)
    await store.remove("32.73")
    assert [n.region for n in await store.all()] == ["35.78"]
    with pytest.raises(UnknownNode):
        await store.remove("32.73")


async def test_directory_snapshots_replace_only_their_region(gateway_database):
    store = DirectoryStore(gateway_database)
    assert await store.adopt_key("key-1") is False
    assert await store.replace_region("32.73", ["a", "b", "c"]) == 3
    await store.replace_region("35.78", ["c", "d"])  # c is held in Surabaya too
    assert await store.regions_holding("a") == ["32.73"]
    assert await store.regions_holding("c") == ["32.73", "35.78"]  # both: a duplicate
    assert await store.regions_of(["a", "c", "x"]) == {"a": ["32.73"],
                                                       "c": ["32.73", "35.78"]}
    await store.replace_region("32.73", ["a"])  # b and c left Bandung
    assert await store.regions_holding("b") == []
    assert await store.regions_holding("c") == ["35.78"]
    await store.learn("e", ["32.04"])
    assert await store.regions_holding("e") == ["32.04"]
    assert await store.count() == 4 and await store.count("35.78") == 2
    assert not await store.is_empty()
    assert await store.adopt_key("key-1") is False
    assert await store.adopt_key("key-2") is True  # a new key: old hashes are useless
    assert await store.count() == 0 and await store.is_empty()


async def test_rollups_group_across_regions_with_the_oldest_as_of(gateway_database):
    store = RollupStore(gateway_database)
    later = T0 + dt.timedelta(hours=1)
    await store.replace("32.73", [RollupRow(None, "ACTIVE", 1, 10, 30),
                                  RollupRow(None, "ACTIVE", 2, 5, 15),
                                  RollupRow("PKH", "ACTIVE", 1, 4, 12)], T0)
    await store.replace("32.04", [RollupRow(None, "ACTIVE", 1, 7, 20),
                                  RollupRow("PKH", "ACTIVE", 1, 3, 9)], later)
    await store.replace("35.78", [RollupRow(None, "PROPOSED", None, 2, 4)], later)
    regions = ["32.04", "32.73", "35.78"]

    by_province = await store.grouped([Dimension.PROVINCE], HouseholdFilter(), regions)
    assert {(g.province, g.households, g.members, g.as_of) for g in by_province} == {
        ("32", 22, 65, T0), ("35", 2, 4, later)}
    pkh = await store.grouped([Dimension.KABKOTA], HouseholdFilter(program="PKH"), regions)
    assert {(g.kabkota, g.households) for g in pkh} == {("32.73", 4), ("32.04", 3)}
    poorest = await store.grouped([], HouseholdFilter(region="32", desil_max=1), regions)
    assert [(g.households, g.members) for g in poorest] == [(17, 50)]
    surabaya = await store.grouped([Dimension.STATUS], HouseholdFilter(), ["35.78"])
    assert [(g.status, g.households, g.province) for g in surabaya] == [("PROPOSED", 2, None)]
    await store.replace("32.73", [], later)  # a region replaced whole
    snapshots = await store.snapshots()
    assert snapshots["32.73"] == later


async def test_rollups_of_many_regions_are_replaced_in_one_go(gateway_database):
    store = RollupStore(gateway_database)
    later = T0 + dt.timedelta(hours=1)
    await store.replace_many({"32.73": [RollupRow(None, "ACTIVE", 1, 10, 30)],
                              "32.04": [RollupRow(None, "ACTIVE", 1, 7, 20),
                                        RollupRow("PKH", "ACTIVE", 1, 3, 9)]}, T0)
    await store.replace_many({"32.04": [RollupRow(None, "ACTIVE", 2, 1, 2)],
                              "35.78": []}, later)  # 32.73 untouched, 35.78 empty
    assert await store.snapshots() == {"32.73": T0, "32.04": later, "35.78": later}
    by_region = await store.grouped([Dimension.KABKOTA], HouseholdFilter(),
                                    ["32.04", "32.73", "35.78"])
    assert {(g.kabkota, g.households, g.members) for g in by_region} == {
        ("32.73", 10, 30), ("32.04", 1, 2)}
    assert await store.grouped([Dimension.PROGRAM], HouseholdFilter(), ["32.04"]) == []
    await store.replace_many({}, later)  # nothing to do


async def test_a_refresh_that_fails_midway_keeps_every_previous_snapshot(gateway_database):
    store = RollupStore(gateway_database)
    await store.replace_many({"32.73": [RollupRow(None, "ACTIVE", 1, 10, 30)],
                              "32.04": [RollupRow(None, "ACTIVE", 1, 7, 20)]}, T0)
    broken = RollupRow(None, None, 1, 1, 1)  # type: ignore[arg-type]  # status is NOT NULL
    with pytest.raises(IntegrityError):
        await store.replace_many({"32.04": [RollupRow(None, "ACTIVE", 2, 1, 2)],
                                  "32.73": [broken]}, T0 + dt.timedelta(hours=1))
    assert await store.snapshots() == {"32.73": T0, "32.04": T0}
    by_region = await store.grouped([Dimension.KABKOTA], HouseholdFilter(), ["32.04", "32.73"])
    assert {(g.kabkota, g.households) for g in by_region} == {("32.73", 10), ("32.04", 7)}



async def test_a_probe_that_finds_the_database_locked_waits_on_a_thread(tmp_path):
    """On SQLite a probe (the NIK directory's look-up) runs on the event loop's thread and
    never waits there; finding the database locked, it waits on a worker thread instead."""
    path = tmp_path / "locked.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.executescript("CREATE TABLE entry (k TEXT PRIMARY KEY, v TEXT); "
                         "INSERT INTO entry VALUES ('a', 'before');")
    entry = Table("entry", MetaData(), Column("k", String, primary_key=True), Column("v", String))
    probe = select(entry.c.v).where(entry.c.k == bindparam("k"))
    holder.execute("BEGIN EXCLUSIVE")  # rollback journal: no reader gets in
    holder.execute("UPDATE entry SET v = 'after'")
    with pytest.raises(ProbeBusy):
        SqliteProbe(f"sqlite:///{path}").first_value(probe, {"k": "a"})
    database = open_database(f"sqlite:///{path}")
    try:
        asyncio.get_running_loop().call_later(0.3, holder.execute, "COMMIT")
        started = time.monotonic()
        assert await database.probe(probe, {"k": "a"}) == "after"
        assert time.monotonic() - started >= 0.25  # it waited for the lock, off the loop
        assert await database.probe(probe, {"k": "nope"}) is None
    finally:
        holder.close()
        await database.dispose()
