"""Decisions back down (determined by decree, or returned with a reason), applied exactly
once at the node; audit checkpoints that prove a node's chain only grew (SQLite and
PostgreSQL on both sides)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from gateway.adapters.orm import DecisionOutbox, NodeCheckpoint
from gateway.inbox.audit import verify_gateway_chain
from gateway.inbox.decisions import DecisionDesk
from gateway.inbox.http import GatewaySigner
from regional_node.adapters.orm import (
    AuditEntry,
    AuditHead,
    DecisionReceipt,
    Notification,
    Proposal,
    ProposalEvent,
    utcnow,
)
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.outbox import (
    PkiSigner,
    forget_signer,
    queue_approved,
    use_signer,
)
from regional_node.service_layer.unit_of_work import UnitOfWork
from schema.audit_chain import AuditFields, entry_hash
from schema.roles import Principal, Role
from schema.sync_messages import Decision, DecisionKind, Decree
from tests.sync.world import DINSOS, GatewayServer, node_link, relay

APPROVER = Principal("dinsos-bandung", Role.DINSOS, region="32.73")
DECREE = Decree("146/HUK/2026", dt.date(2026, 11, 20), "2026-S2")


@pytest.fixture(autouse=True)
def node_signs_with_the_live_pki(database, live_pki: Path):  # type: ignore[no-untyped-def]
    use_signer(database, PkiSigner(live_pki, "32.73"))
    yield
    forget_signer(database)


async def approved_proposals(database, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Proposals as an approval leaves them: APPROVED_KABKOTA, their record queued."""
    ids = [str(uuid.uuid4()) for _ in range(count)]
    async with UnitOfWork(database, DINSOS) as uow:
        rows = [Proposal(id=pid, kind="GRADUATION", state="APPROVED_KABKOTA",
                         desa_code="32.73.01.1001", household_id=None,
                         details={"household_id": 1, "reason": "mampu"},
                         details_digest="0" * 64, created_by="op", created_role="OPERATOR_DESA",
                         version=5, created_at=utcnow(), updated_at=utcnow()) for pid in ids]
        uow.session.add_all(rows)
        await uow.session.flush()
        await queue_approved(uow, rows, APPROVER)
        await uow.commit()
    return ids


