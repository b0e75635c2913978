"""Bulk import on SQLite and PostgreSQL: what is stored, what is reported, in both modes.

Files are made in ``tmp_path`` from three valid households (4 members each: HEAD, SPOUSE,
CHILD, CHILD), so the sheet rows are: household 0 → rows 2-5, 1 → rows 6-9, 2 → rows 10-13.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditEntry, Household, Member, ProgramMembership
from regional_node.domain.audit import Actor
from regional_node.domain.household_rows import HouseholdRows
from regional_node.domain.import_format import RowError
from regional_node.domain.records import HouseholdRecord
from regional_node.errors import Conflict, TableFileError
from regional_node.service_layer import import_writer, importer, registry
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.import_reading import FIRST_BATCH, _next_size
from regional_node.service_layer.importer import ImportMode, ImportReport, import_households
from schema.regions import RegionLevel, regions
from tests.factories import household
from tests.node.helpers import store
from tests.node.import_files import (
    Row,
    generate_households,
    implausible,
    person_rows,
    write_csv,
    write_xlsx,
)

ACTOR = Actor("cli:test-operator", "DINSOS")
SKIP = ImportMode.SKIP_BAD_ROWS
READING_PROCESS = False


@pytest.fixture(autouse=True, params=[False, True], ids=["read-here", "read-in-process"])
def reading_process(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Every test runs with the file read in this process and in a second one."""
    monkeypatch.setattr(sys.modules[__name__], "READING_PROCESS", request.param)
    return bool(request.param)


@pytest.fixture
def records() -> list[HouseholdRecord]:
    return generate_households(3)


@pytest.fixture
def rows(records: list[HouseholdRecord]) -> list[Row]:
    return person_rows(records)


async def run(database: Database, path: Path, mode: ImportMode = ImportMode.ALL_OR_NOTHING,
              **options: object) -> ImportReport:
    return await import_households(database, path, node_region="32.73", actor=ACTOR,
                                   mode=mode, reading_process=READING_PROCESS,
                                   **options)  # type: ignore[arg-type]


async def counts(database: Database) -> dict[str, int]:
    async with database.reader() as session:
        return {model.__tablename__: (await session.execute(
            select(func.count()).select_from(model))).scalar_one()
            for model in (Household, Member, ProgramMembership, AuditEntry)}


async def stored_niks(database: Database) -> set[str]:
    async with database.reader() as session:
        return set((await session.execute(select(Member.nik))).scalars())


def located(report: ImportReport) -> set[tuple[int, str, str]]:
    return {(e.row, e.column, e.reason) for e in report.errors}


async def test_valid_csv_is_stored_whole_with_programs_and_audit(
        database: Database, rows: list[Row], records: list[HouseholdRecord],
        tmp_path: Path) -> None:
    report = await run(database, write_csv(tmp_path / "dtks.csv", rows))

    assert report.errors == []
    assert (report.rows_read, report.households_read, report.households_stored,
            report.members_stored, report.households_skipped) == (12, 3, 3, 12, 0)
    assert await counts(database) == {"household": 3, "member": 12, "program_membership": 6,
                                      "audit_entry": 3}
    async with database.reader() as session:
        stored = (await session.execute(select(Household).where(
            Household.kk_number == records[1].kk_number))).scalar_one()
        assert (stored.desa_code, stored.address, stored.desil) == (
            records[1].desa_code, records[1].address, records[1].desil)
        programs = (await session.execute(
            select(ProgramMembership.program, Member.nik, ProgramMembership.start_date)
            .outerjoin(Member, Member.id == ProgramMembership.member_id)
            .where(ProgramMembership.household_id == stored.id)
            .order_by(ProgramMembership.program))).all()
    assert [tuple(p) for p in programs] == [
        ("PBI_JK", records[1].members[-1].nik, dt.date(2026, 1, 1)),
        ("PKH", None, dt.date(2026, 1, 1))]
    chain = await verify_audit_chain(database)
    assert chain.ok and chain.verified == 3


