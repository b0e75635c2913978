"""``siks node import`` and ``siks node import-template``: exit codes, output, reports."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from regional_node.adapters.database import open_database
from regional_node.adapters.orm import AuditEntry, Household
from siks.cli import main
from tests.node.import_files import generate_households, person_rows, write_csv


@pytest.fixture(autouse=True)
def _no_node_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SIKS_NODE_DB_URL", "SIKS_NODE_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "dtks.csv", person_rows(generate_households(3)))


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    rows = person_rows(generate_households(3))
    rows[1]["nik"] = "12345"  # row 3
    return write_csv(tmp_path / "bad.csv", rows)


def stored(url: str) -> tuple[int, list[tuple[str, str]]]:
    async def query() -> tuple[int, list[tuple[str, str]]]:
        database = open_database(url)
        try:
            async with database.reader() as session:
                households = (await session.execute(
                    select(func.count()).select_from(Household))).scalar_one()
                actors = (await session.execute(
                    select(AuditEntry.actor, AuditEntry.role).distinct())).all()
        finally:
            await database.dispose()
        return households, [(actor, role) for actor, role in actors]
    return asyncio.run(query())


def test_import_succeeds_with_summary_and_audited_actor(
        database_url: str, good_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["node", "import", str(good_file), "--db", database_url, "--region", "32.73",
                 "--actor", "alice"])

    out, err = capsys.readouterr()
    assert code == 0
    assert "Imported 3 households (12 members) from dtks.csv" in out
    assert "no errors (all-or-nothing mode)" in out and "12 rows" in out
    assert err == ""  # no progress bar when stderr is not a terminal
    assert stored(database_url) == (3, [("cli:alice", "DINSOS")])
    assert main(["audit", "verify", "--db", database_url]) == 0


def test_errors_exit_1_store_nothing_and_are_listed(
        database_url: str, bad_file: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "errors.csv"
    code = main(["node", "import", str(bad_file), "--db", database_url, "--region", "32.73",
                 "--errors", str(report)])

    out, _ = capsys.readouterr()
    assert code == 1
    assert out.startswith("Nothing was stored: bad.csv has 1 error")
    with report.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert lines[0] == ["row", "column", "severity", "reason", "message"]
    assert [line[:4] for line in lines[1:]] == [["3", "nik", "error", "length"]]
    assert stored(database_url)[0] == 0


def test_warnings_are_kept_counted_and_listed_with_their_severity(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from schema.identity_numbers import make_kk

    rows = person_rows(generate_households(3))
    for row in rows[4:8]:  # rows 6-9: a KK issued in province 35
        row["kk_number"] = make_kk("35.78.01", dt.date(2015, 1, 1), 7)
    report = tmp_path / "report.csv"
    code = main(["node", "import", str(write_csv(tmp_path / "dtks.csv", rows)), "--db",
                 database_url, "--region", "32.73", "--errors", str(report)])

    out, _ = capsys.readouterr()
    assert code == 0 and "Imported 3 households" in out
    assert "1 warning kept with the households for Dinas Sosial to check" in out
    with report.open(encoding="utf-8-sig", newline="") as handle:
        lines = list(csv.reader(handle))
    assert [line[:4] for line in lines[1:]] == [
        ["6", "kk_number", "warning", "KK_OTHER_PROVINCE"]]
    assert stored(database_url)[0] == 3


def test_without_an_error_file_the_first_errors_go_to_stderr(
        database_url: str, bad_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["node", "import", str(bad_file), "--db", database_url, "--region", "32.73",
                 "--mode", "skip-bad-rows"])

    out, err = capsys.readouterr()
    assert code == 1
    assert "Imported 2 households (8 members)" in out
    assert "skipped 1 household with 1 error (skip-bad-rows mode)" in out
    assert "row 3, nik:" in err and "[length]" in err
    assert stored(database_url)[0] == 2


def test_header_problems_exit_1_before_reading(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("NO_KK,NAMA\n3273010101100001,Budi\n", encoding="utf-8")
    code = main(["node", "import", str(path), "--db", database_url, "--region", "32.73"])

    out, err = capsys.readouterr()
    assert code == 1
    assert out.startswith("Nothing was imported: odd.csv has")
    assert "missing_column" in err


@pytest.mark.parametrize(("arguments", "message"), [
    (["missing.csv", "--region", "32.73"], "missing.csv does not exist"),
    (["{good}", "--region", "99.99"], "SIKS_NODE_REGION: region 99.99 does not exist"),
    (["{good}", "--region", "32.04"], "belongs to region 32.73, not 32.04"),
    (["{good}", "--region", "32.73", "--sheet", "x"], None),  # ignored for CSV: works
])
def test_usage_and_configuration_errors_exit_2_on_one_line(
        database_url: str, good_file: Path, arguments: list[str], message: str | None,
        capsys: pytest.CaptureFixture[str]) -> None:
    arguments = [a.replace("{good}", str(good_file)) for a in arguments]
    code = main(["node", "import", *arguments, "--db", database_url])

    _, err = capsys.readouterr()
    if message is None:
        assert code == 0
        return
    assert code == 2
    assert err.startswith("siks: error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(("name", "content", "extra", "message"), [
    ("latin1.csv", "kk_number,name\n1,Jos\xe9\n".encode("latin-1"), [],
     "latin1.csv is not UTF-8 text (first bad byte on line 2)"),
    ("old.xls", b"\xd0\xcf\x11\xe0", [], "the old .xls format is not supported"),
    ("broken.xlsx", b"not a zip", [], "broken.xlsx is not a readable .xlsx workbook"),
    ("notes.txt.pdf", b"%PDF", [], "expected a .csv or .xlsx file"),
    ("dtks.csv", b"kk_number\n", ["--errors", "/nonexistent/folder/e.csv"],
     "cannot write the error report"),
])
def test_unreadable_files_are_usage_errors(
        database_url: str, tmp_path: Path, name: str, content: bytes, extra: list[str],
        message: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code = main(["node", "import", str(path), "--db", database_url, "--region", "32.73", *extra])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("siks: error: ") and message in err and err.count("\n") == 1


def test_a_missing_sheet_names_the_sheets(database_url: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / "template.xlsx"
    assert main(["node", "import-template", "--output", str(template)]) == 0
    code = main(["node", "import", str(template), "--db", database_url, "--region", "32.73",
                 "--sheet", "DTKS"])
    assert code == 2
    assert "has no sheet 'DTKS'; its sheets are 'data', 'columns'" in capsys.readouterr().err


def test_missing_database_and_bad_mode_are_usage_errors(
        good_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["node", "import", str(good_file), "--region", "32.73"]) == 2
    assert "SIKS_NODE_DB_URL is not set" in capsys.readouterr().err
    with pytest.raises(SystemExit) as caught:
        main(["node", "import", str(good_file), "--mode", "partial"])
    assert caught.value.code == 2


def test_progress_bar_on_a_terminal_unless_quiet(
        database_url: str, good_file: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    command = ["node", "import", str(good_file), "--db", database_url, "--region", "32.73"]
    assert main([*command, "--mode", "skip-bad-rows"]) == 0
    assert "importing" in capsys.readouterr().err
    assert main([*command, "--quiet"]) == 1  # already registered now
    assert "importing" not in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_template_imports_as_is(database_url: str, tmp_path: Path, suffix: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    template = tmp_path / f"template{suffix}"
    assert main(["node", "import-template", "--output", str(template)]) == 0
    assert main(["node", "import", str(template), "--db", database_url, "--region",
                 "32.73"]) == 0
    assert "Imported 1 household (1 member)" in capsys.readouterr().out
    assert stored(database_url)[0] == 1


def test_template_sheet_keeps_identity_numbers_as_text(tmp_path: Path) -> None:
    import openpyxl

    template = tmp_path / "template.xlsx"
    assert main(["node", "import-template", "--output", str(template), "--region", "32.04"]) == 0
    workbook = openpyxl.load_workbook(template)
    data, columns = workbook["data"], workbook["columns"]
    header = [cell.value for cell in data[1]]
    nik = data.cell(row=2, column=header.index("nik") + 1)
    assert isinstance(nik.value, str) and nik.number_format == "@"
    assert str(data.cell(row=2, column=header.index("desa_code") + 1).value).startswith("32.04")
    assert [cell.value for cell in columns[1]][:3] == ["column", "required", "scope"]


def test_a_cell_over_the_reader_limit_is_one_line(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 15: it surfaced as a raw _csv.Error traceback."""
    rows = person_rows(generate_households(3))
    rows[4]["occupation"] = "x" * (csv.field_size_limit() + 1)  # row 6
    path = write_csv(tmp_path / "huge.csv", rows)
    code = main(["node", "import", str(path), "--db", database_url, "--region", "32.73"])
    out, err = capsys.readouterr()
    assert code != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "huge.csv, baris/line 6:" in lines[0], err
    assert stored(database_url)[0] == 0
