"""Warnings kept with households at a real node over HTTP (issue 15): an import stores them,
Dinas Sosial lists and counts them in scope and resolves each with a note (audited); who is
refused, and every bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from regional_node.adapters.orm import AuditEntry
from regional_node.domain.audit import Actor
from regional_node.service_layer.importer import import_households
from schema.roles import Principal, Role
from tests.node.helpers import DINSOS_BANDUNG, error_codes, gql
from tests.node.import_files import generate_households, implausible, person_rows, write_csv

LIST = """query($after: String) { householdWarnings(first: 2, after: $after) {
  total pageInfo { hasNextPage endCursor }
  edges { node { id kind source message desaCode resolvedAt
                 household { kkNumber } member { nik } } } } }"""
RESOLVE = """mutation($id: ID!, $note: String!) { resolveHouseholdWarning(id: $id, note: $note)
  { id resolvedAt resolvedBy resolutionNote } }"""


@pytest.fixture
async def rows(node_database: Any, tmp_path: Path) -> list[dict[str, str]]:
    """Three households imported, four warnings kept (see ``implausible``)."""
    rows = person_rows(generate_households(3))
    implausible(rows)
    report = await import_households(node_database, write_csv(tmp_path / "dtks.csv", rows),
                                     node_region="32.73", actor=Actor("cli:op", "DINSOS"))
    assert report.households_stored == 3 and report.warnings_stored == 4
    return rows


async def _all(client: Any, principal: Principal | None = DINSOS_BANDUNG) -> list[dict]:
    found, after = [], None
    while True:
        body = await gql(client, LIST, principal=principal, after=after)
        assert "errors" not in body, body
        page = body["data"]["householdWarnings"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            assert page["total"] == len(found)
            return found
        after = page["pageInfo"]["endCursor"]


async def test_dinas_sosial_lists_the_warnings_an_import_kept(node_client, rows):
    warnings = await _all(node_client)
    seen = {(w["kind"], w["household"]["kkNumber"], (w["member"] or {}).get("nik"))
            for w in warnings}
    assert seen == {("CHILD_OLDER_THAN_HEAD", rows[2]["kk_number"], rows[2]["nik"]),
                    ("CHILD_OLDER_THAN_MOTHER", rows[2]["kk_number"], rows[2]["nik"]),
                    ("KK_OTHER_PROVINCE", rows[4]["kk_number"], None),
                    ("BORN_BEFORE_1900", rows[8]["kk_number"], rows[8]["nik"])}
    assert all(w["source"] == "IMPORT" and w["resolvedAt"] is None for w in warnings)
    assert {w["message"] for w in warnings if w["kind"] == "BORN_BEFORE_1900"} == {
        f"tanggal lahir {rows[8]['name']} 1899-07-01 sebelum tahun 1900: periksa tahunnya"}


async def test_the_summary_counts_open_warnings_per_desa_and_kind(node_client, rows):
    body = await gql(node_client, "{ warningSummary { desaCode kind warnings } }")
    assert "errors" not in body, body
    expected: dict[tuple[str, str], int] = {}
    for row, kind in ((rows[2], "CHILD_OLDER_THAN_HEAD"), (rows[2], "CHILD_OLDER_THAN_MOTHER"),
                      (rows[4], "KK_OTHER_PROVINCE"), (rows[8], "BORN_BEFORE_1900")):
        key = (row["desa_code"], kind)
        expected[key] = expected.get(key, 0) + 1
    assert {(c["desaCode"], c["kind"]): c["warnings"]
            for c in body["data"]["warningSummary"]} == expected


async def test_an_operator_sees_only_the_warnings_of_their_desa(node_client, rows):
    desa = rows[2]["desa_code"]
    operator = Principal("user:op", Role.OPERATOR_DESA, desa)
    warnings = await _all(node_client, operator)
    assert warnings and {w["desaCode"] for w in warnings} == {desa}
    other = Principal("user:op2", Role.OPERATOR_DESA, "32.73.01.9999"[:9] + "2001")
    assert await _all(node_client, other) == []


async def test_a_resolved_warning_leaves_the_open_list_with_its_note_and_an_audit_entry(
        node_client, node_database, rows):
    [warning, *_] = await _all(node_client)
    body = await gql(node_client, RESOLVE, id=warning["id"],
                     note="Akta kelahiran diperiksa: tanggal benar / birth certificate checked")
    assert "errors" not in body, body
    resolved = body["data"]["resolveHouseholdWarning"]
    assert resolved["resolvedBy"] == DINSOS_BANDUNG.user_id and resolved["resolvedAt"]
    assert [w["id"] for w in await _all(node_client)].count(warning["id"]) == 0
    closed = await gql(node_client, "{ householdWarnings(filter: {open: false}) "
                                    "{ edges { node { id resolutionNote } } } }")
    assert [e["node"]["id"] for e in closed["data"]["householdWarnings"]["edges"]] == [
        warning["id"]]
    async with node_database.reader() as session:
        actions = (await session.execute(select(AuditEntry.action, AuditEntry.entity_id).where(
            AuditEntry.action == "household_warning.resolve"))).all()
    assert [tuple(a) for a in actions] == [("household_warning.resolve", warning["id"])]


@pytest.mark.parametrize(("principal", "note", "expected"), [
    (Principal("user:op", Role.OPERATOR_DESA, "32.73"), "-", "FORBIDDEN_FIELD"),
    (Principal("user:kemensos", Role.KEMENSOS), "-", "FORBIDDEN_FIELD"),
    (Principal("user:dinsos-cimahi", Role.DINSOS, "32.77"), "-", "OUT_OF_SCOPE"),
    (DINSOS_BANDUNG, "  ", "INVALID_INPUT"),
    (DINSOS_BANDUNG, "x" * 2001, "INVALID_INPUT"),
])
async def test_who_may_not_resolve_and_with_what(node_client, rows, principal, note,
                                                 expected):
    [warning, *_] = await _all(node_client)
    body = await gql(node_client, RESOLVE, principal=principal, id=warning["id"], note=note)
    assert error_codes(body) == [expected], body
    assert warning["id"] in [w["id"] for w in await _all(node_client)]  # still open


async def test_resolving_twice_or_nothing_is_refused(node_client, rows):
    [warning, *_] = await _all(node_client)
    assert "errors" not in await gql(node_client, RESOLVE, id=warning["id"], note="ok")
    again = await gql(node_client, RESOLVE, id=warning["id"], note="again")
    assert error_codes(again) == ["CONFLICT"]
    missing = await gql(node_client, RESOLVE, id="987654", note="ok")
    assert error_codes(missing) == ["NOT_FOUND"]


@pytest.mark.parametrize(("arguments", "expected"), [
    ("(first: 0)", "INVALID_INPUT"), ('(after: "bm90LWEtY3Vyc29y")', "INVALID_CURSOR"),
    ('(filter: {region: "32.04"})', "OUT_OF_REGION")])
async def test_bad_list_arguments_are_typed_errors(node_client, rows, arguments, expected):
    body = await gql(node_client, f"{{ householdWarnings{arguments} {{ total }} }}")
    assert error_codes(body) == [expected], body


async def test_partners_and_the_public_learn_nothing(node_client, rows):
    for principal in (Principal("user:mitra", Role.MITRA, programs=("PKH",)), None):
        body = await gql(node_client, "{ householdWarnings { total } warningSummary "
                                      "{ warnings } }", principal=principal)
        assert set(error_codes(body)) == {"FORBIDDEN_FIELD"}, body
        assert body["data"] in (None, {"householdWarnings": None, "warningSummary": None})


async def test_the_queries_docs_import_md_prints_run_as_printed(node_client, rows):
    from tests.docs.runner import blocks, doc, section

    printed = [code for language, code, *_ in blocks(section(doc("import.md"),
                                                             "## Peringatan / Warnings"))
               if language == "graphql"]
    assert len(printed) == 2
    listed = await gql(node_client, printed[0])
    assert "errors" not in listed, listed
    page = listed["data"]["householdWarnings"]
    assert page["total"] == 1 and page["edges"][0]["node"]["member"]["nik"] == rows[2]["nik"]
    assert {c["kind"] for c in listed["data"]["warningSummary"]} == {
        "CHILD_OLDER_THAN_HEAD", "CHILD_OLDER_THAN_MOTHER", "KK_OTHER_PROVINCE",
        "BORN_BEFORE_1900"}
    resolved = await gql(node_client, printed[1])
    assert "errors" not in resolved, resolved
    assert resolved["data"]["resolveHouseholdWarning"]["resolutionNote"].startswith("Akta")
