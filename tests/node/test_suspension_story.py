"""The user story, end to end: a seeded node, the sandbox registry seeded from it with
discrepancies, `siks node match-nik` → the memberships on MISMATCH / NOT_FOUND / DECEASED
people are suspended and counted (on the command line, in `siks node status`, in GraphQL);
one person fixed at Dukcapil and checked again → its memberships pay again and the count
drops. A registry-reported death suspends; it never marks the member dead."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from regional_node.adapters.orm import Household, Member
from regional_node.adapters.suspension_queries import suspended_by_reason
from siks.cli import main
from tests.node.helpers import gql
from tests.registry.sandbox import running_sandbox

LINE = re.compile(r"^bantuan ditangguhkan: (\d+) dari (\d+) keanggotaan aktif / aid suspended: "
                  r"\1 of \2 active memberships(?: \((.*)\))?$", re.MULTILINE)
SUSPENDED = """{ suspendedMemberships(first: 500) { totalCount edges { node { id program
    suspension { reason } person { nik name birthDate matchStatus alive } } } } }"""


def _counted(output: str) -> tuple[int, int, dict[str, int]]:
    found = LINE.search(output)
    assert found is not None, output
    reasons = dict((r.split()[0], int(r.split()[1])) for r in (found.group(3) or "").split(", ")
                   if r)
    return int(found.group(1)), int(found.group(2)), reasons


async def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert await asyncio.to_thread(main, list(argv)) == 0
    return capsys.readouterr().out


async def test_match_nik_suspends_and_a_fix_lifts(node_client: TestClient, node_database,
                                                 database_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    await _run(capsys, "seed", "--region", "32.73", "--households", "80", "--seed", "7",
               "--db", database_url, "--quiet")
    registry_db = f"sqlite:///{tmp_path / 'registry.sqlite'}"
    seeded = await _run(capsys, "sandbox-registry", "seed", "--db", registry_db,
                        "--from-node-db", database_url, "--discrepancy-rate", "0.3",
                        "--seed", "42")
    assert "residents stored" in seeded
    before = await gql(node_client, SUSPENDED)
    assert before["data"]["suspendedMemberships"]["totalCount"] > 0  # nobody checked yet
    async with running_sandbox(tmp_path, registry_db) as sandbox:
        match = ("node", "match-nik", "--db", database_url, "--region", "32.73",
                 "--registry-url", sandbox.url, "--quiet")
        suspended, active, reasons = _counted(await _run(capsys, *match))
        assert set(reasons) == {"DECEASED", "NIK_MISMATCH", "NIK_NOT_FOUND"}
        assert suspended == sum(reasons.values()) > 0 and active > suspended

        listed = (await gql(node_client, SUSPENDED))["data"]["suspendedMemberships"]
        nodes = [e["node"] for e in listed["edges"]]
        assert listed["totalCount"] == suspended
        assert Counter(n["suspension"]["reason"] for n in nodes) == reasons
        for node in nodes:  # each rests on a person Dukcapil does not confirm
            assert {"DECEASED": "DECEASED", "NIK_MISMATCH": "MISMATCH",
                    "NIK_NOT_FOUND": "NOT_FOUND"}[node["suspension"]["reason"]] == \
                node["person"]["matchStatus"]
        # a death the registry reports suspends aid; DTKS records it only by a proposal
        dead = [n for n in nodes if n["suspension"]["reason"] == "DECEASED"]
        assert dead and all(n["person"]["alive"] for n in dead)
        status = await _run(capsys, "node", "status", "--db", database_url)
        assert _counted(status) == (suspended, active, reasons)

        # Dukcapil's record of one mismatched person is put right; checking again lifts it
        person = next(n["person"] for n in nodes if n["suspension"]["reason"] == "NIK_MISMATCH")
        lifted = sum(1 for n in nodes if n["person"]["nik"] == person["nik"])
        kk = await _kk_of(node_database, person["nik"])
        await sandbox.add({"nik": person["nik"], "name": person["name"],
                           "birth_date": person["birthDate"], "sex": "female",
                           "kk_number": kk})
        now, active_now, reasons_now = _counted(await _run(capsys, *match))
    assert (now, active_now) == (suspended - lifted, active)
    assert reasons_now["NIK_MISMATCH"] == reasons["NIK_MISMATCH"] - lifted
    after = (await gql(node_client, SUSPENDED))["data"]["suspendedMemberships"]
    assert after["totalCount"] == now
    assert person["nik"] not in {e["node"]["person"]["nik"] for e in after["edges"]}
    async with node_database.reader() as session:
        assert await suspended_by_reason(session) == (active, {
            reason: count for reason, count in reasons_now.items()})


async def _kk_of(database, nik: str) -> str:
    async with database.reader() as session:
        return (await session.execute(
            select(Household.kk_number).join(Member, Member.household_id == Household.id)
            .where(Member.nik == nik))).scalar_one()
