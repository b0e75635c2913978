"""The DIPA through the gateway over real node apps (docs/dipa.md): counts and amounts by
hand for a small seeded set; a suspended membership left out and back once the node's own
NIK check says MATCH; a PROPOSED household and an undetermined enrolment left out; a node
down reported missing; CSV and XLSX read back; every role but Kemensos refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from regional_node.adapters.orm import Member, ProgramMembership, Proposal
from regional_node.service_layer.nik_matching import match_members
from schema.identity_numbers import make_kk
from schema.roles import Principal, Role
from tests.dipa_households import DESA, KECAMATAN, seeded
from tests.gateway.helpers import gql
from tests.gateway.identity_helpers import bearer, gql_as, secure_gateway, token_for
from tests.node.helpers import TEST_ACTOR, store
from tests.registry.sandbox import running_sandbox

DIPA = """query Dipa($period: String!, $regions: [String!]) {
  dipa(period: $period, regions: $regions) {
    period
    rows { program component provinceCode kabkotaCode kabkotaName kpm persons rate amount }
    totals { program kpm persons amount }
    missingRegions { region code }
  }
}"""


async def enrolment_waiting(database, kk_serial: int, state: str) -> str:  # type: ignore[no-untyped-def]
    """Tie family ``kk_serial``'s membership to a PROGRAM_ENROLMENT proposal in ``state``."""
    kk = make_kk(KECAMATAN, dt.date(2015, 3, 4), kk_serial)
    proposal_id = str(uuid.uuid4())
    async with database.writer() as session, session.begin():
        from regional_node.adapters.orm import Household

        household_id = (await session.execute(
            select(Household.id).where(Household.kk_number == kk))).scalar_one()
        session.add(Proposal(id=proposal_id, kind="PROGRAM_ENROLMENT", state=state,
                             desa_code=DESA, household_id=household_id,
                             details={"program": "BPNT"}, details_digest="0" * 64,
                             created_by="test:operator", created_role="OPERATOR_DESA"))
        await session.flush()
        await session.execute(update(ProgramMembership).where(
            ProgramMembership.household_id == household_id).values(proposal_id=proposal_id))
    return proposal_id


def by_key(body: dict) -> dict[tuple[str, str | None, str], tuple[int, int, int | None]]:  # type: ignore[type-arg]
    return {(r["program"], r["component"], r["kabkotaCode"]): (r["kpm"], r["persons"],
                                                               r["amount"])
            for r in body["data"]["dipa"]["rows"]}


@pytest.fixture
async def seeded_cluster(cluster):  # type: ignore[no-untyped-def]
    database = cluster.nodes["32.73"].database
    await store(database, seeded(), "32.73")
    await enrolment_waiting(database, 905, "APPROVED_KABKOTA")
    return cluster


async def test_counts_and_amounts_by_hand(gateway, seeded_cluster) -> None:  # type: ignore[no-untyped-def]
    body = await gql(gateway, DIPA, period="2026-S1", regions=["32.73"])
    assert "errors" not in body, body
    rows = by_key(body)
    # PKH: SD 900.000 + usia dini 3.000.000 + lansia 2.400.000 a year, half for a semester
    assert rows[("PKH", None, "32.73")] == (1, 5, 3_150_000)
    assert rows[("PKH", "SD", "32.73")] == (1, 1, 450_000)
    assert rows[("PKH", "ANAK_USIA_DINI", "32.73")] == (1, 1, 1_500_000)
    assert rows[("PKH", "LANJUT_USIA", "32.73")] == (1, 1, 1_200_000)
    # BPNT: only family 901 (902 unchecked at Dukcapil, 903 PROPOSED, 905 not determined)
    assert rows[("BPNT", None, "32.73")] == (1, 5, 1_200_000)
    assert ("BPNT", "SD", "32.73") not in rows  # components only where the catalogue has them
    assert rows[("PBI_JK", None, "32.73")] == (1, 2, 2 * 42_000 * 6)
    totals = {t["program"]: (t["kpm"], t["persons"], t["amount"])
              for t in body["data"]["dipa"]["totals"]}
    assert totals == {"BPNT": (1, 5, 1_200_000), "PBI_JK": (1, 2, 504_000),
                      "PKH": (1, 5, 3_150_000)}
    assert body["data"]["dipa"]["missingRegions"] == []


async def test_a_suspended_membership_comes_back_when_fixed(gateway, seeded_cluster,
                                                            tmp_path: Path) -> None:
    database = seeded_cluster.nodes["32.73"].database
    before = by_key(await gql(gateway, DIPA, period="2026-S1", regions=["32.73"]))
    assert before[("BPNT", None, "32.73")][0] == 1
    unchecked = [r for r in seeded() if r.address.endswith("902")]
    async with database.reader() as session:
        head_id = (await session.execute(select(Member.id).where(
            Member.nik == unchecked[0].members[0].nik))).scalar_one()
    async with running_sandbox(tmp_path) as sandbox:  # the node's own NIK check: padan
        await sandbox.add_members(unchecked)
        async with sandbox.client() as registry:
            await match_members(database, registry, actor=TEST_ACTOR, member_ids=[head_id])
    after = by_key(await gql(gateway, DIPA, period="2026-S1", regions=["32.73"]))
    assert after[("BPNT", None, "32.73")] == (2, 6, 2_400_000)


