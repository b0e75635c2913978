"""The offline module on SQLite and PostgreSQL: export a desa work package, fill it like an
operator would (openpyxl on the XLSX; ``siks offline`` on the JSON), import it over GraphQL
and with the CLI, import the same file again (nothing changes, and the report says so), a
conflicting offline edit (reported, not overwritten), and nothing lost (rows, audit entries)."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import io
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from regional_node.adapters.database import open_database
from regional_node.adapters.orm import Household, Member, OfflineImport, Proposal
from regional_node.domain.audit import Actor
from regional_node.domain.proposal_details import from_json
from regional_node.domain.proposals import ProposalKind
from regional_node.service_layer import proposals
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.proposal_effects import apply_details
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.roles import Principal
from siks.cli import main as siks
from tests import factories
from tests.node.helpers import error_codes, store
from tests.node.proposal_helpers import (
    DINSOS,
    MINUTES_PDF,
    OPERATOR,
    OTHER_OPERATOR,
    PENDAMPING,
    audit_length,
    data,
    database_dump,
)
from tests.node.report_helpers import BANDUNG, JPEG, ReportNode, report_node, row_counts

DESA = "32.73.01.1001"
EXPORT = """mutation($desa: String!, $format: OfflinePackageFormat!) {
  exportOfflinePackage(desaCode: $desa, format: $format) {
    packageId filename mediaType contentBase64 } }"""
IMPORT = """mutation($content: String!) { importOfflinePackage(contentBase64: $content) {
  packageId desaCode applied alreadyApplied conflicts errors
  rows { sheet row itemId outcome reason } } }"""
SANGGAH = """mutation($input: SanggahInput!) { submitSanggah(input: $input) { receiptId } }"""


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Any) -> AsyncIterator[ReportNode]:
    async for running in report_node(database_url, aiohttp_client, tmp_path):
        yield running


async def desa_with_work(node: ReportNode) -> tuple[list[int], str]:
    """Two households in the desa (one elsewhere), and an open sanggah."""
    ids = await store(node.database, [factories.household(DESA), factories.household(DESA),
                                      factories.household("32.73.02.1001")])
    receipt = data(await node.call(None, SANGGAH, input={
        "desaCode": DESA, "personName": "Budi Santoso", "address": "Jl. Contoh",
        "description": "mampu", "photoBase64": base64.b64encode(JPEG).decode(),
        "latitude": BANDUNG[0], "longitude": BANDUNG[1]}), "submitSanggah")
    return ids[:2], str(receipt["receiptId"])


async def export(node: ReportNode, form: str, principal: Principal = OPERATOR) -> bytes:
    exported = data(await node.call(principal, EXPORT, desa=DESA, format=form),
                    "exportOfflinePackage")
    return base64.b64decode(exported["contentBase64"])


async def import_file(node: ReportNode, content: bytes,
                      principal: Principal = OPERATOR) -> dict[str, Any]:
    return data(await node.call(principal, IMPORT,
                                content=base64.b64encode(content).decode()),
                "importOfflinePackage")


def fill(content: bytes, proposals_rows: list[dict[str, Any]],
         people: list[dict[str, Any]] = (), corrections: list[dict[str, Any]] = (),  # type: ignore[assignment]
         actions: dict[str, tuple[str, str]] | None = None) -> bytes:
    """Fill the workbook as an operator would: use the pre-filled ids, one row each."""
    book = load_workbook(io.BytesIO(content))
    sheet = book["new_proposals"]
    header = [c.value for c in sheet[1]]
    for offset, values in enumerate(proposals_rows):
        for name, value in values.items():
            sheet.cell(2 + offset, header.index(name) + 1, value)
    for title, rows in (("people", people), ("corrections", corrections)):
        target = book[title]
        columns = [c.value for c in target[1]]
        for values in rows:
            target.append([values.get(c) for c in columns])
    actions_sheet = book["report_actions"]
    for row in actions_sheet.iter_rows(min_row=2):
        if actions and row[0].value in actions:
            row[1].value, row[2].value = actions[row[0].value]
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def prefilled_ids(content: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(content))["new_proposals"]
    return [str(row[0].value) for row in sheet.iter_rows(min_row=2)]


async def member_ids(node: ReportNode, household_id: int) -> list[int]:
    async with node.database.reader() as session:
        return list((await session.execute(select(Member.id).where(
            Member.household_id == household_id).order_by(Member.id))).scalars())


async def test_the_export_shows_the_desa_as_the_user_may_see_it(node: ReportNode) -> None:
    [first, second], sanggah = await desa_with_work(node)
    audit_before = await audit_length(node.database)
    package = json.loads(await export(node, "JSON"))
    assert package["format"] == "siks-offline/1"
    assert (package["meta"]["desa_code"], package["meta"]["exported_by"]) == (
        DESA, OPERATOR.user_id)
    reference = package["reference"]
    assert [h["id"] for h in reference["households"]] == [first, second]
    assert all(len(m["nik"]) == 16 and "*" not in m["nik"]
               for h in reference["households"] for m in h["members"])
    assert [r["id"] for r in reference["community_reports"]] == [sanggah]
    assert "PKH" in reference["enums"]["Program"] and "HEAD" in reference["enums"][
        "Relationship"]
    assert await audit_length(node.database) == audit_before + 1  # offline.export
    # a pendamping gets the NIKs masked, as the field policy says
    masked = json.loads(await export(node, "JSON", PENDAMPING))
    assert all("********" in m["nik"] for h in masked["reference"]["households"]
               for m in h["members"])
    # and the XLSX carries the same lists, with ids ready for new proposals
    workbook = load_workbook(io.BytesIO(await export(node, "XLSX")))
    assert {"new_proposals", "people", "corrections", "report_actions", "households",
            "members", "enums", "meta"} <= set(workbook.sheetnames)
    assert workbook["households"].max_row == 3 and workbook["new_proposals"].max_row == 51
    refused = await node.call(OTHER_OPERATOR, EXPORT, desa=DESA, format="JSON")
    assert error_codes(refused) == ["OUT_OF_SCOPE"]


async def test_a_filled_workbook_imports_once_and_the_second_time_changes_nothing(
        node: ReportNode) -> None:
    [first, second], sanggah = await desa_with_work(node)
    content = await export(node, "XLSX")
    ids = prefilled_ids(content)
    newborn = factories.household(DESA, members=3).members[2]
    second_members = await member_ids(node, second)
    filled = fill(content, [
        {"kind": "GRADUATION", "household_id": first, "reason": "mampu: usaha warung besar"},
        {"kind": "DATA_CORRECTION", "household_id": second, "submit": "yes"},
        {"kind": "NEW_MEMBER", "household_id": first},
        {"kind": "PROGRAM_ENROLMENT", "household_id": second, "program": "BPNT",
         "period": "2026-S1", "date": dt.date(2026, 2, 1)},
    ], people=[{"proposal_id": ids[2], "nik": newborn.nik, "name": newborn.name,
                "birth_date": newborn.birth_date, "sex": newborn.sex.value,
                "relationship": "CHILD"}],
        corrections=[{"proposal_id": ids[1], "field": "address", "value": "Gg. Baru 7"},
                     {"proposal_id": ids[1], "member_id": second_members[1], "field": "name",
                      "value": "Siti Rahayu"}],
        actions={sanggah: ("DISMISS", "dicek di lapangan: tidak benar")})
    audit_before = await audit_length(node.database)
    result = await import_file(node, filled)
    assert (result["applied"], result["alreadyApplied"], result["conflicts"],
            result["errors"]) == (5, 0, 0, 0), result["rows"]
    assert [(r["sheet"], r["row"], r["itemId"]) for r in result["rows"]] == [
        ("new_proposals", 2, ids[0]), ("new_proposals", 3, ids[1]),
        ("new_proposals", 4, ids[2]), ("new_proposals", 5, ids[3]),
        ("report_actions", 2, sanggah)]
    async with node.database.reader() as session:
        stored = {p.id: (p.kind, p.state, p.created_by) for p in (
            await session.execute(select(Proposal))).scalars()}
    assert stored == {ids[0]: ("GRADUATION", "DRAFT", OPERATOR.user_id),
                      ids[1]: ("DATA_CORRECTION", "SUBMITTED", OPERATOR.user_id),
                      ids[2]: ("NEW_MEMBER", "DRAFT", OPERATOR.user_id),
                      ids[3]: ("PROGRAM_ENROLMENT", "DRAFT", OPERATOR.user_id)}
    # 4 creates + 1 submit + 1 report dismissal + the import log
    assert await audit_length(node.database) == audit_before + 7
    # the same file again: every row already applied, and not one row or audit entry more
    before = await database_dump(node.database)
    again = await import_file(node, filled)
    assert (again["applied"], again["alreadyApplied"], again["conflicts"],
            again["errors"]) == (0, 5, 0, 0)
    assert await database_dump(node.database) == before
    assert (await verify_audit_chain(node.database)).ok


async def test_a_conflicting_offline_edit_is_reported_and_nothing_is_overwritten(
        node: ReportNode) -> None:
    [first, second], sanggah = await desa_with_work(node)
    content = await export(node, "XLSX")  # both households at version 1
    ids = prefilled_ids(content)
    # meanwhile, online: a correction of the first household is approved (version 2), and
    # Dinas Sosial resolves the sanggah
    await approve_online_correction(node, first, "Jl. Online 1")
    resolved = await node.call(DINSOS, """mutation($id: ID!) { resolveCommunityReport(
        id: $id, reason: "ditangani Dinsos") { status } }""", id=sanggah)
    assert "errors" not in resolved
    filled = fill(content, [
        {"kind": "DATA_CORRECTION", "household_id": first},
        {"kind": "DATA_CORRECTION", "household_id": second},
    ], corrections=[{"proposal_id": ids[0], "field": "address", "value": "Jl. Offline 1"},
                    {"proposal_id": ids[1], "field": "desil", "value": "1"}],
        actions={sanggah: ("DISMISS", "tidak benar")})
    result = await import_file(node, filled)
    outcomes = {(r["sheet"], r["row"]): (r["outcome"], r["reason"]) for r in result["rows"]}
    assert outcomes[("new_proposals", 2)][0] == "CONFLICT"
    assert "version 1, now 2" in outcomes[("new_proposals", 2)][1]
    assert outcomes[("new_proposals", 3)][0] == "APPLIED"  # the other household is untouched
    assert outcomes[("report_actions", 2)] == (
        "CONFLICT", f"report {sanggah} is RESOLVED by {DINSOS.user_id} since the package was "
                    "exported; nothing was changed")
    async with node.database.reader() as session:
        household = await session.get(Household, first)
        assert household is not None and household.address == "Jl. Online 1"
        assert await session.get(Proposal, ids[0]) is None
        log = (await session.execute(select(OfflineImport))).scalar_one()
    assert (log.applied, log.conflicts, log.imported_by) == (1, 2, OPERATOR.user_id)
    report = data(await node.call(OPERATOR, """query($id: ID!) { communityReport(id: $id) {
        status closeReason } }""", id=sanggah), "communityReport")
    assert report == {"status": "RESOLVED", "closeReason": "ditangani Dinsos"}


async def approve_online_correction(node: ReportNode, household_id: int, address: str) -> None:
    """What Dinas Sosial's approval of a correction does to the registry (the version moves)."""
    async with node.database.reader() as session:
        household = await session.get(Household, household_id)
        assert household is not None
    details = from_json(ProposalKind.DATA_CORRECTION, {
        "household_id": household_id, "base_version": household.version,
        "household_changes": {"address": address}, "member_changes": []})
    async with UnitOfWork(node.database, proposals.actor_of(DINSOS)) as uow:
        await apply_details(uow, details, set(), "32.73", dt.date(2026, 3, 1))
        await uow.commit()