async def states(database, ids: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    async with database.reader() as session:
        found = dict((await session.execute(select(Proposal.id, Proposal.state)
                                            .where(Proposal.id.in_(ids)))).all())
    return [found[i] for i in ids]


async def notices(database) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """The proposers told of a return: (proposal, recipient, topic)."""
    async with database.reader() as session:
        rows = (await session.execute(select(Notification).where(
            Notification.topic == "PROPOSAL_RETURNED"))).scalars().all()
    assert all("foto rumah tidak jelas" in row.message for row in rows)
    return [(str(row.proposal_id), row.recipient, row.topic) for row in rows]


async def test_decisions_travel_down_and_apply_exactly_once(database, gateway_db,
                                                            live_pki: Path):
    ids = await approved_proposals(database, 3)
    server = GatewayServer(gateway_db, live_pki)
    url = await server.start()
    desk = DecisionDesk(gateway_db, GatewaySigner(live_pki))
    try:
        async with node_link(live_pki, url) as link:
            node_relay = relay(database, link, live_pki)
            assert (await node_relay.run_once(checkpoint=False)).delivered == 1
            assert await states(database, ids) == ["RECEIVED_NATIONAL"] * 3
            await desk.issue("32.73", Decision(DecisionKind.DETERMINED, tuple(ids[:2]), DECREE),
                             "kemensos:menteri")
            await desk.issue("32.73", Decision(DecisionKind.RETURNED, (ids[2],),
                                               reason="foto rumah tidak jelas"),
                             "kemensos:menteri")
            report = await node_relay.run_once(checkpoint=False)
            assert report.decisions == 2
            assert await states(database, ids) == ["DETERMINED", "DETERMINED", "RETURNED"]
            assert await notices(database) == [(ids[2], "op", "PROPOSAL_RETURNED")]
            # the acknowledgement was lost: the gateway serves both again
            async with gateway_db.writer() as session, session.begin():
                await session.execute(update(DecisionOutbox).values(status="PENDING"))
            report = await node_relay.run_once(checkpoint=False)
            assert report.decisions == 2
            assert len(await notices(database)) == 1  # applied once: one notice
    finally:
        await server.stop()
    async with gateway_db.reader() as session:
        results = [r.node_result["status"] for r in (await session.execute(
            select(DecisionOutbox).order_by(DecisionOutbox.id))).scalars()]
    assert results == ["DUPLICATE", "DUPLICATE"]
    async with database.reader() as session:
        receipts = (await session.execute(select(DecisionReceipt))).scalars().all()
        events = (await session.execute(select(ProposalEvent).where(
            ProposalEvent.proposal_id == ids[0]).order_by(ProposalEvent.id))).scalars().all()
        returned = await session.get(Proposal, ids[2])
    assert len(receipts) == 2
    assert [e.action for e in events] == ["SEND", "RECEIVE_NATIONAL", "DETERMINE"]
    assert events[-1].detail["decree"]["number"] == "146/HUK/2026"
    assert returned is not None and returned.reason == "foto rumah tidak jelas"
    assert (await verify_audit_chain(database)).ok
    assert (await verify_gateway_chain(gateway_db)).ok


async def test_a_decision_not_signed_by_the_gateway_is_refused(database, gateway_db,
                                                               live_pki: Path):
    ids = await approved_proposals(database, 1)
    server = GatewayServer(gateway_db, live_pki)
    url = await server.start()
    forged = DecisionDesk(gateway_db, PkiSigner(live_pki, "32.04"))  # a region's key
    try:
        async with node_link(live_pki, url) as link:
            node_relay = relay(database, link, live_pki)
            await node_relay.run_once(checkpoint=False)
            await forged.issue("32.73", Decision(DecisionKind.DETERMINED, tuple(ids), DECREE),
                               "attacker")
            assert (await node_relay.run_once(checkpoint=False)).decisions == 1
    finally:
        await server.stop()
    assert await states(database, ids) == ["RECEIVED_NATIONAL"]
    async with gateway_db.reader() as session:
        row = (await session.execute(select(DecisionOutbox))).scalar_one()
    assert row.status == "REFUSED" and row.node_result["code"] == "SIGNER_NOT_ALLOWED"


async def rewrite_whole_chain(database) -> None:  # type: ignore[no-untyped-def]
    """What someone with database access would do to hide an edit: change entry 1, then
    recompute every hash after it and the head, so the chain verifies locally again."""
    async with database.writer() as session, session.begin():
        if database.dialect == "sqlite":
            await session.execute(text("DROP TRIGGER audit_entry_no_update"))
        else:
            await session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER "
                                       "audit_entry_append_only"))
        rows = (await session.execute(select(AuditEntry).order_by(AuditEntry.seq))
                ).scalars().all()
        prev = "0" * 64
        for row in rows:
            if row.seq == 1:
                row.actor = "someone-else"
            fields = AuditFields(row.seq, row.ts, row.actor, row.role, row.action,
                                 row.entity_type, row.entity_id, row.before_digest,
                                 row.after_digest, tuple(row.attachments or ()))
            row.prev_hash, row.entry_hash = prev, entry_hash(prev, fields)
            prev = row.entry_hash
        await session.execute(update(AuditHead).values(entry_hash=prev))


async def test_checkpoints_prove_the_chain_only_grew(database, gateway_db, live_pki: Path):
    await approved_proposals(database, 2)
    server = GatewayServer(gateway_db, live_pki)
    url = await server.start()
    try:
        async with node_link(live_pki, url) as link:
            node_relay = relay(database, link, live_pki)
            first = (await node_relay.run_once(checkpoint=True)).checkpoint
            await approved_proposals(database, 1)
            second = await node_relay.run_once(checkpoint=True)
            assert first is not None and second.checkpoint is not None
            assert second.checkpoint.size > first.size
            await approved_proposals(database, 1)
            await rewrite_whole_chain(database)
            assert (await verify_audit_chain(database)).ok  # invisible locally...
            third = await node_relay.run_once(checkpoint=True)
    finally:
        await server.stop()
    assert third.checkpoint is None  # ...but not to the gateway
    assert third.checkpoint_error and third.checkpoint_error.startswith("CHECKPOINT_REWRITE")
    async with gateway_db.reader() as session:
        sizes = list((await session.execute(select(NodeCheckpoint.size).order_by(
            NodeCheckpoint.size))).scalars())
    assert sizes == [first.size, second.checkpoint.size]
    from tests.sync.helpers import gateway_audit

    assert (await gateway_audit(gateway_db))[-1].action == "checkpoint.refuse"
