"""``pmt_score.score_q`` (node migration 0018) is always ``quantise(score)``, the score as the
national deciles count it (docs/deciles.md), on SQLite and PostgreSQL: whichever writer
stored the score (the registry, an import in both modes, an approved correction, a model
load's recompute, an ORM insert), and for the rows the migration found already stored."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection, select, text, update

from regional_node.adapters.database import Database
from regional_node.adapters.migrations import alembic_config, current_revision, head_revision
from regional_node.adapters.orm import PmtScore, utcnow
from regional_node.domain.proposal_details import DataCorrection
from regional_node.service_layer.import_file_writer import write_import_csv
from regional_node.service_layer.importer import ImportMode, import_households
from regional_node.service_layer.pmt import load_model, recompute_all
from regional_node.service_layer.proposal_effects import apply_details
from regional_node.service_layer.synthetic import generate_households
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.deciles import quantise
from schema.enums import FloorMaterial, Toilet
from tests import factories
from tests.node.helpers import TEST_ACTOR, store
from tests.node.test_pmt_store import FITTED
from tests.node.test_score_histogram import TRICKY


async def stored(database: Database) -> list[tuple[int, float, int]]:
    async with database.reader() as session:
        rows = await session.execute(select(PmtScore.household_id, PmtScore.score,
                                            PmtScore.score_q).order_by(PmtScore.household_id))
        return [(h, s, q) for h, s, q in rows]


async def assert_in_step(database: Database, expected_rows: int) -> None:
    rows = await stored(database)
    assert len(rows) == expected_rows
    assert [(h, q) for h, _, q in rows] == [(h, quantise(s)) for h, s, _ in rows]


async def test_every_writer_keeps_it_in_step(database: Database, tmp_path: Path) -> None:
    ids = await store(database, [factories.household(members=3) for _ in range(4)])
    await assert_in_step(database, 4)
    async with UnitOfWork(database, TEST_ACTOR) as uow:  # an approved correction: rescore
        await apply_details(uow, DataCorrection(ids[0], 1, {
            "floor_material": FloorMaterial.EARTH, "toilet": Toilet.NONE}),
            set(), "32.73", dt.date.today())
        await uow.commit()
    await assert_in_step(database, 4)
    for mode in ImportMode:
        path = tmp_path / f"dtks-{mode.value}.csv"
        write_import_csv(path, generate_households("32.73", 120, seed=len(mode.value)))
        report = await import_households(database, path, node_region="32.73",
                                         actor=TEST_ACTOR, mode=mode, batch_size=50,
                                         reading_process=False)
        assert report.ok
    households = len(await stored(database))
    assert households > 4
    await assert_in_step(database, households)
    async with UnitOfWork(database, TEST_ACTOR) as uow:  # a model load: every score again
        await load_model(uow, json.dumps(FITTED))
        await recompute_all(uow, batch_size=64)
        await uow.commit()
    await assert_in_step(database, households)


async def test_an_orm_insert_gets_it_from_the_score(database: Database) -> None:
    ids = await store(database, [factories.household() for _ in TRICKY])
    async with database.writer() as session, session.begin():
        await session.execute(PmtScore.__table__.delete())
        for household_id, score in zip(ids, TRICKY, strict=True):
            session.add(PmtScore(household_id=household_id, score=score,
                                 model_version="test", computed_at=utcnow()))
    await assert_in_step(database, len(TRICKY))


def _migrate(connection: Connection, revision: str, down: bool) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    (command.downgrade if down else command.upgrade)(config, revision)


async def test_the_migration_fills_it_for_stored_scores(database: Database) -> None:
    ids = await store(database, [factories.household() for _ in TRICKY])
    async with database.write_engine.begin() as connection:
        await connection.run_sync(_migrate, "0017", True)
    assert await current_revision(database) == "0017"
    async with database.writer() as session, session.begin():
        for household_id, score in zip(ids, TRICKY, strict=True):
            await session.execute(text("UPDATE pmt_score SET score = :s WHERE household_id "
                                       "= :h"), {"s": score, "h": household_id})
    async with database.write_engine.begin() as connection:
        await connection.run_sync(_migrate, "head", False)
    assert await current_revision(database) == head_revision()
    await assert_in_step(database, len(TRICKY))
    assert sorted(s for _, s, _ in await stored(database)) == sorted(TRICKY)
    async with database.writer() as session, session.begin():  # NOT NULL from now on
        with pytest.raises(Exception, match="(?i)null"):
            async with session.begin_nested():
                await session.execute(update(PmtScore).values(score_q=None))
