"""A hypothesis state machine over the signed sync: approve, deliver, crash (the in-flight
delivery dropped, or the acknowledgement lost after the gateway stored it), restart (both
databases re-opened), rotate the region's key, revoke it. After every step:

- nothing lost: every approved proposal is in exactly one outbox message; every message the
  node counts as delivered is stored at the gateway, record by record, with the same digest;
- nothing duplicated: every record stored at the gateway is in the node message of the same id
  and digest, and no message the node counts as refused is stored;
- everything stored was signed by a key valid at its ``message_ts``: the certificate's
  validity covers it, and no revocation that applies at ``message_ts`` was in force when the
  gateway accepted it;
- the proposals' states follow their messages; both audit chains verify.

Real components: the node's service layer (approval's ``queue_approved``, the relay, the
delivery bookkeeping) and the gateway's inbox services (``build_sync``: the verify-and-store
path the mTLS handlers call), on SQLite files, with keys from a national PKI in a temporary
directory, rotated and revoked by the real CA. The link calls the gateway's service entry
points directly (TLS is covered by test_delivery.py and test_soak.py), so faults are exact.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import tempfile
import time
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from certs.revocation import RevocationReason, revocation_applies
from certs.trust import CertificateStore
from gateway.adapters.database import Database as GatewayDatabase
from gateway.adapters.database import open_database as open_gateway
from gateway.adapters.orm import InboxReceipt, NationalRecord
from gateway.inbox.audit import verify_gateway_chain
from gateway.inbox.checkpoints import accept_checkpoint
from gateway.inbox.http import SyncServices, build_sync
from regional_node.adapters.database import Database, open_database
from regional_node.adapters.gateway_link import Answer, LinkDown
from regional_node.adapters.orm import OutboxMessage, Proposal, utcnow
from regional_node.domain.sync import Backoff
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.outbox import (
    PkiSigner,
    backlog,
    forget_signer,
    queue_approved,
    use_signer,
)
from regional_node.service_layer.relay import Relay
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.roles import Principal, Role
from tests.sync.helpers import BANDUNG, new_pki
from tests.sync.world import DINSOS, record_digest

T = TypeVar("T")
APPROVER = Principal("dinsos-bandung", Role.DINSOS, region="32.73")
DESAS = ("32.73.01.1001", "32.73.02.1003", "32.73.03.1001")


class InProcessLink:
    """The relay's ``GatewayLink`` over the gateway's own entry points (what ``POST /inbox``
    and ``POST /checkpoints`` call, with the TLS peer the node's region), with one-shot
    faults: ``drop`` (the connection dies before the gateway reads the message) and
    ``lose_ack`` (the gateway stores it, the answer never arrives)."""

    def __init__(self, services: SyncServices, region: str) -> None:
        self.services, self.region = services, region
        self.fault: str | None = None

    async def submit(self, envelope: str) -> Answer:
        fault, self.fault = self.fault, None
        if fault == "drop":
            raise LinkDown("connection reset before the gateway read the message")
        outcome = await self.services.inbox.submit(envelope.encode(), tls_peer=self.region)
        if fault == "lose_ack":
            raise LinkDown("connection reset after the gateway committed")
        return Answer(outcome.status, outcome.body())

    async def fetch_decisions(self, limit: int) -> Answer:
        return Answer(200, {"decisions": await self.services.desk.pending(self.region, limit)})

    async def ack_decisions(self, results: list[dict[str, Any]]) -> Answer:
        return Answer(200, {"acknowledged": await self.services.desk.acknowledge(self.region,
                                                                                 results)})

    async def checkpoint(self, envelope: str) -> Answer:
        outcome = await accept_checkpoint(self.services.inbox, envelope.encode(),
                                          tls_peer=self.region)
        return Answer(outcome.status, outcome.body())


class SignedSync(RuleBasedStateMachine):
    node_template: Path
    gateway_template: Path

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = Path(tempfile.mkdtemp(prefix="siks-sync-machine-"))
        self.pki = new_pki(self.dir / "pki", issued=dt.datetime.now(dt.UTC)
                           - dt.timedelta(hours=1)).authority
        node_file, gateway_file = self.dir / "node.sqlite", self.dir / "gateway.sqlite"
        shutil.copy(self.node_template, node_file)
        shutil.copy(self.gateway_template, gateway_file)
        self.node_url, self.gateway_url = f"sqlite:///{node_file}", f"sqlite:///{gateway_file}"
        self.approved: list[str] = []
        self.steps: list[str] = []
        self.key_revoked = False  # the region's current key; rotate to get a good one
        self._open()

    # --- plumbing ----------------------------------------------------------------------------

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coroutine)

    def _open(self) -> None:
        """Processes start: databases opened, the node's signer, the gateway's services."""
        self.node: Database = open_database(self.node_url)
        self.gateway: GatewayDatabase = open_gateway(self.gateway_url)
        root = self.pki.layout.root
        use_signer(self.node, PkiSigner(root, "32.73"))
        self.link = InProcessLink(build_sync(self.gateway, root, None), "32.73")
        from certs.reloading import ReloadingTrust

        self.relay = Relay(self.node, self.link, "32.73", signer=PkiSigner(root, "32.73"),
                           trust=ReloadingTrust(root), backoff=Backoff(0.001, 0.01))

    def _close(self) -> None:
        forget_signer(self.node)
        self.run(self.node.dispose())
        self.run(self.gateway.dispose())

    def _change_pki(self) -> None:
        # The CRL and certificates are picked up by file modification time: keep two changes
        # in different clock ticks, as operators' commands are.
        time.sleep(0.01)

    # --- rules ---------------------------------------------------------------------------------

    @rule(count=st.integers(1, 4), desa=st.sampled_from(DESAS))
    def approve(self, count: int, desa: str) -> None:
        """Dinas Sosial approves: proposals APPROVED_KABKOTA and their signed submission in
        one transaction (what ``approveProposal`` does)."""
        ids = [str(uuid.uuid4()) for _ in range(count)]

        async def go() -> None:
            async with UnitOfWork(self.node, DINSOS) as uow:
                now = utcnow()
                rows = [Proposal(id=pid, kind="GRADUATION", state="APPROVED_KABKOTA",
                                 desa_code=desa, household_id=None,
                                 details={"household_id": i + 1, "reason": "mampu"},
                                 details_digest="0" * 64, created_by="op",
                                 created_role="OPERATOR_DESA", version=5, created_at=now,
                                 updated_at=now) for i, pid in enumerate(ids)]
                uow.session.add_all(rows)
                await uow.session.flush()
                await queue_approved(uow, rows, APPROVER)
                await uow.commit()

        self.run(go())
        self.approved.extend(ids)
        self.steps.append(f"approve {count}")

    @rule(fault=st.sampled_from([None, "drop", "lose_ack"]))
    def deliver(self, fault: str | None) -> None:
        """A relay round; with a crash, the first delivery dies: before the gateway reads it
        (``drop``), or after the gateway committed it (``lose_ack``)."""
        self.link.fault = fault
        self.run(self.relay.run_once(ignore_backoff=True, checkpoint=False))
        self.link.fault = None
        self.steps.append(f"deliver {fault or ''}".strip())

    @rule()
    def restart(self) -> None:
        self._close()
        self._open()
        self.steps.append("restart")

    @rule()
    def rotate(self) -> None:
        self._change_pki()
        self.pki.rotate(BANDUNG)
        self.key_revoked = False
        self.steps.append("rotate")

    @precondition(lambda self: not self.key_revoked)
    @rule(reason=st.sampled_from([RevocationReason.SUPERSEDED,
                                  RevocationReason.KEY_COMPROMISE]))
    def revoke(self, reason: RevocationReason) -> None:
        self._change_pki()
        self.pki.revoke_holder(BANDUNG, reason)
        self.key_revoked = True
        self.steps.append(f"revoke {reason.value}")

    # --- what must always hold -----------------------------------------------------------------

    async def _sides(self) -> tuple[dict[str, OutboxMessage], dict[str, InboxReceipt],
                                    list[NationalRecord], dict[str, str]]:
        async with self.node.reader() as session:
            outbox = {m.message_id: m for m in (await session.execute(
                select(OutboxMessage))).scalars()}
            proposals = dict((await session.execute(
                select(Proposal.id, Proposal.state))).all())
        async with self.gateway.reader() as session:
            receipts = {r.message_id: r for r in (await session.execute(
                select(InboxReceipt))).scalars()}
            records = list((await session.execute(select(NationalRecord))).scalars())
        return outbox, receipts, records, proposals

    @invariant()
    def holds(self) -> None:
        sides = self.run(self._sides())
        self.nothing_lost_nothing_duplicated(*sides)
        self.everything_stored_was_signed_by_a_valid_key(sides[1])
        self.audit_chains_verify()

    def nothing_lost_nothing_duplicated(self, outbox: dict[str, OutboxMessage],
                                        receipts: dict[str, InboxReceipt],
                                        records: list[NationalRecord],
                                        proposals: dict[str, str]) -> None:
        node_records: dict[str, tuple[str, str]] = {}  # record id → (message id, digest)
        for message in outbox.values():
            for record in json.loads(message.envelope)["message"]["records"]:
                assert record["id"] not in node_records, f"{record['id']} queued twice"
                node_records[record["id"]] = (message.message_id, record_digest(record))
        assert sorted(node_records) == sorted(self.approved), "an approval was lost"
        for message in outbox.values():  # what the node believes delivered is stored
            if message.status == "DELIVERED":
                assert message.message_id in receipts, f"{message.message_id} lost"
                assert receipts[message.message_id].digest == message.digest
        for message_id, receipt in receipts.items():  # what is stored, the node sent
            assert message_id in outbox, f"{message_id} stored, never sent"
            assert outbox[message_id].digest == receipt.digest
            assert outbox[message_id].status != "REFUSED", (
                f"{message_id} is stored at the gateway but refused at the node")
        stored = {r.record_id: r for r in records}
        assert len(stored) == len(records)
        for record in records:
            assert record.region == "32.73"
            assert node_records[record.record_id] == (record.message_id,
                                                      record_digest(record.payload))
        for message_id, receipt in receipts.items():
            assert receipt.record_count == sum(1 for r in records
                                               if r.message_id == message_id)
        for message in outbox.values():
            expected = {"DELIVERED": {"RECEIVED_NATIONAL"},
                        "PENDING": {"APPROVED_KABKOTA", "SENT"},
                        "REFUSED": {"APPROVED_KABKOTA", "SENT"}}[message.status]
            for record in json.loads(message.envelope)["message"]["records"]:
                assert proposals[record["id"]] in expected, (message.status,
                                                             proposals[record["id"]])

    def everything_stored_was_signed_by_a_valid_key(self, receipts: dict[str, InboxReceipt]
                                                    ) -> None:
        store = CertificateStore.load(self.pki.layout.root)
        for receipt in receipts.values():
            certificate = store.find(receipt.kid)
            assert certificate is not None, f"unknown kid {receipt.kid}"
            signed_at = _aware(receipt.message_ts)
            store.require_valid_at(certificate, signed_at)
            entry = store.revocation(certificate)
            if entry is not None and revocation_applies(entry, signed_at):
                # accepted before the revocation existed (the CRL keeps whole seconds)
                revoked_at = entry.revocation_date_utc + dt.timedelta(seconds=1)
                assert _aware(receipt.received_at) < revoked_at, (
                    f"{receipt.message_id} accepted after {receipt.kid} was revoked")

    def audit_chains_verify(self) -> None:
        assert self.run(verify_audit_chain(self.node)).ok
        assert self.run(verify_gateway_chain(self.gateway)).ok

    def teardown(self) -> None:
        """The link heals: the outbox drains, and then both sides agree exactly."""
        try:
            for _ in range(200):
                self.run(self.relay.run_once(ignore_backoff=True, checkpoint=False))
                if self.run(backlog(self.node)).pending == 0:
                    break
            else:
                raise AssertionError("the outbox did not drain")
            outbox, receipts, _, _ = self.run(self._sides())
            delivered = {m for m, row in outbox.items() if row.status == "DELIVERED"}
            assert set(receipts) == delivered, self.steps
            self.holds()
        finally:
            self._close()
            self.loop.close()
            shutil.rmtree(self.dir, ignore_errors=True)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


@pytest.fixture
def machine_templates(sqlite_template: Path, gateway_sqlite_template: Path) -> None:
    SignedSync.node_template = sqlite_template
    SignedSync.gateway_template = gateway_sqlite_template


@pytest.mark.usefixtures("machine_templates")
def test_signed_sync_state_machine() -> None:
    run_state_machine_as_test(SignedSync, settings=settings(
        max_examples=20, stateful_step_count=20, derandomize=True, deadline=None,
        suppress_health_check=[HealthCheck.too_slow], print_blob=True))


@pytest.mark.usefixtures("machine_templates")
@pytest.mark.parametrize("reason", [RevocationReason.KEY_COMPROMISE,
                                    RevocationReason.SUPERSEDED])
def test_a_stored_message_resent_after_its_key_was_revoked_is_acknowledged(
        reason: RevocationReason) -> None:
    """Found by the machine: the gateway stored a message, its acknowledgement was lost, the
    key was revoked, the node resent. The resend no longer verifies, but it is what was
    stored: the gateway acknowledges it (REPLAYED) instead of refusing it, so the node does
    not mark refused what the gateway holds (and a re-approval does not conflict)."""
    machine = SignedSync()
    machine.approve(2, DESAS[0])
    machine.deliver("lose_ack")
    machine.revoke(reason)
    machine.deliver(None)
    machine.holds()

    async def receipt() -> dict[str, Any]:
        async with machine.node.reader() as session:
            row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert row.status == "DELIVERED" and row.receipt is not None
        return row.receipt

    assert machine.run(receipt())["code"] == "REPLAYED"
    machine.teardown()