async def test_a_determined_enrolment_counts(gateway, seeded_cluster) -> None:  # type: ignore[no-untyped-def]
    database = seeded_cluster.nodes["32.73"].database
    async with database.writer() as session, session.begin():
        await session.execute(update(Proposal).where(Proposal.kind == "PROGRAM_ENROLMENT")
                              .values(state="DETERMINED"))
    rows = by_key(await gql(gateway, DIPA, period="2026-S1", regions=["32.73"]))
    assert rows[("BPNT", None, "32.73")] == (2, 6, 2_400_000)


async def test_a_node_down_is_reported_missing(gateway, seeded_cluster) -> None:  # type: ignore[no-untyped-def]
    await seeded_cluster.stop("35.78")
    body = await gql(gateway, DIPA, period="2026-S1")
    dipa = body["data"]["dipa"]
    assert dipa["missingRegions"] == [{"region": "35.78", "code": "NODE_UNAVAILABLE"}]
    assert [(e["extensions"]["code"], e["extensions"]["region"], e["path"])
            for e in body["errors"]] == [("NODE_UNAVAILABLE", "35.78", ["dipa"])]
    assert by_key(body)[("PKH", None, "32.73")] == (1, 5, 3_150_000)


async def test_bad_period_and_region_are_typed_errors(gateway, seeded_cluster) -> None:  # type: ignore[no-untyped-def]
    body = await gql(gateway, DIPA, period="2026-S3")
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "reason": "period",
                                               "field": "period"}
    body = await gql(gateway, DIPA, period="2026-S1", regions=["99.99"])
    assert body["errors"][0]["extensions"]["code"] == "INVALID_REGION"
    body = await gql(gateway, DIPA, period="2026-S1", regions=["32.73.01"])
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT",
                                               "reason": "region_level", "field": "regions"}


@pytest.mark.parametrize("principal", [
    Principal("user:dinsos", Role.DINSOS, "32.73"),
    Principal("user:mitra", Role.MITRA, programs=("PKH",)),
    None,  # the public
])
async def test_only_kemensos_gets_a_dipa(aiohttp_client, tmp_path, dev_pki, seeded_cluster,  # type: ignore[no-untyped-def]
                                         principal) -> None:
    gateway = await secure_gateway(aiohttp_client, tmp_path, dev_pki, seeded_cluster)
    body = await gql_as(gateway, DIPA, principal, period="2026-S1")
    assert body["data"]["dipa"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN_FIELD"]
    response = await gateway.get("/exports/dipa?period=2026-S1", headers=bearer(
        token_for(gateway, principal) if principal is not None else None))
    assert response.status == (403 if principal is not None else 401)


async def test_csv_and_xlsx_read_back(gateway, seeded_cluster) -> None:  # type: ignore[no-untyped-def]
    await seeded_cluster.stop("35.78")
    kemensos = bearer(token_for(gateway, Principal("user:kemensos", Role.KEMENSOS)))
    response = await gateway.get("/exports/dipa?period=2026-S1&format=csv", headers=kemensos)
    assert response.status == 200
    assert response.headers["X-SIKS-Missing-Regions"] == "35.78"
    text = (await response.read()).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][0].startswith("REKAPITULASI") and table[1][0].startswith("Periode: 2026-S1")
    header = table[5]
    assert header[:3] == ["No", "Program", "Komponen"] and header[-2:] == ["Nilai (Rp)",
                                                                           "Dasar Hukum"]
    pkh = next(r for r in table if len(r) > 5 and r[1].startswith("PKH") and r[5] == "32.73")
    assert pkh[7:9] == ["1", "5"] and pkh[12] == "3150000"
    assert pkh[9] == "per komponen (di bawah)" and "Permensos No. 1 Tahun 2018" in pkh[13]
    rows = [r for r in table if len(r) > 12]
    assert any(r[6] == "Subtotal Jawa Barat" and r[12] == "3150000" for r in rows
               if r[1].startswith("PKH"))
    assert any(r[1] == "35.78" and r[3] == "NODE_UNAVAILABLE" for r in table if len(r) > 3)
    assert any("Perpres No. 64 Tahun 2020" in " ".join(r) for r in table)

    response = await gateway.get("/exports/dipa?period=2026-S1&format=xlsx&region=32",
                                 headers=kemensos)
    assert response.status == 200 and "X-SIKS-Missing-Regions" not in response.headers
    sheet = load_workbook(io.BytesIO(await response.read())).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    national = [r for r in values if r[6] == "JUMLAH NASIONAL"]
    assert [(r[1], r[12]) for r in national] == [
        ("Program Sembako (BPNT)", 1_200_000), ("PBI Jaminan Kesehatan", 504_000),
        ("PKH (Program Keluarga Harapan)", 3_150_000), ("SEMUA PROGRAM", 4_854_000)]
    assert sheet.freeze_panes == "A7"
