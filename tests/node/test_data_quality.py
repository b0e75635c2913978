"""The node's data-quality summary (issue 15) over HTTP: per region, the households, the
members by Dukcapil outcome, the data ganda, the open warnings; what the imports refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import update

from regional_node.adapters.orm import Member
from regional_node.domain.audit import Actor
from regional_node.service_layer.importer import ImportMode, import_households
from schema.roles import Principal, Role
from tests.node.helpers import error_codes, gql
from tests.node.import_files import generate_households, implausible, person_rows, write_csv

QUALITY = """{ dataQuality(level: DESA) { regionCode households members duplicates
  matchStatus { status members } openWarnings { kind warnings } } }"""
IMPORTS = """{ importQuality { runs householdsStored householdsRefused errors
  errorsByReason { reason errors } lastImportAt } }"""
ACTOR = Actor("cli:op", "DINSOS")


async def _imported(database: Any, tmp_path: Path) -> list[dict[str, str]]:
    """Three households with four warnings stored; then a file with a bad date refused whole
    (all-or-nothing), and the same file storing its two good households (skip mode)."""
    rows = person_rows(generate_households(3))
    implausible(rows)
    await import_households(database, write_csv(tmp_path / "a.csv", rows),
                            node_region="32.73", actor=ACTOR)
    more = person_rows(generate_households(6))[12:]  # households 4-6 of the same generator
    more[1]["birth_date"] = "31-02-1990"
    for mode in (ImportMode.ALL_OR_NOTHING, ImportMode.SKIP_BAD_ROWS):
        await import_households(database, write_csv(tmp_path / "b.csv", more),
                                node_region="32.73", actor=ACTOR, mode=mode)
    async with database.writer() as session, session.begin():
        await session.execute(update(Member).where(Member.nik == rows[0]["nik"])
                              .values(match_status="DUPLICATE"))
    return rows


async def test_each_desa_shows_its_households_outcomes_and_open_warnings(
        node_client, node_database, tmp_path):
    rows = await _imported(node_database, tmp_path)
    body = await gql(node_client, QUALITY)
    assert "errors" not in body, body
    quality = {r["regionCode"]: r for r in body["data"]["dataQuality"]}
    assert sum(r["households"] for r in quality.values()) == 5
    assert sum(r["members"] for r in quality.values()) == 20
    first = quality[rows[0]["desa_code"]]
    assert first["duplicates"] == 1
    assert {"status": "DUPLICATE", "members": 1} in first["matchStatus"]
    warned = {(code, w["kind"]) for code, r in quality.items() for w in r["openWarnings"]}
    assert warned == {(rows[2]["desa_code"], "CHILD_OLDER_THAN_HEAD"),
                      (rows[2]["desa_code"], "CHILD_OLDER_THAN_MOTHER"),
                      (rows[4]["desa_code"], "KK_OTHER_PROVINCE"),
                      (rows[8]["desa_code"], "BORN_BEFORE_1900")}
    whole = await gql(node_client, "{ dataQuality(level: KABKOTA) { regionCode households } }")
    assert whole["data"]["dataQuality"] == [{"regionCode": "32.73", "households": 5}]


async def test_the_imports_count_what_they_refused(node_client, node_database, tmp_path):
    await _imported(node_database, tmp_path)
    body = await gql(node_client, IMPORTS)
    assert "errors" not in body, body
    imports = body["data"]["importQuality"]
    assert (imports["runs"], imports["householdsStored"], imports["householdsRefused"],
            imports["errors"]) == (3, 5, 4, 2)
    assert imports["errorsByReason"] == [{"reason": "invalid_date", "errors": 2}]
    assert imports["lastImportAt"]


async def test_an_operator_sees_their_desa_and_not_the_imports(node_client, node_database,
                                                               tmp_path):
    rows = await _imported(node_database, tmp_path)
    operator = Principal("user:op", Role.OPERATOR_DESA, rows[0]["desa_code"])
    body = await gql(node_client, QUALITY, principal=operator)
    assert [r["regionCode"] for r in body["data"]["dataQuality"]] == [rows[0]["desa_code"]]
    assert error_codes(await gql(node_client, IMPORTS, principal=operator)) == [
        "FORBIDDEN_FIELD"]


async def test_partners_the_public_and_other_regions_are_refused(node_client, node_database,
                                                                 tmp_path):
    await _imported(node_database, tmp_path)
    for principal in (Principal("user:mitra", Role.MITRA, programs=("PKH",)), None):
        assert set(error_codes(await gql(node_client, QUALITY, principal=principal))) == {
            "FORBIDDEN_FIELD"}
    outside = await gql(node_client, '{ dataQuality(region: "32.04") { households } }')
    assert error_codes(outside) == ["OUT_OF_REGION"]


async def test_the_query_docs_import_md_prints_runs_as_printed(node_client, node_database,
                                                              tmp_path):
    from tests.docs.runner import blocks, doc, section

    printed, _ = [code for language, code, *_ in blocks(section(
        doc("import.md"), "## Kualitas data / Data quality")) if language == "graphql"]
    await _imported(node_database, tmp_path)
    body = await gql(node_client, printed)
    assert "errors" not in body, body
    assert sum(r["households"] for r in body["data"]["dataQuality"]) == 5
    assert body["data"]["importQuality"]["householdsRefused"] == 4