@pytest.mark.parametrize("mode", list(ImportMode))
async def test_xlsx_with_indonesian_headers_date_cells_and_synonyms(
        database: Database, records: list[HouseholdRecord], tmp_path: Path,
        mode: ImportMode) -> None:
    header = ["NO", "NO_KK", "KODE_DESA", "ALAMAT", "NIK", "NAMA", "TGL_LAHIR", "JK", "HUB_KK",
              "PROGRAM"]
    words = {"HEAD": "KEPALA KELUARGA", "SPOUSE": "ISTRI", "CHILD": "ANAK"}
    sheet = [[number, int(r.kk_number), r.desa_code.replace(".", ""), r.address, m.nik, m.name,
              dt.datetime.combine(m.birth_date, dt.time()), "L" if m.sex == "MALE" else "P",
              words[m.relationship], "PKH@2026-S1" if index == 0 else ""]
             for number, r in enumerate(records[:2], start=1)
             for index, m in enumerate(r.members)]
    path = write_xlsx(tmp_path / "dtks.xlsx", sheet, header, sheet="DTKS", first_sheet="info")

    report = await run(database, path, mode, sheet="DTKS")

    assert report.errors == []
    assert report.households_stored == 2 and report.members_stored == 8
    assert await stored_niks(database) == {m.nik for r in records[:2] for m in r.members}
    async with database.reader() as session:
        relationships = (await session.execute(select(Member.relationship).where(
            Member.nik == records[0].members[1].nik))).scalar_one()
    assert relationships == "SPOUSE"