async def test_nothing_is_lost_every_filled_row_has_an_outcome(node: ReportNode) -> None:
    [first, _], _ = await desa_with_work(node)
    content = await export(node, "XLSX")
    ids = prefilled_ids(content)
    orphan = str(uuid.uuid4())
    filled = fill(content, [
        {"kind": "GRADUATION", "household_id": first},  # no reason
        {"kind": "DEATH", "household_id": first, "member_id": 999_999, "date": "2026-01-05"},
        {"kind": "NOT_A_KIND", "household_id": first},
        {"kind": "GRADUATION", "household_id": first, "reason": "mampu"},
    ], people=[{"proposal_id": orphan, "nik": "3273011203800001", "name": "X",
                "birth_date": "1980-03-12", "sex": "MALE", "relationship": "CHILD"}])
    counts_before = await row_counts(node.database)
    result = await import_file(node, filled)
    rows = {(r["sheet"], r["row"]): (r["outcome"], r["reason"]) for r in result["rows"]}
    assert len(rows) == 5 == result["applied"] + result["errors"]
    assert rows[("new_proposals", 2)] == ("ERROR", "reason is empty")
    assert rows[("new_proposals", 3)][0] == "ERROR" and "member_id" in rows[
        ("new_proposals", 3)][1]
    assert rows[("new_proposals", 4)][0] == "ERROR" and "NOT_A_KIND" in rows[
        ("new_proposals", 4)][1]
    assert rows[("new_proposals", 5)][0] == "APPLIED"
    assert rows[("people", 2)] == ("ERROR", f"no filled row in new_proposals has id {orphan}")
    counts_after = await row_counts(node.database)
    assert counts_after["proposal"] == counts_before["proposal"] + 1
    assert counts_after["offline_import"] == counts_before["offline_import"] + 1
    assert counts_after["audit_entry"] == counts_before["audit_entry"] + 2  # create + log
    assert ids[3] in {r["itemId"] for r in result["rows"] if r["outcome"] == "APPLIED"}


