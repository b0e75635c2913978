"""``siks seed --csv``: the generated households as an import file that the importer reads back
unchanged."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import itertools
from pathlib import Path

from sqlalchemy import select

from regional_node.adapters.database import open_database
from regional_node.adapters.orm import Household, Member
from regional_node.domain.audit import Actor
from regional_node.domain.import_format import COLUMNS
from regional_node.domain.records import HouseholdRecord, MemberRecord
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.import_file_writer import write_import_csv
from regional_node.service_layer.importer import ImportMode, import_households
from regional_node.service_layer.synthetic import generate_households
from schema.enums import Relationship
from siks.cli import main

REGION = "32.73"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_writer_fills_every_column_of_the_import_format() -> None:
    known = ({f.name for f in dataclasses.fields(HouseholdRecord)}
             | {f.name for f in dataclasses.fields(MemberRecord)})
    assert {c.name for c in COLUMNS} <= known


def test_seed_csv_writes_one_row_per_person_grouped_by_kk(tmp_path: Path, capsys) -> None:
    path = tmp_path / "households.csv"
    assert main(["seed", "--region", REGION, "--households", "120", "--seed", "4", "--csv",
                 str(path), "--quiet"]) == 0
    assert "wrote 120 households" in capsys.readouterr().out
    with path.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == [c.name for c in COLUMNS]
    rows = _rows(path)
    records = list(generate_households(REGION, 120, seed=4))
    assert len(rows) == sum(len(r.members) for r in records)
    groups = [(kk, list(group)) for kk, group in itertools.groupby(rows, lambda r: r["kk_number"])]
    assert [kk for kk, _ in groups] == [r.kk_number for r in records]  # consecutive, in order
    for (_, group), record in zip(groups, records, strict=True):
        assert group[0]["relationship"] == Relationship.HEAD.value
        assert {row["address"] for row in group} == {record.address}  # repeated on every row


def test_seed_csv_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    for path in (first, second):
        assert main(["seed", "--region", REGION, "--households", "80", "--seed", "11",
                     "--csv", str(path), "--quiet"]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_the_importer_reads_a_seeded_file_back_unchanged(database_url: str,
                                                         tmp_path: Path) -> None:
    records = list(generate_households(REGION, 150, seed=21))
    path = tmp_path / "households.csv"
    write_import_csv(path, records)

    async def run() -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], int]:
        database = open_database(database_url)
        try:
            report = await import_households(database, path, node_region=REGION,
                                             actor=Actor("test:seed-csv", "DINSOS"),
                                             mode=ImportMode.ALL_OR_NOTHING)
            assert report.errors == []
            async with database.reader() as session:
                households = (await session.execute(select(
                    Household.kk_number, Household.desa_code).order_by(Household.id))).all()
                members = (await session.execute(select(
                    Member.nik, Member.name, Member.relationship).order_by(Member.id))).all()
            chain = await verify_audit_chain(database)
            assert chain.ok
            return ([tuple(h) for h in households], [tuple(m) for m in members],
                    chain.verified)
        finally:
            await database.dispose()

    households, members, audited = asyncio.run(run())
    assert households == [(r.kk_number, r.desa_code) for r in records]
    assert members == [(m.nik, m.name, m.relationship.value) for r in records
                       for m in r.members]
    assert audited == len(records)


def test_an_unwritable_csv_path_is_one_line(tmp_path: Path, capsys) -> None:
    target = tmp_path / "missing" / "households.csv"
    assert main(["seed", "--region", REGION, "--households", "3", "--csv", str(target),
                 "--quiet"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("siks: error: cannot write") and error.count("\n") == 1
