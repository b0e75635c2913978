"""The sandbox registry's own behaviour: the DCI answer shape, admin API, faults, seeding."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from regional_node.adapters.database import Database
from regional_node.domain.population_registry import IdentityQuery, RegistryOutcome
from sandbox_registry.faults import FaultError, Faults
from sandbox_registry.seeding import KINDS, discrepancy_for, misspell, seed_from_node
from sandbox_registry.store import ResidentRow, find_residents, open_store
from siks.cli import main
from tests.factories import household
from tests.node.helpers import store
from tests.registry.dci_spec import error_problems, example_request, response_problems
from tests.registry.sandbox import Sandbox, person, running_sandbox

NIK = "3273014102800001"


@pytest.fixture
async def sandbox(tmp_path: Path) -> AsyncIterator[Sandbox]:
    async with running_sandbox(tmp_path) as running:
        await running.add(person(NIK, "Siti Aminah", dt.date(1980, 2, 1)))
        yield running


async def post_search(sandbox: Sandbox, body: Any) -> tuple[int, Any]:
    async with sandbox.http.post(sandbox.url + "/registry/sync/search", json=body) as response:
        return response.status, await response.json()


async def test_answers_the_spec_example_request_in_the_spec_shape(sandbox: Sandbox) -> None:
    request = example_request()  # total_count "1" as a string, query type UIN, reference ""
    request["message"]["search_request"][0]["reference_id"] = "r1"
    request["message"]["search_request"][0]["search_criteria"]["query"]["value"] = NIK
    status, body = await post_search(sandbox, request)
    assert status == 200
    assert response_problems(body) == []
    [item] = body["message"]["search_response"]
    assert (item["reference_id"], item["status"]) == ("r1", "succ")
    [record] = item["data"]["reg_records"]
    assert record["identifier"][0] == {"identifier_type": "NIK", "identifier_value": NIK}
    assert (record["name"]["given_name"], record["birth_date"], record["sex"]) == (
        "Siti Aminah", "1980-02-01", "female")
    assert body["header"]["receiver_id"] == "sp-system"  # the request's sender
    assert body["message"]["transaction_id"] == request["message"]["transaction_id"]


async def test_unknown_nik_is_success_with_no_records(sandbox: Sandbox) -> None:
    request = example_request()
    request["message"]["search_request"][0].update(reference_id="r1")
    request["message"]["search_request"][0]["search_criteria"]["query"] = {
        "type": "NIK", "value": "3273014102800009"}
    status, body = await post_search(sandbox, request)
    assert status == 200 and response_problems(body) == []
    [item] = body["message"]["search_response"]
    assert (item["status"], item["data"]["reg_records"]) == ("succ", [])


async def test_item_level_refusals_use_the_spec_reason_codes(sandbox: Sandbox) -> None:
    request = example_request()
    first = request["message"]["search_request"][0]
    first["reference_id"] = "a"
    first["search_criteria"]["query"]["value"] = NIK
    expression = dict(first, reference_id="b",
                      search_criteria=dict(first["search_criteria"], query_type="expression"))
    repeated = dict(first)
    request["message"]["search_request"] = [first, expression, repeated]
    request["header"]["total_count"] = 3
    status, body = await post_search(sandbox, request)
    assert status == 200 and response_problems(body) == []
    codes = [(i["status"], i.get("status_reason_code"))
             for i in body["message"]["search_response"]]
    assert codes == [("succ", None), ("rjct", "rjct.search_criteria.invalid"),
                     ("rjct", "rjct.reference_id.duplicate")]


@pytest.mark.parametrize("breaks, code", [
    (lambda r: r.pop("header"), "err.request.bad"),
    (lambda r: r["header"].pop("message_id"), "err.request.bad"),
    (lambda r: r["header"].update(action="subscribe"), "err.request.bad"),
    (lambda r: r["header"].update(total_count=2), "err.request.bad"),
    (lambda r: r["header"].update(version="0.9"), "err.version.not_supported"),
    (lambda r: r["header"].update(is_msg_encrypted=True), "err.encryption.invalid"),
    (lambda r: r["message"].pop("transaction_id"), "err.request.bad"),
])
async def test_a_malformed_envelope_is_a_400_in_the_spec_error_shape(
        sandbox: Sandbox, breaks: Any, code: str) -> None:
    request = example_request()
    breaks(request)
    status, body = await post_search(sandbox, request)
    assert status == 400
    assert error_problems(body) == []
    assert body["errors"][0]["code"] == code
    assert (await sandbox.stats())["rejected_requests"] == 1


async def test_residents_admin_api(sandbox: Sandbox) -> None:
    await sandbox.add(person("3273014102800002", "Dewi", dt.date(1980, 2, 1), deceased=True))
    async with sandbox.http.get(sandbox.url + "/_sandbox/residents/3273014102800002") as r:
        stored = await r.json()
    assert stored["deceased"] is True and stored["death_date"] == dt.date.today().isoformat()
    async with sandbox.http.delete(sandbox.url + "/_sandbox/residents/3273014102800002") as r:
        assert r.status == 200
    async with sandbox.http.get(sandbox.url + "/_sandbox/residents/3273014102800002") as r:
        assert r.status == 404
    async with sandbox.http.post(sandbox.url + "/_sandbox/residents",
                                 json={"residents": [{"nik": "12", "name": "x"}]}) as r:
        assert r.status == 400
    async with sandbox.http.get(sandbox.url + "/healthz") as r:
        assert (await r.json())["residents"] == 1


async def test_fault_settings_are_validated(sandbox: Sandbox) -> None:
    for bad in ({"fail_rate": 2}, {"latency_ms": -1}, {"down_mode": "maybe"}, {"nope": 1}):
        async with sandbox.http.post(sandbox.url + "/_sandbox/faults", json=bad) as r:
            assert r.status == 400, bad
    assert (await sandbox.faults(latency_ms=5))["latency_ms"] == 5
    await sandbox.clear_faults()
    async with sandbox.http.get(sandbox.url + "/_sandbox/faults") as r:
        assert (await r.json())["latency_ms"] == 0


def test_fail_rate_is_reproducible_and_down_after_counts_down() -> None:
    def run(seed: int) -> list[str | None]:
        faults = Faults()
        faults.update({"fail_rate": 0.5, "seed": seed})
        return [faults.decide() for _ in range(40)]

    assert run(1) == run(1)
    assert 5 < run(1).count("error") < 35
    faults = Faults()
    faults.update({"down_after": 2})
    assert [faults.decide() for _ in range(4)] == [None, None, "error", "error"]
    with pytest.raises(FaultError):
        faults.update({"fail_status": 200})


async def test_latency_is_injected(sandbox: Sandbox) -> None:
    await sandbox.faults(latency_ms=150)
    async with sandbox.client() as client:
        started = asyncio.get_running_loop().time()
        await client.check([IdentityQuery(NIK, "Siti Aminah", dt.date(1980, 2, 1))])
    assert asyncio.get_running_loop().time() - started >= 0.15


def test_discrepancies_are_deterministic_and_near_the_rate() -> None:
    niks = [f"32730141028{n:05d}" for n in range(4000)]
    kinds = [discrepancy_for(n, 0.2, seed=7) for n in niks]
    assert kinds == [discrepancy_for(n, 0.2, seed=7) for n in niks]
    assert kinds != [discrepancy_for(n, 0.2, seed=8) for n in niks]
    share = sum(k is not None for k in kinds) / len(kinds)
    assert 0.17 < share < 0.23
    assert {k for k in kinds if k} == set(KINDS)
    assert all(discrepancy_for(n, 0.0, seed=7) is None for n in niks[:100])


def test_a_misspelling_is_one_doubled_letter() -> None:
    import random

    name = misspell("Siti Aminah", random.Random(1))
    assert name != "Siti Aminah" and len(name) == len("Siti Aminah") + 1


async def test_seed_from_a_node_database(database: Database, database_url: str,
                                         tmp_path: Path) -> None:
    records = [household(members=4) for _ in range(50)]  # 200 people
    await store(database, records)
    registry = await open_store(f"sqlite:///{tmp_path / 'registry.sqlite'}")
    try:
        report = await seed_from_node(registry, database_url, discrepancy_rate=0.3, seed=5)
        assert report.people == 200
        assert report.stored == 200 - report.discrepancies["missing"]
        assert sum(report.discrepancies.values()) > 30
        niks = [m.nik for h in records for m in h.members]
        found = await find_residents(registry, niks)
        people = {m.nik: (m, h.kk_number) for h in records for m in h.members}
        for nik, resident in found.items():
            member, kk = people[nik]
            assert resident.kk_number == kk
            assert (resident.name == member.name) == (resident.discrepancy != "misspelt_name")
            assert (resident.birth_date == member.birth_date) == (
                resident.discrepancy != "shifted_birth_date")
            assert resident.alive == (resident.discrepancy != "deceased")
        again = await seed_from_node(registry, database_url, discrepancy_rate=0.3, seed=5)
        assert again.discrepancies == report.discrepancies
        async with registry.reader() as session:
            rows = (await session.execute(select(ResidentRow.nik))).scalars().all()
        assert len(rows) == report.stored  # re-seeding replaces, never duplicates
    finally:
        await registry.dispose()


def test_cli_seed_and_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    assert main(["sandbox-registry", "add", "--db", db, "--nik", NIK, "--name", "Siti",
                 "--birth-date", "1980-02-01", "--sex", "female", "--deceased"]) == 0
    assert f"resident {NIK} stored" in capsys.readouterr().out
    assert main(["sandbox-registry", "add", "--db", db, "--nik", "12", "--name", "X",
                 "--birth-date", "1980-02-01", "--sex", "male"]) == 2
    assert "siks: error: nik '12' is not 16 digits" in capsys.readouterr().err
    assert main(["sandbox-registry", "seed", "--db", db, "--from-node-db", db,
                 "--discrepancy-rate", "1.5"]) == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_serve_runs_as_its_own_process(tmp_path: Path) -> None:
    """``siks sandbox-registry serve``: a real process on loopback, answering the client."""
    port, db = _free_port(), f"sqlite:///{tmp_path / 'registry.sqlite'}"
    assert await asyncio.to_thread(main, [
        "sandbox-registry", "add", "--db", db, "--nik", NIK, "--name", "Siti Aminah",
        "--birth-date", "1980-02-01", "--sex", "female"]) == 0
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "siks", "sandbox-registry", "serve", "--db", db, "--port",
        str(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ))
    try:
        url = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                try:
                    async with http.get(url + "/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            else:
                pytest.fail("the sandbox registry did not start")
            running = Sandbox(url, None, http)  # type: ignore[arg-type]
            async with running.client() as client:
                [result] = await client.check([IdentityQuery(NIK, "Siti Aminah",
                                                             dt.date(1980, 2, 1))])
        assert result.outcome is RegistryOutcome.MATCH
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
