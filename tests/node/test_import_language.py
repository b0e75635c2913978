"""The reader's choice of language (docs/import.md, "Messages"): Indonesian by default,
``siks node import --lang en`` or ``SIKS_NODE_LANGUAGE`` for the errors file and the listing,
and for GraphQL a field's ``language`` argument, else the request's Accept-Language, else the
node's setting. A stored warning is shown in either language."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from regional_node.config import NodeConfig
from regional_node.domain.audit import Actor
from regional_node.entrypoints.app import DATABASE, create_app
from regional_node.errors import ConfigError
from regional_node.service_layer.importer import import_households
from siks.cli import main
from tests.node.helpers import error_codes, gql
from tests.node.import_files import generate_households, implausible, person_rows, write_csv

NIK_ID = "NIK 12345 berisi 5 digit; harus 16 digit"
NIK_EN = "NIK 12345 has 5 digits; it must have 16"


@pytest.fixture(autouse=True)
def _no_node_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SIKS_NODE_DB_URL", "SIKS_NODE_REGION", "SIKS_NODE_LANGUAGE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    rows = person_rows(generate_households(3))
    rows[1]["nik"] = "12345"  # row 3
    return write_csv(tmp_path / "bad.csv", rows)


def _errors_file(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))[1:]


@pytest.mark.parametrize(("flags", "environment", "expected"), [
    ([], None, NIK_ID),
    (["--lang", "en"], None, NIK_EN),
    (["--lang", "EN"], None, NIK_EN),
    ([], "en", NIK_EN),
    (["--lang", "id"], "en", NIK_ID),  # the flag wins over the node's setting
])
def test_the_errors_file_is_in_the_chosen_language(
        database_url: str, bad_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        flags: list[str], environment: str | None, expected: str) -> None:
    if environment is not None:
        monkeypatch.setenv("SIKS_NODE_LANGUAGE", environment)
    report = tmp_path / "errors.csv"
    code = main(["node", "import", str(bad_file), "--db", database_url, "--region", "32.73",
                 "--errors", str(report), *flags])
    assert code == 1
    assert _errors_file(report) == [["3", "nik", "error", "length", expected]]


@pytest.mark.parametrize(("flags", "expected"), [([], NIK_ID), (["--lang", "en"], NIK_EN)])
def test_the_listing_on_stderr_is_in_the_chosen_language(
        database_url: str, bad_file: Path, flags: list[str], expected: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["node", "import", str(bad_file), "--db", database_url, "--region", "32.73",
                 *flags])
    assert code == 1
    assert f"  row 3, nik: {expected} [length]" in capsys.readouterr().err.splitlines()


def test_warnings_in_the_errors_file_follow_the_language(
        database_url: str, tmp_path: Path) -> None:
    rows = person_rows(generate_households(3))
    implausible(rows)
    report = tmp_path / "report.csv"
    code = main(["node", "import", str(write_csv(tmp_path / "dtks.csv", rows)), "--db",
                 database_url, "--region", "32.73", "--errors", str(report), "--lang", "en"])
    assert code == 0
    assert [row[4] for row in _errors_file(report) if row[3] == "BORN_BEFORE_1900"] == [
        f"{rows[8]['name']}'s birth date 1899-07-01 is before 1900: check the year"]


@pytest.mark.parametrize(("flags", "environment", "message"), [
    (["--lang", "fr"], None, "siks: error: --lang: language 'fr' is not one of id, en"),
    ([], "jawa", "siks: error: SIKS_NODE_LANGUAGE: language 'jawa' is not one of id, en"),
])
def test_an_unknown_language_is_one_line(
        database_url: str, bad_file: Path, monkeypatch: pytest.MonkeyPatch, flags: list[str],
        environment: str | None, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    if environment is not None:
        monkeypatch.setenv("SIKS_NODE_LANGUAGE", environment)
    code = main(["node", "import", str(bad_file), "--db", database_url, "--region", "32.73",
                 *flags])
    assert code == 2
    assert capsys.readouterr().err == message + "\n"


def test_the_node_setting_is_checked_when_the_node_starts() -> None:
    environ = {"SIKS_NODE_REGION": "32.73", "SIKS_NODE_DB_URL": "sqlite:///x.db"}
    assert NodeConfig.from_env(environ).language == "id"
    assert NodeConfig.from_env({**environ, "SIKS_NODE_LANGUAGE": "en"}).language == "en"
    with pytest.raises(ConfigError, match="SIKS_NODE_LANGUAGE: language 'xx' is not one of"):
        NodeConfig.from_env({**environ, "SIKS_NODE_LANGUAGE": "xx"})


MESSAGES = """query($language: String) { householdWarnings(first: 10,
  filter: {kind: BORN_BEFORE_1900}) { edges { node { kind message(language: $language) } } } }"""


async def _import_warnings(database: Any, tmp_path: Path) -> str:
    rows = person_rows(generate_households(3))
    implausible(rows)
    report = await import_households(database, write_csv(tmp_path / "dtks.csv", rows),
                                     node_region="32.73", actor=Actor("cli:op", "DINSOS"))
    assert report.warnings_stored == 4
    return rows[8]["name"]


def _messages(body: dict[str, Any]) -> list[str]:
    assert "errors" not in body, body
    return [e["node"]["message"] for e in body["data"]["householdWarnings"]["edges"]]


async def test_a_stored_warning_is_read_in_the_readers_language(
        node_client: TestClient, tmp_path: Path) -> None:
    name = await _import_warnings(node_client.app[DATABASE], tmp_path)
    indonesian = f"tanggal lahir {name} 1899-07-01 sebelum tahun 1900: periksa tahunnya"
    english = f"{name}'s birth date 1899-07-01 is before 1900: check the year"

    assert _messages(await gql(node_client, MESSAGES)) == [indonesian]  # the default
    assert _messages(await gql(node_client, MESSAGES, headers={
        "Accept-Language": "en-GB,en;q=0.9"})) == [english]
    assert _messages(await gql(node_client, MESSAGES, headers={
        "Accept-Language": "fr-FR"})) == [indonesian]  # none we have: the node's language
    assert _messages(await gql(node_client, MESSAGES, language="en")) == [english]
    assert _messages(await gql(node_client, MESSAGES, language="id", headers={
        "Accept-Language": "en"})) == [indonesian]  # the argument wins over the header


async def test_an_unknown_language_argument_is_a_typed_error(
        node_client: TestClient, tmp_path: Path) -> None:
    await _import_warnings(node_client.app[DATABASE], tmp_path)
    body = await gql(node_client, MESSAGES, language="klingon")
    assert error_codes(body) == ["INVALID_INPUT"]
    assert body["errors"][0]["message"] == "language 'klingon' is not one of id, en"
    assert body["errors"][0]["extensions"]["reason"] == "unknown_language"


async def test_a_node_set_to_english_answers_in_english(
        database_url: str, aiohttp_client: Any, tmp_path: Path) -> None:
    config = NodeConfig(region="32.73", db_url=database_url, data_dir=str(tmp_path / "node"),
                        language="en")
    client = await aiohttp_client(create_app(config))
    name = await _import_warnings(client.app[DATABASE], tmp_path)
    assert _messages(await gql(client, MESSAGES)) == [
        f"{name}'s birth date 1899-07-01 is before 1900: check the year"]