async def test_an_import_for_another_scope_or_role_or_not_a_package_is_refused(
        node: ReportNode) -> None:
    await desa_with_work(node)
    content = await export(node, "JSON")
    before = await database_dump(node.database)
    assert error_codes(await node.call(OTHER_OPERATOR, IMPORT, content=base64.b64encode(
        content).decode())) == ["OUT_OF_SCOPE"]
    assert error_codes(await node.call(DINSOS, IMPORT, content=base64.b64encode(
        content).decode())) == ["FORBIDDEN_FIELD"]
    refused = await node.call(OPERATOR, IMPORT, content=base64.b64encode(b"{}").decode())
    assert error_codes(refused) == ["INVALID_INPUT"]
    assert refused["errors"][0]["extensions"]["reason"] == "not_a_package"
    assert await database_dump(node.database) == before


# --- the command line: siks offline -------------------------------------------------------

def run(*argv: str) -> int:
    return siks(list(argv))


async def _setup_cli(url: str) -> tuple[int, str]:
    from regional_node.service_layer.users import NewUser, add_user
    from schema.roles import Role

    database = open_database(url)
    try:
        async with UnitOfWork(database, Actor("test:setup", "DINSOS")) as uow:
            await add_user(uow, NewUser("op-1001", "a long enough password", Role.OPERATOR_DESA,
                                        DESA))
            await uow.commit()
        [household_id] = await store(database, [factories.household(DESA)])
        return household_id, url
    finally:
        await database.dispose()


