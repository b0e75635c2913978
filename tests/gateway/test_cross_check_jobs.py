"""A partner's cross-check JOB through the gateway, with real node apps over mutual TLS: a file
of NIKs uploaded over HTTP, its progress, a result CSV downloaded once, the double-benefit
rules applied (person- and household-level programs), one audit entry per batch, a job
across a gateway restart, and every refusal a partner can meet (docs/partners.md)."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from gateway.adapters.orm import CrossCheckJobRow, GatewayAuditEntry
from gateway.entrypoints.app import SERVICES, refresh_snapshots
from gateway.inbox.audit import verify_gateway_chain
from regional_node.domain.records import ProgramRecord
from schema.cross_check_jobs import digest_of
from schema.enums import Program
from schema.identity_numbers import Sex, make_nik
from schema.roles import Principal, Role
from tests import factories
from tests.gateway.cluster import NodeCluster
from tests.gateway.identity_helpers import DINSOS_BANDUNG, bearer, secure_gateway, token_for
from tests.node.helpers import store

KEMENAG = Principal("user:mitra-kemenag", Role.MITRA, programs=("PIP",))
KEMENTAN = Principal("user:mitra-kementan", Role.MITRA, programs=("PKH",))
JOBS = "/partners/cross-check-jobs"
UNKNOWN = make_nik("32.73.01", dt.date(1977, 7, 7), Sex.FEMALE, 9876)
ELSEWHERE = make_nik("11.01.01", dt.date(1980, 2, 2), Sex.MALE, 1234)  # Aceh: no node


@pytest.fixture
async def people(cluster: NodeCluster) -> dict[str, Any]:
    bandung = factories.household("32.73.01.1001", members=3, head_name="Siti Aminah",
                                  desil=3, programs=(Program.PKH,))
    pupil = bandung.members[2]
    bandung.programs.append(ProgramRecord(Program.PIP, "2026-S1", dt.date(2026, 1, 1),
                                          member_nik=pupil.nik))
    double = factories.household("32.73.01.1002", head_name="Dobel Bantuan", desil=1,
                                 programs=(Program.PKH, Program.BLT))
    surabaya = factories.household("35.78.01.1001", head_name="Suroboyo", desil=8,
                                   programs=(Program.BPNT,))
    await store(cluster.nodes["32.73"].database, [bandung, double])
    await store(cluster.nodes["35.78"].database, [surabaya], "35.78")
    return {"head": bandung.members[0], "pupil": pupil, "double": double.members[1],
            "surabaya": surabaya.members[0], "records": [bandung, double, surabaya]}


@pytest.fixture
async def client(cluster, dev_pki, tmp_path, aiohttp_client, people) -> TestClient:  # type: ignore[no-untyped-def]
    gateway = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    await refresh_snapshots(gateway.app[SERVICES])
    return gateway


def as_user(client: TestClient, principal: Principal | None) -> dict[str, str]:
    return bearer(token_for(client, principal) if principal is not None else None)


async def upload(client: TestClient, principal: Principal | None, body: str | bytes,
                 program: str | None = None) -> tuple[int, dict[str, Any]]:
    query = f"?program={program}" if program else ""
    response = await client.post(JOBS + query, data=body, headers={
        **as_user(client, principal), "Content-Type": "text/plain"})
    return response.status, dict(await response.json())


async def finished(client: TestClient, principal: Principal, job_id: str) -> dict[str, Any]:
    for _ in range(600):
        response = await client.get(f"{JOBS}/{job_id}", headers=as_user(client, principal))
        status = dict(await response.json())
        if status["state"] not in ("QUEUED", "RUNNING"):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {status}")


async def download(client: TestClient, principal: Principal, job_id: str
                   ) -> tuple[int, str]:
    response = await client.get(f"{JOBS}/{job_id}/result", headers=as_user(client, principal))
    return response.status, await response.text()


async def test_a_file_of_niks_is_checked_with_the_rules_and_downloaded_once(
        client: TestClient, people: dict[str, Any], cluster: NodeCluster) -> None:
    niks = [people["pupil"].nik, people["head"].nik, UNKNOWN, people["double"].nik,
            people["surabaya"].nik, ELSEWHERE, people["pupil"].nik]
    before = len(cluster.documents)
    status, job = await upload(client, KEMENAG, "nik\n" + "\r\n".join(niks) + "\n",
                               program="KEMENAG_PIP")
    assert status == 202 and job["state"] == "QUEUED" and job["total"] == 6, job
    done = await finished(client, KEMENAG, job["id"])
    assert (done["state"], done["done"], done["total"], done["progress"],
            done["missingRegions"]) == ("DONE", 6, 6, 1.0, [])
    code, text = await download(client, KEMENAG, job["id"])
    assert code == 200
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["nik", "registered", "desil_band", "programs", "conflicts",
                            "in_more_than_one_region"]
    got = [(r["nik"], r["registered"], r["desil_band"], r["programs"], r["conflicts"])
           for r in rows]
    pupil = (people["pupil"].nik, "true", "DESIL_3_4",
             "PKH/HOUSEHOLD/2026-S1;PIP/PERSON/2026-S1", "KEMENAG_PIP x PIP (PERSON)")
    assert got == [
        pupil,  # a person-level program against the partner's own
        (people["head"].nik, "true", "DESIL_3_4", "PKH/HOUSEHOLD/2026-S1", ""),  # no PIP
        (UNKNOWN, "false", "", "", ""),
        (people["double"].nik, "true", "DESIL_1_2", "PKH/HOUSEHOLD/2026-S1;"
         "BLT/HOUSEHOLD/2026-S1", "BLT x PKH (HOUSEHOLD)"),  # household-level, Kemensos' own
        (people["surabaya"].nik, "true", "DESIL_7_10", "BPNT/HOUSEHOLD/2026-S1", ""),
        (ELSEWHERE, "false", "", "", ""),  # issued in a kab/kota with no node: nobody asked
        pupil]
    asked = [(region, doc) for region, doc in cluster.documents[before:] if "crossCheck" in doc]
    assert sorted(region for region, _ in asked) == ["32.73", "35.78"]  # each node once
    # the result is deleted when downloaded: a second download is refused
    code, again = await download(client, KEMENAG, job["id"])
    assert code == 410 and json.loads(again)["errors"][0]["extensions"]["code"] == "JOB_GONE"
    async with client.app[SERVICES].database.reader() as session:
        row = await session.get(CrossCheckJobRow, job["id"])
    assert row is not None and row.result is None and row.niks is None
    assert row.state == "DOWNLOADED"


async def test_a_partner_never_sees_a_name_an_address_or_a_birth_date(
        client: TestClient, people: dict[str, Any], cluster: NodeCluster) -> None:
    niks = [people["head"].nik, people["pupil"].nik, people["surabaya"].nik]
    before = len(cluster.documents)
    _, job = await upload(client, KEMENTAN, "\n".join(niks))
    status = await finished(client, KEMENTAN, job["id"])
    _, result = await download(client, KEMENTAN, job["id"])
    seen = json.dumps([job, status]) + result
    for record in people["records"]:
        assert record.address not in seen
        for member in record.members:
            assert member.name not in seen and member.birth_date.isoformat() not in seen
    for _, doc in cluster.documents[before:]:  # what the nodes were asked for
        for word in ("name", "address", "birthDate", "kkNumber", "desil "):
            assert word not in doc, doc


async def test_one_audit_entry_per_batch_binds_the_list_without_the_niks(
        client: TestClient, people: dict[str, Any]) -> None:
    niks = [people["head"].nik, UNKNOWN, people["head"].nik]
    _, job = await upload(client, KEMENTAN, "\n".join(niks), program="KEMENTAN_BLT_PUPUK")
    await finished(client, KEMENTAN, job["id"])
    async with client.app[SERVICES].database.reader() as session:
        [entry] = (await session.execute(select(GatewayAuditEntry).where(
            GatewayAuditEntry.action == "crossCheck.job"))).scalars().all()
    assert (entry.actor, entry.role, entry.entity_id) == ("user:mitra-kementan", "MITRA",
                                                          job["id"])
    assert entry.detail == {"niks": 3, "niksDigest": digest_of(niks),
                            "program": "KEMENTAN_BLT_PUPUK"}
    assert not any(n in json.dumps(entry.detail) for n in niks)
    assert (await verify_gateway_chain(client.app[SERVICES].database)).ok  # the chain holds


async def test_a_job_survives_a_gateway_restart(cluster, dev_pki, tmp_path, aiohttp_client,
                                                people) -> None:  # type: ignore[no-untyped-def]
    first = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    await refresh_snapshots(first.app[SERVICES])
    cluster.hanging.add("32.73")  # the job waits on Kota Bandung's node…
    _, job = await upload(first, KEMENTAN, f"{people['head'].nik}\n{people['surabaya'].nik}")
    for _ in range(100):
        status = await (await first.get(f"{JOBS}/{job['id']}",
                                        headers=as_user(first, KEMENTAN))).json()
        if status["state"] == "RUNNING":
            break
        await asyncio.sleep(0.02)
    assert status["state"] == "RUNNING"
    await first.close()  # …when the gateway stops
    cluster.hanging.clear()
    second = await secure_gateway(aiohttp_client, tmp_path, dev_pki, cluster)
    done = await finished(second, KEMENTAN, job["id"])  # started again, from the beginning
    assert (done["state"], done["missingRegions"]) == ("DONE", [])
    _, text = await download(second, KEMENTAN, job["id"])
    assert [r["registered"] for r in csv.DictReader(io.StringIO(text))] == ["true", "true"]


async def test_only_the_owner_reads_a_job(client: TestClient, people: dict[str, Any]) -> None:
    _, job = await upload(client, KEMENAG, people["head"].nik)
    await finished(client, KEMENAG, job["id"])
    for path in (f"{JOBS}/{job['id']}", f"{JOBS}/{job['id']}/result"):
        other = await client.get(path, headers=as_user(client, KEMENTAN))  # another ministry
        assert other.status == 404
        assert (await other.json())["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        public = await client.get(path)
        assert public.status == 401
        dinsos = await client.get(path, headers=as_user(client, DINSOS_BANDUNG))
        assert dinsos.status == 403
    code, _ = await download(client, KEMENAG, job["id"])
    assert code == 200  # still there for its owner


@pytest.mark.parametrize(("principal", "status", "code"), [
    (None, 401, "UNAUTHENTICATED"), (DINSOS_BANDUNG, 403, "FORBIDDEN")],
    ids=["public", "dinsos"])
async def test_only_partners_and_kemensos_send_jobs(client: TestClient, cluster: NodeCluster,
                                                    principal: Principal | None, status: int,
                                                    code: str) -> None:
    before = sum(cluster.requests.values())
    got, body = await upload(client, principal, UNKNOWN)
    assert (got, body["errors"][0]["extensions"]["code"]) == (status, code)
    assert sum(cluster.requests.values()) == before


@pytest.mark.parametrize(("body", "program", "status", "extensions"), [
    (f"{UNKNOWN}\n{UNKNOWN}\n3273\n", None, 400,
     {"code": "INVALID_NIK", "reason": "length", "field": "line 3"}),
    ("nik\n\n", None, 400, {"code": "INVALID_INPUT", "reason": "empty", "field": "file"}),
    (UNKNOWN, "kemenag pip", 400,
     {"code": "INVALID_INPUT", "reason": "program", "field": "program"}),
    (f"{UNKNOWN}\n" * 1_000_001, None, 413,
     {"code": "INVALID_INPUT", "reason": "too_many", "field": "file"}),
    ("1" * 19_000_000, None, 413,
     {"code": "INVALID_INPUT", "reason": "too_many", "field": "file"}),
    (b"\xff\xfe3273", None, 400,
     {"code": "INVALID_INPUT", "reason": "encoding", "field": "file"}),
], ids=["bad-nik", "empty", "bad-program", "over-a-million", "too-big", "not-text"])
async def test_a_bad_file_is_refused_before_anything_is_stored(
        client: TestClient, cluster: NodeCluster, body: str, program: str | None, status: int,
        extensions: dict[str, str]) -> None:
    before = sum(cluster.requests.values())
    got, answer = await upload(client, KEMENTAN, body, program)
    assert (got, answer["errors"][0]["extensions"]) == (status, extensions)
    async with client.app[SERVICES].database.reader() as session:
        assert (await session.execute(select(CrossCheckJobRow))).first() is None
    assert sum(cluster.requests.values()) == before


async def test_an_unknown_job_and_an_unfinished_one(client: TestClient, cluster: NodeCluster,
                                                    people: dict[str, Any]) -> None:
    missing = await client.get(f"{JOBS}/0123456789abcdef/result",
                               headers=as_user(client, KEMENTAN))
    assert missing.status == 404
    cluster.hanging.add("32.73")
    _, job = await upload(client, KEMENTAN, people["head"].nik)
    code, text = await download(client, KEMENTAN, job["id"])
    assert code == 409 and json.loads(text)["errors"][0]["extensions"]["code"] == "JOB_NOT_READY"
    done = await finished(client, KEMENTAN, job["id"])  # hung past the deadline three times
    cluster.hanging.clear()
    assert (done["state"], done["missingRegions"]) == ("DONE", ["32.73"])
    response = await client.get(f"{JOBS}/{job['id']}/result", headers=as_user(client, KEMENTAN))
    assert response.headers["X-SIKS-Missing-Regions"] == "32.73"
    assert [r["registered"] for r in csv.DictReader(io.StringIO(await response.text()))] == [
        "unknown"]


async def test_an_expired_result_is_deleted(client: TestClient, people: dict[str, Any]) -> None:
    from gateway.adapters.job_store import JobStore
    from gateway.adapters.orm import utcnow

    _, job = await upload(client, KEMENTAN, people["head"].nik)
    await finished(client, KEMENTAN, job["id"])
    jobs = JobStore(client.app[SERVICES].database)
    assert await jobs.expire(utcnow() + dt.timedelta(hours=23)) == 0
    assert await jobs.expire(utcnow() + dt.timedelta(hours=25)) == 1
    code, text = await download(client, KEMENTAN, job["id"])
    assert code == 410 and "EXPIRED" in text
