"""What the Kemensos and partner web tests share: households at two real nodes, the gateway's
users (Kemensos with and without the ``decide`` permission, a partner ministry, a Dinas
Sosial), records a node sent up (signed with the region's key from the dev PKI, through the
gateway's real inbox), and a web login."""

from __future__ import annotations

import datetime as dt
from typing import Any

from certs.dev import DevPki
from certs.envelope import make_header, sign_envelope
from certs.identity import Identity
from certs.signing import SigningCredentials
from gateway.adapters.database import Database
from gateway.identity.users import NewUser, add_user
from gateway.inbox.submissions import Inbox
from schema.enums import Program
from schema.roles import Role
from tests import factories
from tests.gateway.cluster import NodeCluster
from tests.gateway.web_helpers import WebUser
from tests.node.helpers import store
from tests.sync.helpers import as_bytes, make_records
from tests.targeting_households import constructed

PASSWORD = "kata-sandi-yang-panjang"
PERIOD = "2026-S1"
USERS = {
    "kemensos": NewUser("kemensos", PASSWORD, Role.KEMENSOS, permissions=("decide",)),
    "pembaca": NewUser("pembaca", PASSWORD, Role.KEMENSOS),  # may read, not decide
    "kemenag": NewUser("kemenag", PASSWORD, Role.MITRA, programs=("PIP",)),
    "kementan": NewUser("kementan", PASSWORD, Role.MITRA, programs=("PKH",)),
    "dinsos": NewUser("dinsos", PASSWORD, Role.DINSOS, region="32.73"),
}


async def seed_households(cluster: NodeCluster) -> dict[str, Any]:
    """The targeting test's households (tests/targeting_households.py: errors known per
    kab/kota) at all three nodes, and a few named people in Kota Bandung and Kota Surabaya."""
    for region in cluster.nodes:
        await store(cluster.nodes[region].database, constructed(region), region)
    bandung = [factories.household("32.73.01.1001", head_name="Siti Aminah", desil=1,
                                   programs=(Program.PKH, Program.BPNT), serial=5001),
               factories.household("32.73.01.1002", head_name="Budi Santoso", desil=3,
                                   serial=5002)]
    surabaya = [factories.household("35.78.01.1001", head_name="Suroboyo", desil=2,
                                    programs=(Program.BPNT,), serial=5003)]
    await store(cluster.nodes["32.73"].database, bandung)
    await store(cluster.nodes["35.78"].database, surabaya, "35.78")
    households = sum(len(constructed(region)) for region in cluster.nodes) + 3
    return {"siti": bandung[0].members[0], "surabaya": surabaya[0].members[0],
            "households": households}


async def add_users(database: Database) -> None:
    for user in USERS.values():
        await add_user(database, user, actor="test")


async def receive_records(database: Database, pki: DevPki, region: str, count: int,
                          prefix: str) -> list[str]:
    """``count`` new-household records approved at ``region``, sent up signed with the
    region's key and accepted by the gateway's inbox (as a node's relay delivers them)."""
    holder = Identity.region(region)
    credentials = SigningCredentials.load(pki.layout.root, holder)
    records = make_records(region, count, prefix=prefix)
    for record in records:
        record["approved_by"] = f"user:dinsos-{region.replace('.', '')}"
    now = dt.datetime.now(dt.UTC)
    header = make_header(action="submit", sender_id=holder.id, receiver_id="gateway",
                         total_count=len(records), message_ts=now)
    envelope = sign_envelope(header, {"records": records}, credentials.private_key,
                             credentials.kid, certificate=credentials.certificate)
    outcome = await Inbox(database, pki.store()).submit(as_bytes(envelope), now=now,
                                                        tls_peer=holder.id)
    assert outcome.status == 200, outcome.body()
    return [str(record["id"]) for record in records]


async def log_in(user: WebUser, username: str, next_path: str = "/web/kemensos") -> None:
    await user.get("/web/masuk")
    status, body = await user.post("/web/masuk", {"username": username, "password": PASSWORD,
                                                  "next": next_path})
    assert status == 303, body