async def test_csv_with_semicolons_bom_and_day_first_dates(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    for row in rows:
        year, month, day = row["birth_date"].split("-")
        row["birth_date"] = f"{day}/{month}/{year}"
    path = write_csv(tmp_path / "dtks.csv", rows, delimiter=";", bom=True)

    report = await run(database, path)

    assert report.errors == [] and report.households_stored == 3


def _desa_outside_region() -> str:
    return next(regions().descendants("32.04", RegionLevel.DESA)).code


def _set(row_number: int, **cells: str) -> Callable[[list[Row]], None]:
    def change(rows: list[Row]) -> None:
        rows[row_number - 2].update(cells)
    return change


def _set_household(first_row: int, **cells: str) -> Callable[[list[Row]], None]:
    def change(rows: list[Row]) -> None:
        for row in rows[first_row - 2:first_row + 2]:
            row.update(cells)
    return change


def _copy_person(source_row: int, target_row: int) -> Callable[[list[Row]], None]:
    def change(rows: list[Row]) -> None:
        source = rows[source_row - 2]
        rows[target_row - 2].update({k: source[k] for k in ("nik", "name", "birth_date", "sex")})
    return change


def _born_in_the_future(row_number: int) -> Callable[[list[Row]], None]:
    """A birth date next year with a NIK that agrees with it: the NIK's two-digit year fits
    the last century too, so only the date itself can tell (issue 15)."""
    def change(rows: list[Row]) -> None:
        import datetime as dt

        from schema.identity_numbers import Sex, make_nik

        row = rows[row_number - 2]
        born = dt.date.today() + dt.timedelta(days=200)
        sex = Sex.FEMALE if row["sex"] in ("FEMALE", "P") else Sex.MALE
        row.update(birth_date=born.isoformat(),
                   nik=make_nik(row["nik"][:6], born, sex, int(row["nik"][12:])))
    return change


ERROR_CASES = {
    "birth date in the future, the NIK agreeing": (_born_in_the_future(4),
                                                   (4, "birth_date", "future_date")),
    "bad NIK": (_set(3, nik="32730141025"), (3, "nik", "length")),
    "NIK and birth date disagree": (_set(4, birth_date="2001-01-01"),
                                    (4, "birth_date", "nik_mismatch")),
    "NIK and sex disagree": (_set(4, sex="FEMALE"), (4, "sex", "nik_mismatch")),
    "unknown desa": (_set_household(6, desa_code="32.73.01.9999"), (6, "desa_code", "unknown")),
    "desa outside region": (_set_household(6, desa_code=_desa_outside_region()),
                            (6, "desa_code", "out_of_region")),
    "no head": (_set(6, relationship="CHILD"), (6, "relationship", "one_head")),
    "two heads": (_set(7, relationship="HEAD"), (7, "relationship", "one_head")),
    "duplicate NIK in file": (_copy_person(3, 12), (12, "nik", "duplicate_in_file")),
    "duplicate NIK in household": (_copy_person(11, 12), (12, "nik", "duplicate")),
    "bad enum": (_set(8, education="UNIVERSITY"), (8, "education", "invalid_choice")),
    "bad date": (_set(9, birth_date="31-02-1990"), (9, "birth_date", "invalid_date")),
    "empty name": (_set(9, name=" "), (9, "name", "required")),
    "household fields disagree": (_set(8, address="Jl. Lain No. 1"),
                                  (8, "address", "household_mismatch")),
    "bad program": (_set(11, programs="PKH"), (11, "programs", "invalid_program")),
    "desil out of range": (_set_household(10, desil="11"), (10, "desil", "out_of_range")),
    "inactive household": (_set_household(10, status="INACTIVE"),
                           (10, "status", "not_importable")),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
async def test_each_error_is_reported_where_the_operator_can_fix_it(
        database: Database, rows: list[Row], tmp_path: Path, case: str) -> None:
    change, expected = ERROR_CASES[case]
    change(rows)

    report = await run(database, write_csv(tmp_path / "dtks.csv", rows))

    assert expected in located(report), report.errors
    assert len({(e.row, e.column) for e in report.errors}) == len(report.errors)
    assert report.households_stored == 0 and report.households_skipped == 3
    assert await counts(database) == dict.fromkeys(
        ("household", "member", "program_membership", "audit_entry"), 0)


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
async def test_an_xlsx_reports_each_error_at_the_same_row_and_column_as_a_csv(
        database: Database, rows: list[Row], tmp_path: Path, case: str) -> None:
    """The fast XLSX reader (calamine) keeps every message where Excel shows the cell."""
    change, expected = ERROR_CASES[case]
    change(rows)

    report = await run(database, write_xlsx(tmp_path / "dtks.xlsx", rows))

    assert expected in located(report), report.errors
    assert report.households_stored == 0 and report.households_skipped == 3


async def test_blank_xlsx_rows_count_in_the_row_numbers(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    _set(3, nik="32730141025")(rows)
    sheet: list[Any] = [*rows[:1], {}, {}, *rows[1:]]  # two blank rows after row 2

    report = await run(database, write_xlsx(tmp_path / "dtks.xlsx", sheet))

    assert (5, "nik", "length") in located(report), report.errors


async def test_numbers_typed_as_numbers_in_excel_are_read_as_identity_numbers(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    sheet = [{**row, "nik": int(row["nik"]), "kk_number": int(row["kk_number"])}
             for row in rows]

    report = await run(database, write_xlsx(tmp_path / "dtks.xlsx", sheet))

    assert report.errors == [] and report.households_stored == 3
    assert await stored_niks(database) == {row["nik"] for row in rows}


async def test_a_file_that_is_not_a_workbook_is_one_typed_error(
        database: Database, tmp_path: Path) -> None:
    path = tmp_path / "dtks.xlsx"
    path.write_text("NIK,NAMA\n", encoding="utf-8")
    with pytest.raises(TableFileError, match="dtks.xlsx is not a readable .xlsx workbook"):
        await run(database, path)
    assert (await counts(database))["household"] == 0


@pytest.mark.parametrize("mode", list(ImportMode))
async def test_a_split_kk_is_refused_in_every_place(
        database: Database, rows: list[Row], records: list[HouseholdRecord], tmp_path: Path,
        mode: ImportMode) -> None:
    reordered = rows[:2] + rows[4:8] + rows[2:4] + rows[8:]  # household 0 at rows 2-3 and 8-9
    report = await run(database, write_csv(tmp_path / "dtks.csv", reordered), mode)

    assert located(report) == {(2, "kk_number", "duplicate_in_file"),
                               (8, "kk_number", "duplicate_in_file")}
    stored = {m.nik for r in records[1:] for m in r.members} if mode is SKIP else set()
    assert await stored_niks(database) == stored  # never a part of household 0


@pytest.mark.parametrize("mode", list(ImportMode))
async def test_a_nik_in_two_households_stops_both(
        database: Database, rows: list[Row], records: list[HouseholdRecord], tmp_path: Path,
        mode: ImportMode) -> None:
    _copy_person(3, 12)(rows)  # household 0's spouse again in household 2, a later batch
    report = await run(database, write_csv(tmp_path / "dtks.csv", rows), mode, batch_size=1)

    assert located(report) == {(3, "nik", "duplicate_in_file"), (12, "nik", "duplicate_in_file")}
    assert report.households_with_errors == 2
    stored = {m.nik for m in records[1].members} if mode is SKIP else set()
    assert await stored_niks(database) == stored


async def test_already_registered_kk_and_nik_are_reported(
        database: Database, rows: list[Row], records: list[HouseholdRecord],
        tmp_path: Path) -> None:
    await store(database, [records[1]])
    report = await run(database, write_csv(tmp_path / "dtks.csv", rows))

    assert {(6, "kk_number", "already_registered"), (6, "nik", "already_registered"),
            (9, "nik", "already_registered")} <= located(report)
    assert (await counts(database))["household"] == 1
    [nik_error, *_] = [e for e in report.errors if e.column == "nik"]
    assert nik_error.message.text("id").endswith(
        f"sudah terdaftar di node ini, dalam KK {records[1].kk_number}")  # issue 15


async def test_missing_column_is_one_error_before_any_row_is_read(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    header = [name for name in rows[0] if name != "nik"]
    report = await run(database, write_csv(tmp_path / "dtks.csv", rows, header))

    assert report.errors == [RowError(1, "nik", "missing_column", report.errors[0].message)]
    assert report.rows_read == 0 and "no_nik" in report.errors[0].message.text("en")


async def test_all_or_nothing_keeps_existing_data_and_rolls_back_earlier_batches(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    existing = household("32.73.05.1001", members=2)
    await store(database, [existing])
    before = await counts(database)
    _set(12, birth_date="not a date")(rows)  # household 2, in the last batch

    report = await run(database, write_csv(tmp_path / "dtks.csv", rows), batch_size=1)

    assert located(report) == {(12, "birth_date", "invalid_date")}
    assert (report.households_stored, report.members_stored, report.households_skipped) == (
        0, 0, 3)
    assert await counts(database) == before
    assert await stored_niks(database) == {m.nik for m in existing.members}
    assert (await verify_audit_chain(database)).ok


async def test_a_batch_the_database_refuses_midway_stores_nothing(
        database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second of four batches (1, 200, 200, 1 households) reuses a household key of the
    first, so the database refuses it (on PostgreSQL while the third is prepared ahead): a
    conflict, and nothing of the file is stored."""
    existing = household("32.73.05.1001", members=2)
    await store(database, [existing])
    before = await counts(database)
    drawn: list[list[int]] = []
    draw = registry.draw_household_keys

    async def a_key_again(session: AsyncSession, prepared: Sequence[HouseholdRows]
                          ) -> tuple[list[int], list[int]]:
        household_ids, member_ids = await draw(session, prepared)
        drawn.append(household_ids)
        if len(drawn) == 2:
            household_ids = [drawn[0][0], *household_ids[1:]]
        return household_ids, member_ids

    monkeypatch.setattr(registry, "draw_household_keys", a_key_again)
    monkeypatch.setattr(import_writer, "draw_household_keys", a_key_again)
    path = write_csv(tmp_path / "dtks.csv", person_rows(generate_households(402, members=2)))
    with pytest.raises(Conflict, match="conflicts with stored data"):
        await run(database, path, batch_size=1)

    assert len(drawn) >= 2
    assert await counts(database) == before
    assert await stored_niks(database) == {m.nik for m in existing.members}
    assert (await verify_audit_chain(database)).ok


async def test_an_error_preparing_a_batch_stores_nothing(
        database: Database, rows: list[Row], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Building the second batch's rows fails (on PostgreSQL while the first batch is being
    stored): the error comes out, the first batch is rolled back with everything else."""
    existing = household("32.73.05.1001", members=2)
    await store(database, [existing])
    before = await counts(database)
    built: list[int] = []
    tables = registry.household_tables

    def failing_second(*args: Any) -> Any:
        built.append(len(args[0]))
        if len(built) == 2:
            raise RuntimeError("building the rows failed")
        return tables(*args)

    monkeypatch.setattr(registry, "household_tables", failing_second)
    monkeypatch.setattr(import_writer, "household_tables", failing_second)
    with pytest.raises(RuntimeError, match="building the rows failed"):
        await run(database, write_csv(tmp_path / "dtks.csv", rows), batch_size=1)

    assert await counts(database) == before
    assert await stored_niks(database) == {m.nik for m in existing.members}
    assert (await verify_audit_chain(database)).ok


async def test_a_reading_error_after_stored_batches_stores_nothing(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    """The last household's last row cannot be read (a cell over the csv module's limit):
    the batches before it, sent or prepared ahead, are rolled back."""
    existing = household("32.73.05.1001", members=2)
    await store(database, [existing])
    before = await counts(database)
    rows[-1]["occupation"] = "x" * (csv.field_size_limit() + 1)

    with pytest.raises(TableFileError,
                       match=rf"dtks.csv, baris/line {len(rows) + 1}: .*field larger than"):
        await run(database, write_csv(tmp_path / "dtks.csv", rows), batch_size=1)

    assert await counts(database) == before
    assert await stored_niks(database) == {m.nik for m in existing.members}
    assert (await verify_audit_chain(database)).ok


async def test_skip_bad_rows_stores_good_households_whole(
        database: Database, rows: list[Row], records: list[HouseholdRecord],
        tmp_path: Path) -> None:
    _set(8, sex="X")(rows)  # one bad member of household 1
    report = await run(database, write_csv(tmp_path / "dtks.csv", rows), SKIP, batch_size=2)

    assert located(report) == {(8, "sex", "invalid_choice")}
    assert (report.households_stored, report.members_stored, report.households_skipped,
            report.households_with_errors) == (2, 8, 1, 1)
    assert await stored_niks(database) == {m.nik for r in (records[0], records[2])
                                           for m in r.members}
    chain = await verify_audit_chain(database)
    assert chain.ok and chain.verified == 2


async def test_skip_mode_catches_duplicates_across_batches(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    duplicated = rows + rows[:4]  # household 0 again, at rows 14-17, in a later batch
    report = await run(database, write_csv(tmp_path / "dtks.csv", duplicated), SKIP,
                       batch_size=1)

    assert {(2, "kk_number", "duplicate_in_file"),
            (14, "kk_number", "duplicate_in_file")} <= located(report)
    assert report.households_stored == 2 and report.households_skipped == 2


async def test_progress_is_reported(database: Database, rows: list[Row],
                                    tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    await run(database, write_csv(tmp_path / "dtks.csv", rows), batch_size=1,
              progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (12, 12)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)


async def test_a_file_that_is_not_utf8_is_a_typed_error_and_nothing_is_stored(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dtks.csv", rows)
    path.write_bytes(path.read_bytes() + "Désa Sukamaju".encode("latin-1") + b"\n")
    with pytest.raises(TableFileError, match="not UTF-8"):
        await run(database, path)
    assert (await counts(database))["household"] == 0


@pytest.mark.parametrize(("threshold", "expected"), [(1, True), (10**12, False)])
async def test_large_files_are_read_in_a_second_process_by_default(
        database: Database, rows: list[Row], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        threshold: int, expected: bool) -> None:
    monkeypatch.setattr(importer, "READING_PROCESS_MIN_BYTES", threshold)
    report = await import_households(database, write_csv(tmp_path / "dtks.csv", rows),
                                     node_region="32.73", actor=ACTOR)
    assert report.reading_process is expected
    assert report.households_stored == 3


@pytest.mark.parametrize("growing", [True, False])
def test_batches_grow_from_the_first_and_shrink_towards_the_end(growing: bool) -> None:
    households, rows_each, sizes, size, read = 20_000, 4, [], FIRST_BATCH, 0
    while read < households:
        size = min(size, households - read)
        sizes.append(size)
        read += size
        size = _next_size(2000, 2 * size if growing else 2000, read * rows_each,
                          households * rows_each, read)
    start = [200, 400, 800, 1600, 2000, 2000] if growing else [200, 2000, 2000, 2000]
    assert sizes[:len(start)] == start
    assert sizes[-2:] == sorted(sizes[-2:], reverse=True) and sizes[-1] < 2000
    assert sum(sizes) == households


async def test_nik_messages_say_what_was_typed_in_both_languages(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    """Issue 15: no guessed century shown as fact, the operator's own value, in the reader's
    language (every message, both languages: tests/node/test_import_messages.py)."""
    _set(4, birth_date="2001-01-01")(rows)
    rows[5 - 2]["sex"] = "P" if rows[5 - 2]["sex"] == "MALE" else "L"
    report = await run(database, write_csv(tmp_path / "dtks.csv", rows))
    by_cell = {(e.row, e.column): e.message for e in report.errors}
    birth = by_cell[(4, "birth_date")]
    nik = rows[4 - 2]["nik"]
    day = int(nik[6:8]) - 40 if int(nik[6:8]) > 40 else int(nik[6:8])
    assert birth.text("id").startswith("tanggal lahir 2001-01-01 tidak cocok dengan NIK")
    assert birth.text("en").endswith(  # the NIK's digits, no century
        f"say born on {day:02d}-{nik[8:10]} of a year ending {nik[10:12]}")
    sex = by_cell[(5, "sex")]
    assert sex.text("id").startswith(f"jenis kelamin {rows[5 - 2]['sex']} tidak cocok")
    assert "+ 40" in sex.text("en")


def test_xlsx_cells_keep_the_place_excel_shows_when_the_sheet_starts_further_in(
        tmp_path: Path) -> None:
    import openpyxl

    from regional_node.adapters.tabular_files import open_table

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet["B1"], sheet["C1"], sheet["C4"] = "nik", "nama", "Siti"
    workbook.save(tmp_path / "offset.xlsx")

    with open_table(tmp_path / "offset.xlsx") as table:
        assert list(table.header)[:3] == ["", "nik", "nama"]
        rows = [(number, list(cells)) for number, cells in table.rows()]
    assert rows[-1][0] == 4 and rows[-1][1][2] == "Siti"


@pytest.mark.parametrize("mode", list(ImportMode))
async def test_implausible_data_is_stored_with_warnings_where_the_operator_sees_them(
        database: Database, rows: list[Row], tmp_path: Path, mode: ImportMode) -> None:
    from regional_node.adapters.orm import HouseholdWarning

    implausible(rows)

    report = await run(database, write_csv(tmp_path / "dtks.csv", rows), mode)

    assert report.errors == [] and report.households_stored == 3
    assert {(w.row, w.column, w.kind) for w in report.warnings} == {
        (4, "birth_date", "CHILD_OLDER_THAN_HEAD"), (4, "birth_date", "CHILD_OLDER_THAN_MOTHER"),
        (6, "kk_number", "KK_OTHER_PROVINCE"), (10, "birth_date", "BORN_BEFORE_1900")}
    assert report.warnings_stored == 4
    async with database.reader() as session:
        stored = (await session.execute(
            select(HouseholdWarning.kind, Household.kk_number, Member.nik,
                   HouseholdWarning.desa_code, HouseholdWarning.resolved_at)
            .join(Household, Household.id == HouseholdWarning.household_id)
            .outerjoin(Member, Member.id == HouseholdWarning.member_id))).all()
    assert sorted(tuple(s) for s in stored) == sorted([
        ("CHILD_OLDER_THAN_HEAD", rows[2]["kk_number"], rows[2]["nik"], rows[2]["desa_code"],
         None),
        ("CHILD_OLDER_THAN_MOTHER", rows[2]["kk_number"], rows[2]["nik"],
         rows[2]["desa_code"], None),
        ("KK_OTHER_PROVINCE", rows[4]["kk_number"], None, rows[4]["desa_code"], None),
        ("BORN_BEFORE_1900", rows[8]["kk_number"], rows[8]["nik"], rows[8]["desa_code"],
         None)])


async def test_a_clean_file_has_no_warning(database: Database, rows: list[Row],
                                           tmp_path: Path) -> None:
    report = await run(database, write_csv(tmp_path / "dtks.csv", rows))
    assert report.households_stored == 3 and report.warnings == []
    assert report.warnings_stored == 0


async def test_warnings_of_a_refused_import_are_reported_but_not_stored(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    from regional_node.adapters.orm import HouseholdWarning

    implausible(rows)
    _set(9, birth_date="31-02-1990")(rows)  # an error in household 2: nothing is stored

    report = await run(database, write_csv(tmp_path / "dtks.csv", rows))

    assert report.households_stored == 0 and report.warnings_stored == 0
    assert (10, "birth_date", "BORN_BEFORE_1900") in {
        (w.row, w.column, w.kind) for w in report.warnings}
    async with database.reader() as session:
        assert (await session.execute(
            select(func.count()).select_from(HouseholdWarning))).scalar_one() == 0


async def test_a_desa_of_another_regency_is_its_own_error_not_the_points(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    """Issue 15: a point inside the node's own regency was reported as lying outside the
    other regency the mistyped desa belongs to."""
    _set_household(6, desa_code=_desa_outside_region(), latitude="-6.9147",
                   longitude="107.6098")(rows)  # Bandung's alun-alun

    report = await run(database, write_csv(tmp_path / "dtks.csv", rows))

    assert (6, "desa_code", "out_of_region") in located(report)
    assert not [e for e in report.errors if e.reason == "outside_regency"], report.errors


async def test_a_point_outside_the_desas_regency_names_both_in_both_languages(
        database: Database, rows: list[Row], tmp_path: Path) -> None:
    _set_household(6, latitude="-10.1772", longitude="123.6070")(rows)  # Kupang

    report = await run(database, write_csv(tmp_path / "dtks.csv", rows))

    [error] = [e for e in report.errors if e.reason == "outside_regency"]
    assert " di luar " in error.message.text("id")
    assert " lies outside " in error.message.text("en")
    assert rows[4]["desa_code"] in error.message.text("id")
