"""Verivali periods and coverage: the period rules, exact coverage numbers for a small seeded
registry (over GraphQL over HTTP and from the command line), scope, and refusals; on SQLite
and PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditEntry, Proposal
from regional_node.domain.audit import Actor
from regional_node.domain.geotag import GeoPoint
from regional_node.domain.verivali import (
    NoPeriod,
    Period,
    default_period,
    new_period,
    percent,
    period_for,
)
from regional_node.entrypoints.app import DATABASE
from regional_node.entrypoints.photo_upload import PHOTO_FILES
from regional_node.service_layer.field_verification import (
    VerificationSubmission,
    prepare_photo,
    record_field_verification,
    record_photo,
)
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.enums import HouseholdStatus
from schema.errors import InvalidInput
from schema.roles import Principal, Role
from siks.cli import main as siks
from tests import factories
from tests.node.field_helpers import BANDUNG, jpeg
from tests.node.helpers import error_codes, gql, store

DESA_A, DESA_B, DESA_C = "32.73.01.1001", "32.73.01.1002", "32.73.02.1001"
PENDAMPING_01 = Principal("pd-kec-01", Role.PENDAMPING, region="32.73.01")
PENDAMPING_02 = Principal("pd-kec-02", Role.PENDAMPING, region="32.73.02")
OPERATOR_A = Principal("op-a", Role.OPERATOR_DESA, region=DESA_A)
DINSOS = Principal("dinsos-bandung", Role.DINSOS, region="32.73")
KEMENSOS = Principal("kemensos-1", Role.KEMENSOS)
MITRA = Principal("kementan-1", Role.MITRA, programs=("PKH",))
S1_DAY, S2_DAY = dt.date(2026, 3, 2), dt.date(2026, 8, 17)

COVERAGE = """query($period: String!, $region: String) {
  verivaliCoverage(period: $period, region: $region) {
    period { code startsOn endsOn } verified active percent
    desas { desaCode desaName verified active percent } } }"""


# --- the period rules (pure) ----------------------------------------------------------------

def test_default_periods_are_two_half_years() -> None:
    assert default_period("2026-S1") == Period("2026-S1", dt.date(2026, 1, 1),
                                               dt.date(2026, 6, 30))
    assert default_period("2026-S2") == Period("2026-S2", dt.date(2026, 7, 1),
                                               dt.date(2026, 12, 31))
    assert default_period("2026-Q1") is None
    assert period_for(dt.date(2026, 6, 30), []).code == "2026-S1"
    assert period_for(dt.date(2026, 7, 1), []).code == "2026-S2"


def test_a_day_belongs_to_a_stored_period_first_else_to_the_gap_of_its_half_year() -> None:
    special = Period("2026-KHUSUS", dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert period_for(dt.date(2026, 8, 1), [special]) == special
    assert period_for(dt.date(2026, 10, 5), [special]) == Period(
        "2026-S2", dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    elsewhere = Period("2026-S2", dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    with pytest.raises(NoPeriod):
        period_for(dt.date(2026, 8, 1), [elsewhere])


def test_a_new_period_is_checked() -> None:
    existing = [Period("2026-S2", dt.date(2026, 7, 1), dt.date(2026, 12, 31))]
    made = new_period(" 2027-q1 ", dt.date(2027, 1, 1), dt.date(2027, 3, 31), " Khusus ",
                      existing)
    assert made == Period("2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31), "Khusus")
    refusals = [
        (("2026-X", dt.date(2026, 12, 1), dt.date(2027, 1, 31)), "overlap"),
        (("2026-S2", dt.date(2026, 1, 1), dt.date(2026, 1, 2)), "duplicate"),
        (("2027-X", dt.date(2027, 3, 1), dt.date(2027, 2, 1)), "out_of_range"),
        (("2027-X", dt.date(2027, 1, 1), dt.date(2028, 6, 1)), "out_of_range"),
        (("2028-X", dt.date(2027, 1, 1), dt.date(2027, 2, 1)), "year_mismatch"),
        (("S2-2026", dt.date(2026, 1, 1), dt.date(2026, 2, 1)), "malformed"),
    ]
    for (code, start, end), reason in refusals:
        with pytest.raises(InvalidInput) as refused:
            new_period(code, start, end, None, existing)
        assert refused.value.reason == reason, code


def test_percent_has_one_decimal_and_nothing_to_verify_is_covered() -> None:
    assert (percent(1, 3), percent(2, 4), percent(0, 5), percent(0, 0)) == (33.3, 50.0, 0.0,
                                                                           100.0)


# --- coverage over a seeded registry --------------------------------------------------------

async def visit(database: Database, files: Any, day: dt.date, *, seed: int,
                household_id: int | None = None, proposal_id: str | None = None,
                principal: Principal = PENDAMPING_01) -> None:
    """A field visit on ``day`` through the real service layer (the date is the one thing
    HTTP cannot choose)."""
    prepared = prepare_photo(jpeg(gps=BANDUNG, seed=seed), files)
    actor = Actor(principal.user_id, principal.role.value)
    async with UnitOfWork(database, actor) as uow:
        await record_photo(uow, principal, "32.73", prepared)
        await record_field_verification(uow, principal, VerificationSubmission(
            id=str(uuid.uuid4()), photo_sha256=prepared.sha256, position=GeoPoint(*BANDUNG),
            household_id=household_id, proposal_id=proposal_id), "32.73", today=day)
        await uow.commit()


async def seeded(client: TestClient) -> dict[str, list[int]]:
    """Desa A: 4 active + 1 inactive; desa B: 2 active; desa C: 3 active. In 2026-S2: two
    visits to one household of A and one to another, a visit to A's inactive one, and a visit
    for a proposal about a household of B; in 2026-S1 only: a visit in C."""
    database, files = client.app[DATABASE], client.app[PHOTO_FILES]
    ids: dict[str, list[int]] = {}
    for desa, active in ((DESA_A, 4), (DESA_B, 2), (DESA_C, 3)):
        ids[desa] = await store(database, [factories.household(desa) for _ in range(active)])
    [inactive] = await store(database, [factories.household(
        DESA_A, status=HouseholdStatus.INACTIVE)])
    pid = str(uuid.uuid4())
    async with database.writer() as session, session.begin():
        session.add(Proposal(id=pid, kind="GRADUATION", state="NIK_VALID", desa_code=DESA_B,
                             household_id=ids[DESA_B][0], details={}, details_digest="0" * 64,
                             created_by="op-b", created_role="OPERATOR_DESA"))
    a1, a2 = ids[DESA_A][0], ids[DESA_A][1]
    await visit(database, files, S2_DAY, seed=1, household_id=a1)
    await visit(database, files, S2_DAY + dt.timedelta(days=30), seed=2, household_id=a1)
    await visit(database, files, S2_DAY, seed=3, household_id=a2)
    await visit(database, files, S2_DAY, seed=4, household_id=inactive)
    await visit(database, files, S2_DAY, seed=5, proposal_id=pid)
    await visit(database, files, S1_DAY, seed=6, household_id=ids[DESA_C][0],
                principal=PENDAMPING_02)
    return ids


def desas(body: dict[str, Any]) -> list[tuple[str, int, int, float]]:
    assert "errors" not in body, body
    return [(d["desaCode"], d["verified"], d["active"], d["percent"])
            for d in body["data"]["verivaliCoverage"]["desas"]]


async def test_coverage_by_desa_is_exact(node_client: TestClient) -> None:
    await seeded(node_client)
    body = await gql(node_client, COVERAGE, principal=DINSOS, period="2026-S2")
    assert desas(body) == [(DESA_A, 2, 4, 50.0), (DESA_B, 1, 2, 50.0), (DESA_C, 0, 3, 0.0)]
    report = body["data"]["verivaliCoverage"]
    assert (report["verified"], report["active"], report["percent"]) == (3, 9, 33.3)
    assert report["period"] == {"code": "2026-S2", "startsOn": "2026-07-01",
                                "endsOn": "2026-12-31"}
    assert body["data"]["verivaliCoverage"]["desas"][0]["desaName"] == "Sukarasa"

    earlier = await gql(node_client, COVERAGE, principal=DINSOS, period="2026-S1")
    assert desas(earlier) == [(DESA_A, 0, 4, 0.0), (DESA_B, 0, 2, 0.0), (DESA_C, 1, 3, 33.3)]
    unseen = await gql(node_client, COVERAGE, principal=DINSOS, period="2027-S1")
    assert [d[1] for d in desas(unseen)] == [0, 0, 0]


async def test_coverage_is_narrowed_to_the_viewers_scope_and_region(
        node_client: TestClient) -> None:
    await seeded(node_client)
    cases = [
        (PENDAMPING_01, None, [(DESA_A, 2, 4, 50.0), (DESA_B, 1, 2, 50.0)]),
        (OPERATOR_A, None, [(DESA_A, 2, 4, 50.0)]),
        (KEMENSOS, "32.73.02", [(DESA_C, 0, 3, 0.0)]),
        (DINSOS, DESA_B, [(DESA_B, 1, 2, 50.0)]),
        (PENDAMPING_01, DESA_B, [(DESA_B, 1, 2, 50.0)]),
    ]
    for principal, region, expected in cases:
        body = await gql(node_client, COVERAGE, principal=principal, period="2026-S2",
                         region=region)
        assert desas(body) == expected, principal.user_id


async def test_coverage_refusals_are_typed(node_client: TestClient) -> None:
    cases = [
        (MITRA, {"period": "2026-S2"}, ["FORBIDDEN_FIELD"]),
        (None, {"period": "2026-S2"}, ["FORBIDDEN_FIELD"]),
        (PENDAMPING_02, {"period": "2026-S2", "region": DESA_A}, ["OUT_OF_SCOPE"]),
        (DINSOS, {"period": "2026-S2", "region": "35.78"}, ["OUT_OF_REGION"]),
        (DINSOS, {"period": "2026-Q9"}, ["NOT_FOUND"]),
        (DINSOS, {"period": "semester dua"}, ["INVALID_INPUT"]),
    ]
    for principal, variables, codes in cases:
        body = await gql(node_client, COVERAGE, principal=principal, **variables)
        assert error_codes(body) == codes, (principal, variables, body)


async def test_periods_are_created_on_demand_and_by_dinas_sosial(
        node_client: TestClient) -> None:
    await seeded(node_client)
    create = """mutation($input: VerivaliPeriodInput!) { createVerivaliPeriod(input: $input) {
        code name startsOn endsOn } }"""
    special = {"code": "2027-KHUSUS", "startsOn": "2027-01-01", "endsOn": "2027-03-31",
               "name": "Verivali khusus pasca banjir"}
    made = await gql(node_client, create, principal=DINSOS, input=special)
    assert made["data"]["createVerivaliPeriod"] == special
    overlapping = await gql(node_client, create, principal=DINSOS, input={
        **special, "code": "2027-X", "startsOn": "2027-03-01", "endsOn": "2027-04-30"})
    assert error_codes(overlapping) == ["INVALID_INPUT"]
    assert overlapping["errors"][0]["extensions"]["reason"] == "overlap"
    refused = await gql(node_client, create, principal=PENDAMPING_01, input={
        **special, "code": "2028-X", "startsOn": "2028-01-01", "endsOn": "2028-01-31"})
    assert error_codes(refused) == ["FORBIDDEN_FIELD"]

    listed = await gql(node_client, "{ verivaliPeriods { code startsOn endsOn } }",
                       principal=PENDAMPING_01)
    assert [p["code"] for p in listed["data"]["verivaliPeriods"]] == [
        "2026-S1", "2026-S2", "2027-KHUSUS"]
    async with node_client.app[DATABASE].reader() as session:
        created = list(await session.scalars(select(AuditEntry.entity_id).where(
            AuditEntry.action == "verivali_period.create")))
    assert created == ["2026-S2", "2026-S1", "2027-KHUSUS"]


async def test_the_command_prints_coverage_and_writes_csv(
        node_client: TestClient, database_url: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    await seeded(node_client)
    out = tmp_path / "coverage.csv"
    code = await asyncio.to_thread(siks, ["node", "verivali", "coverage", "--period",
                                          "2026-S2", "--db", database_url, "--csv", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "verivali 2026-S2 (2026-07-01 – 2026-12-31)" in printed
    assert re.search(r"\n\s+total\s+3\s+9\s+33\.3%\n", printed), printed
    assert re.search(r"32\.73\.01\.1002\s+Gegerkalong\s+1\s+2\s+50\.0%", printed)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["desa_code"], r["desa_name"], r["verified"], r["active"], r["percent"])
            for r in rows] == [(DESA_A, "Sukarasa", "2", "4", "50.0"),
                               (DESA_B, "Gegerkalong", "1", "2", "50.0"),
                               (DESA_C, "Cipaganti", "0", "3", "0.0")]
    assert {r["period"] for r in rows} == {"2026-S2"}

    within = await asyncio.to_thread(siks, ["node", "verivali", "coverage", "--period",
                                            "2026-S2", "--db", database_url, "--within",
                                            "32.73.02"])
    assert within == 0 and DESA_A not in capsys.readouterr().out
    bad = await asyncio.to_thread(siks, ["node", "verivali", "coverage", "--period",
                                         "2026-Q9", "--db", database_url])
    assert bad == 2
    assert capsys.readouterr().err.startswith("siks: error: no verivali period 2026-Q9")
