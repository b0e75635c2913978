"""PMT scores in the node's database (SQLite and PostgreSQL): stored with new households (the
registry, an import in both modes), computed again when an approval changes a household, and
for every household when a model is loaded (audited, the run recorded); the CLI's refusals."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from regional_node.adapters.database import Database
from regional_node.adapters.household_records import load_household
from regional_node.adapters.orm import AuditEntry, PmtModelRow, PmtRun, PmtScore
from regional_node.domain.audit import digest
from regional_node.domain.pmt_model import model_document
from regional_node.domain.proposal_details import DataCorrection
from regional_node.errors import Conflict
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.import_file_writer import write_import_csv
from regional_node.service_layer.importer import ImportMode, import_households
from regional_node.service_layer.pmt import default_model, load_model, recompute_all
from regional_node.service_layer.proposal_effects import apply_details
from regional_node.service_layer.synthetic import generate_households
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.enums import FloorMaterial, Toilet
from siks.cli import main
from tests import factories
from tests.node.helpers import TEST_ACTOR, store

FITTED = {"format": "siks-pmt/1", "version": "bandung-2027", "description": "uji / test",
          "default": {"intercept": 13.0, "coefficients": {"toilet=NONE": -0.5}},
          "regions": {"32": {"intercept": 12.5,
                             "coefficients": {"floor_material=EARTH": -0.25}}}}


async def _scores(database: Database) -> dict[int, tuple[float, str]]:
    async with database.reader() as session:
        rows = await session.execute(select(PmtScore.household_id, PmtScore.score,
                                            PmtScore.model_version))
        return {household: (score, version) for household, score, version in rows}


async def _count(database: Database, model: Any) -> int:
    async with database.reader() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_registered_household_is_stored_with_its_score(database: Database) -> None:
    record = factories.household(members=4)
    record.floor_material, record.toilet, record.floor_area_m2 = (
        FloorMaterial.EARTH, Toilet.NONE, 30.0)
    [household_id] = await store(database, [record])
    async with database.reader() as session:
        stored = await load_household(session, household_id)
        row = await session.get(PmtScore, household_id)
    assert stored is not None and row is not None
    from regional_node.domain.household_rows import household_rows
    from regional_node.domain.pmt import facts_from_rows

    values, members, _, _ = household_rows(stored.record, with_digest=False)
    expected = default_model().score(facts_from_rows(values, members), row.computed_at.date())
    assert row.model_version == "ilustrasi-2026.1"
    assert row.score == pytest.approx(expected, abs=1e-9)


async def test_an_approved_correction_computes_the_score_again(database: Database) -> None:
    [household_id] = await store(database, [factories.household(members=3)])
    before = (await _scores(database))[household_id]
    async with UnitOfWork(database, TEST_ACTOR) as uow:
        await apply_details(uow, DataCorrection(household_id, 1, {
            "floor_material": FloorMaterial.EARTH, "toilet": Toilet.NONE}),
            set(), "32.73", dt.date.today())
        await uow.commit()
    after = (await _scores(database))[household_id]
    # the default model: earth floor -0.18, no toilet -0.17
    assert after[0] == pytest.approx(before[0] - 0.18 - 0.17, abs=1e-9)
    assert after[1] == before[1] == "ilustrasi-2026.1"


@pytest.mark.parametrize("mode", list(ImportMode))
async def test_an_import_stores_the_scores_a_recompute_would(database: Database,
                                                             tmp_path: Path,
                                                             mode: ImportMode) -> None:
    path = tmp_path / "dtks.csv"
    write_import_csv(path, generate_households("32.73", 450, seed=11))
    report = await import_households(database, path, node_region="32.73", actor=TEST_ACTOR,
                                     mode=mode, batch_size=100, reading_process=False)
    assert report.ok and report.households_stored == 450
    imported = await _scores(database)
    assert len(imported) == 450
    async with UnitOfWork(database, TEST_ACTOR) as uow:
        run = await recompute_all(uow, batch_size=64)
        await uow.commit()
    assert (run.households, run.changed) == (450, 0)
    assert await _scores(database) == imported


async def test_loading_a_model_recomputes_every_score_and_is_audited(database: Database
                                                                     ) -> None:
    earth = factories.household()
    earth.floor_material = FloorMaterial.EARTH
    ids = await store(database, [factories.household(), factories.household(), earth])
    entries = await _count(database, AuditEntry)
    async with UnitOfWork(database, TEST_ACTOR) as uow:
        model = await load_model(uow, json.dumps(FITTED))
        run = await recompute_all(uow, batch_size=2)
        await uow.commit()
    scores = await _scores(database)
    # Jawa Barat's coefficients, not the default's (a kab/kota's own would come first)
    assert [scores[i][0] for i in ids] == pytest.approx([12.5, 12.5, 12.25])
    assert {version for _, version in scores.values()} == {"bandung-2027"}
    assert (run.model_version, run.households, run.changed) == ("bandung-2027", 3, 3)
    async with database.reader() as session:
        entry_rows = (await session.execute(select(AuditEntry).where(
            AuditEntry.seq > entries).order_by(AuditEntry.seq))).scalars().all()
        [stored_run] = (await session.execute(select(PmtRun))).scalars().all()
        [stored_model] = (await session.execute(select(PmtModelRow))).scalars().all()
    assert [(e.action, e.entity_type, e.entity_id) for e in entry_rows] == [
        ("pmt.model_load", "pmt_model", "bandung-2027"),
        ("pmt.recompute", "pmt_run", str(stored_run.id))]
    assert entry_rows[0].after_digest == digest(model_document(model)) == digest(
        stored_model.document)
    assert entry_rows[1].after_digest == digest({
        "model_version": "bandung-2027", "households": 3, "changed": 3,
        "scores_digest": stored_run.scores_digest})
    assert (stored_run.households, stored_run.changed, stored_run.actor) == (
        3, 3, TEST_ACTOR.id)
    assert (await verify_audit_chain(database)).first_break is None
    async with UnitOfWork(database, TEST_ACTOR) as uow:
        again = await recompute_all(uow)
        await uow.commit()
    assert (again.households, again.changed) == (3, 0)
    assert again.scores_digest == run.scores_digest


async def test_a_version_is_loaded_once(database: Database) -> None:
    async with UnitOfWork(database, TEST_ACTOR) as uow:
        await load_model(uow, json.dumps(FITTED))
        await uow.commit()
    changed = dict(FITTED, description="other coefficients, same version")
    async with UnitOfWork(database, TEST_ACTOR) as uow:
        with pytest.raises(Conflict, match="bandung-2027 is loaded already"):
            await load_model(uow, json.dumps(changed))
    assert await _count(database, PmtModelRow) == 1


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_refuses_a_bad_model_in_one_line_and_changes_nothing(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(dict(FITTED, regions={"32.73": {
        "intercept": 12.5, "coefficients": {"floor_material=MUD": -1}}})), encoding="utf-8")
    before = _table_counts(database_url)
    code, out, err = _cli(capsys, "node", "pmt", "load", str(bad), "--db", database_url)
    assert (code, out) == (2, "")
    assert err == ('siks: error: model PMT regions["32.73"]: coefficients["floor_material=MUD"]'
                   ": fitur tidak dikenal (lihat docs/pmt.md) / unknown feature (see "
                   "docs/pmt.md)\n")
    missing = tmp_path / "nowhere.json"
    code, _, err = _cli(capsys, "node", "pmt", "load", str(missing), "--db", database_url)
    assert code == 2 and err.startswith(f"siks: error: tidak dapat membaca / cannot read "
                                        f"{missing}: No such file") and err.count("\n") == 1
    assert _table_counts(database_url) == before


def test_the_cli_refuses_a_version_loaded_before(database_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "model.json"
    model.write_text(json.dumps(FITTED), encoding="utf-8")
    code, out, _ = _cli(capsys, "node", "pmt", "load", str(model), "--db", database_url)
    assert code == 0 and out.startswith("model PMT bandung-2027 dimuat / loaded\n")
    before = _table_counts(database_url)
    code, out, err = _cli(capsys, "node", "pmt", "load", str(model), "--db", database_url)
    assert (code, out) == (2, "")
    assert err == ("siks: error: model PMT versi bandung-2027 sudah dimuat; beri versi baru / "
                   "PMT model version bandung-2027 is loaded already; give it a new version\n")
    assert _table_counts(database_url) == before


def test_the_cli_refuses_a_bad_survey_row(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    survey = tmp_path / "survey.csv"
    code, _, _ = _cli(capsys, "node", "pmt", "example-survey", "--region", "32.73",
                      "--households", "40", "--output", str(survey))
    assert code == 0
    lines = survey.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",0"  # the first household's first row
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = _cli(capsys, "node", "pmt", "fit", str(survey), "--version", "v",
                          "--output", str(tmp_path / "m.json"))
    assert (code, out) == (2, "")
    assert err == ("siks: error: survei baris 2, kolom consumption_per_capita: harus lebih dari "
                   "0 / survey row 2, column consumption_per_capita: must be more than 0\n")
    assert not (tmp_path / "m.json").exists()


def _table_counts(database_url: str) -> dict[str, int]:
    import asyncio

    from regional_node.adapters.database import open_database

    async def run() -> dict[str, int]:
        database = open_database(database_url)
        try:
            return {model.__tablename__: await _count(database, model)
                    for model in (PmtModelRow, PmtScore, PmtRun, AuditEntry)}
        finally:
            await database.dispose()

    return asyncio.run(run())



def test_the_cli_recomputes_every_score(database_url: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    from regional_node.adapters.database import open_database

    async def seed() -> None:
        database = open_database(database_url)
        try:
            await store(database, [factories.household(), factories.household()])
        finally:
            await database.dispose()

    asyncio.run(seed())
    code, out, err = _cli(capsys, "node", "pmt", "recompute", "--db", database_url,
                          "--actor", "petugas")
    assert (code, err) == (0, "")
    assert out.startswith("skor dihitung ulang / scores recomputed: 2 rumah tangga / "
                          "households, 0 berubah / changed (model ilustrasi-2026.1, digest ")
    assert _table_counts(database_url)["pmt_run"] == 1
