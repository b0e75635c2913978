"""A cross-region duplicate notice (action ``duplicate``) is verified as strictly as a decree:
signed by the gateway's key, for this region, untouched, and naming this region while open;
anything else is refused, audited and stores nothing. A notice older than the one held
changes nothing. SQLite and PostgreSQL (the node's ``database``)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from certs.envelope import make_header, sign_envelope
from certs.identity import Identity
from certs.signing import SigningCredentials
from certs.trust import CertificateStore
from regional_node.adapters.database import Database
from regional_node.adapters.orm import AuditEntry, CrossRegionDuplicate, HouseholdWarning
from regional_node.service_layer.decisions import receive_decision
from schema.sync_messages import DuplicateFinding, duplicate_message
from tests.factories import household
from tests.node.helpers import store
from tests.sync.world import SECRET

NOW = dt.datetime.now(dt.UTC)


def notice(credentials: SigningCredentials, receiver: str,
           *findings: DuplicateFinding) -> dict[str, Any]:
    header = make_header(action="duplicate", sender_id=credentials.holder.id,
                         receiver_id=receiver, total_count=len(findings), message_ts=NOW)
    return sign_envelope(header, duplicate_message(findings), credentials.private_key,
                         credentials.kid, certificate=credentials.certificate)


def finding(key: str, regions: tuple[str, ...] = ("32.73", "35.78"), version: int = 1,
            resolved: bool = False) -> DuplicateFinding:
    return DuplicateFinding(7, key, regions, NOW, NOW if resolved else None, version)


async def receive(database: Database, pki: Path, envelope: dict[str, Any]) -> tuple[str, Any]:
    result = await receive_decision(database, CertificateStore.load(pki), "32.73", envelope,
                                    dt.datetime.now(dt.UTC), SECRET)
    return result.status, result.code


async def kept(database: Database) -> list[tuple[list[str], int, bool]]:
    async with database.reader() as session:
        rows = (await session.execute(select(CrossRegionDuplicate))).scalars().all()
        open_warnings = (await session.execute(select(HouseholdWarning).where(
            HouseholdWarning.resolved_at.is_(None)))).scalars().all()
    return [(r.regions, r.version, len(open_warnings) == 1) for r in rows]


@pytest.fixture
async def key(database: Database) -> str:
    person = household("32.73.01.1001", members=1)
    await store(database, [person])
    return SECRET.key_of(person.members[0].nik)


def gateway(pki: Path) -> SigningCredentials:
    return SigningCredentials.load(pki, Identity.gateway())


async def test_a_signed_notice_for_this_region_is_applied(database, live_pki, key):
    assert await receive(database, live_pki, notice(gateway(live_pki), "32.73",
                                                    finding(key))) == ("APPLIED", None)
    assert await kept(database) == [(["32.73", "35.78"], 1, True)]


@pytest.mark.parametrize("tamper, code", [
    ("regions", "PAYLOAD_TAMPERED"),
    ("receiver", "HEADER_TAMPERED"),
])
async def test_a_tampered_notice_is_refused(database, live_pki, key, tamper, code):
    envelope = notice(gateway(live_pki), "32.73", finding(key))
    forged = copy.deepcopy(envelope)
    if tamper == "regions":
        forged["message"]["duplicates"][0]["regions"] = ["32.73", "53.71"]
    else:
        forged["header"]["receiver_id"] = "32.04"
    status, got = await receive(database, live_pki, forged)
    assert (status, got) == ("REFUSED", code)
    assert await kept(database) == []


async def test_a_notice_for_another_region_is_refused(database, live_pki, key):
    envelope = notice(gateway(live_pki), "35.78", finding(key))
    assert await receive(database, live_pki, envelope) == ("REFUSED", "RECEIVER_MISMATCH")
    assert await kept(database) == []


async def test_a_notice_signed_by_a_region_is_refused(database, live_pki, key):
    region = SigningCredentials.load(live_pki, Identity.region("35.78"))
    envelope = notice(region, "32.73", finding(key))
    assert await receive(database, live_pki, envelope) == ("REFUSED", "SIGNER_NOT_ALLOWED")
    assert await kept(database) == []
    async with database.reader() as session:
        refused = (await session.execute(select(AuditEntry.action).where(
            AuditEntry.action == "decision.refuse"))).scalars().all()
    assert refused == ["decision.refuse"]


@pytest.mark.parametrize("regions", [("35.78", "53.71"), ("32.73",)])
async def test_an_open_finding_that_does_not_concern_this_region_is_refused(
        database, live_pki, key, regions):
    envelope = notice(gateway(live_pki), "32.73", finding(key, regions))
    assert await receive(database, live_pki, envelope) == ("REFUSED", "DECISION_MALFORMED")
    assert await kept(database) == []


async def test_an_older_notice_changes_nothing(database, live_pki, key):
    newer = notice(gateway(live_pki), "32.73", finding(key, ("32.73",), 2, resolved=True))
    older = notice(gateway(live_pki), "32.73", finding(key, version=1))
    assert (await receive(database, live_pki, newer))[0] == "APPLIED"
    assert (await receive(database, live_pki, older))[0] == "APPLIED"
    assert await kept(database) == [(["32.73"], 2, False)]  # resolved stays resolved
