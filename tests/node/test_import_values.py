"""The import format without a database: headers, aliases and cell values."""

from __future__ import annotations

import datetime as dt

import pytest

from regional_node.domain import import_values as values
from regional_node.domain.import_format import COLUMNS, example_row, resolve_header
from regional_node.domain.import_values import CellError, ProgramItem, choice_parser
from schema.enums import Asset, Education, Program, Relationship, Tenure
from schema.identity_numbers import Sex, parse_kk, parse_nik


def test_header_aliases_are_case_insensitive_and_ignore_punctuation() -> None:
    header = ["NO", "No. KK", "NIK", "Nama", "Tgl Lahir", "JK", "HUB_KK", "kode_wilayah",
              "ALAMAT", "Pendidikan"]
    layout, errors = resolve_header(header)
    assert errors == []
    assert layout.positions == {"kk_number": 1, "nik": 2, "name": 3, "birth_date": 4, "sex": 5,
                                "relationship": 6, "desa_code": 7, "address": 8,
                                "education": 9}
    assert layout.label("kk_number") == "No. KK"
    assert layout.label("latitude") == "latitude"  # absent columns keep their own name


def test_header_problems_name_every_bad_column() -> None:
    header = ["NO_KK", "NIK", "NAMA", "TGL_LAHIR", "JK", "HUB_KK", "KODE_DESA", "pendidkan",
              "nomor_kk"]
    _, errors = resolve_header(header)
    found = {(e.row, e.column, e.reason) for e in errors}
    assert found == {(1, "pendidkan", "unknown_column"), (1, "nomor_kk", "duplicate_column"),
                     (1, "address", "missing_column")}
    unknown = next(e for e in errors if e.reason == "unknown_column")
    assert unknown.message.text("en") == ("unknown column 'pendidkan'; did you mean "
                                          "'pendidikan'?")  # a suggestion
    assert unknown.message.text("id") == "kolom 'pendidkan' tidak dikenal; maksudnya 'pendidikan'?"


@pytest.mark.parametrize(("cell", "expected"), [
    ("1980-05-17", dt.date(1980, 5, 17)), ("17-05-1980", dt.date(1980, 5, 17)),
    ("17/05/1980", dt.date(1980, 5, 17)), ("7/5/1980", dt.date(1980, 5, 7)),
    (" 1980-05-17 ", dt.date(1980, 5, 17)), (dt.datetime(1980, 5, 17, 0, 0), dt.date(1980, 5, 17)),
    (dt.date(1980, 5, 17), dt.date(1980, 5, 17)),
])
def test_dates(cell: object, expected: dt.date) -> None:
    assert values.date(cell) == expected


@pytest.mark.parametrize("cell", ["31-02-1980", "1980/13/01", "17 Mei 1980", "17-05-80"])
def test_bad_dates(cell: str) -> None:
    with pytest.raises(CellError) as caught:
        values.date(cell)
    assert caught.value.reason == "invalid_date"


@pytest.mark.parametrize(("enum", "cell", "expected"), [
    (Sex, "L", Sex.MALE), (Sex, "p", Sex.FEMALE), (Sex, "Laki-laki", Sex.MALE),
    (Sex, "female", Sex.FEMALE), (Relationship, "KEPALA KELUARGA", Relationship.HEAD),
    (Relationship, "Istri", Relationship.SPOUSE), (Relationship, "suami", Relationship.SPOUSE),
    (Relationship, "ANAK", Relationship.CHILD), (Relationship, "child_in_law",
                                                 Relationship.CHILD_IN_LAW),
    (Education, "S1", Education.BACHELOR), (Tenure, "milik sendiri", Tenure.OWNED),
    (Program, "PBI-JK", Program.PBI_JK),
])
def test_choices_accept_values_and_indonesian_synonyms(enum: type, cell: str,
                                                       expected: object) -> None:
    assert choice_parser(enum)(cell) == expected


@pytest.mark.parametrize("parse", [values.date, values.plain_text, values.number,
                                   values.identity_number_cell, choice_parser(Sex)])
def test_cells_of_spaces_are_empty_not_bad(parse: object) -> None:
    with pytest.raises(values.EmptyCell):
        parse("   ")  # type: ignore[operator]


def test_bad_choice_lists_the_allowed_values() -> None:
    with pytest.raises(CellError) as caught:
        choice_parser(Sex)("X")
    assert caught.value.reason == "invalid_choice"
    assert caught.value.message.text("en") == "'X' is not one of: MALE, FEMALE"
    assert caught.value.message.text("id") == "'X' bukan salah satu dari: MALE, FEMALE"


def test_lists_and_programs() -> None:
    assert values.assets("TV; motor;TV") == (Asset.TELEVISION, Asset.MOTORCYCLE)
    assert values.programs("PKH@2026-S1;pbi_jk@2026-s2@2026-08-15;BPNT@2026-03") == (
        ProgramItem(Program.PKH, "2026-S1", dt.date(2026, 1, 1)),
        ProgramItem(Program.PBI_JK, "2026-S2", dt.date(2026, 8, 15)),
        ProgramItem(Program.BPNT, "2026-03", dt.date(2026, 3, 1)),
    )


@pytest.mark.parametrize(("cell", "reason"), [
    ("PKH", "invalid_program"), ("PKH@", "invalid_program"), ("XYZ@2026-S1", "invalid_choice"),
    ("PKH@2026-S3", "invalid_period"), ("PKH@2026-S1@2026-02-30", "invalid_date"),
])
def test_bad_program_items(cell: str, reason: str) -> None:
    with pytest.raises(CellError) as caught:
        values.programs(cell)
    assert caught.value.reason == reason


def test_numbers_codes_and_identity_numbers() -> None:
    assert values.number("-6,9175") == pytest.approx(-6.9175)
    assert values.number(107.6) == pytest.approx(107.6)
    assert values.whole_number("3") == 3
    with pytest.raises(CellError):
        values.whole_number("3.5")
    assert values.desa_code("3273011001") == "32.73.01.1001"
    assert values.desa_code("32.73.01.1001") == "32.73.01.1001"
    assert values.identity_number("'3273011705800001") == "3273011705800001"
    assert values.identity_number(3273011705800001) == "3273011705800001"
    assert values.identity_number(3273011705800001.0) == "3273011705800001"
    assert values.yes_no("Ya") is True and values.yes_no("meninggal") is False


def test_example_row_is_valid_for_its_region() -> None:
    row = example_row("32.04")
    assert set(row) == {c.name for c in COLUMNS}
    assert row["desa_code"].startswith("32.04.")
    assert parse_nik(row["nik"]).birth_date.isoformat() == row["birth_date"]
    parse_kk(row["kk_number"])


def test_docs_list_every_column_with_its_aliases() -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "import.md").read_text(encoding="utf-8")
    table = {line.split("|")[1].strip(" `"): line for line in docs.splitlines()
             if line.startswith("| `")}
    for column in COLUMNS:
        assert column.name in table, column.name
        row = table[column.name]
        assert ("| yes |" in row) == column.required, column.name
        assert all(f"`{alias}`" in row for alias in column.aliases), column.name