async def _state(url: str) -> tuple[dict[str, list[tuple[Any, ...]]], int]:
    database = open_database(url)
    try:
        return await database_dump(database), await audit_length(database)
    finally:
        await database.dispose()


def test_siks_offline_edits_a_json_package_and_imports_it_once(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    household_id, url = asyncio.run(_setup_cli(database_url))
    db = ["--db", url, "--region", "32.73"]
    package = tmp_path / "pkg.json"
    minutes = tmp_path / "ba-musdes.pdf"
    minutes.write_bytes(MINUTES_PDF)
    assert run("offline", "export", "--desa", DESA, "--output", str(package),
               "--actor", "op-1001", *db) == 0
    assert "1 households" in capsys.readouterr().out
    newcomer = factories.household(DESA, members=1, head_name="Dewi Lestari")
    head = newcomer.members[0]
    assert run("offline", "add-proposal", str(package), "--kind", "NEW_HOUSEHOLD",
               "--kk", newcomer.kk_number, "--address", "Gg. Melati 9",
               "--person", f"nik={head.nik},name={head.name},birth_date="
                           f"{head.birth_date.isoformat()},sex={head.sex.value},"
                           "relationship=HEAD",
               "--musdes-date", "2026-02-20", "--musdes-number", "BA/7/II/2026",
               "--musdes-file", str(minutes)) == 0
    assert run("offline", "add-proposal", str(package), "--kind", "DATA_CORRECTION",
               "--household", str(household_id), "--set", "desil=1", "--submit") == 0
    assert run("offline", "add-proposal", str(package), "--kind", "GRADUATION",
               "--household", str(household_id)) == 2  # no reason: refused at once
    assert "reason is empty" in capsys.readouterr().err
    assert run("offline", "show", str(package)) == 0
    assert "2 proposals" in capsys.readouterr().out
    document = json.loads(package.read_text())
    assert len(document["attachments"]) == 1 and len(document["work"]["proposals"]) == 2
    report_csv = tmp_path / "outcome.csv"
    assert run("offline", "import", str(package), "--actor", "op-1001",
               "--report", str(report_csv), *db) == 0
    out = capsys.readouterr().out
    assert "2 applied, 0 already applied, 0 conflict, 0 error" in out
    assert report_csv.read_text().count("APPLIED") == 2
    state = asyncio.run(_state(url))
    assert run("offline", "import", str(package), "--actor", "op-1001", *db) == 0
    again = capsys.readouterr().out
    assert "0 applied, 2 already applied" in again and "(nothing changed)" in again
    assert asyncio.run(_state(url)) == state
    assert run("offline", "import", str(package), "--actor", "nobody", *db) == 2
    assert "no active user 'nobody'" in capsys.readouterr().err
