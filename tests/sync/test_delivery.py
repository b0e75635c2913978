"""Delivery from the node outbox to the gateway inbox over mutual TLS, with no loss and no
duplicates through every fault: gateway down, killed before or after it commits (the
acknowledgement lost), the node killed after its commit, a flapping link."""

from __future__ import annotations

import random
from pathlib import Path

from sqlalchemy import select

from regional_node.adapters.database import open_database
from regional_node.adapters.orm import OutboxMessage
from regional_node.service_layer.audit import verify_audit_chain
from regional_node.service_layer.outbox import backlog
from tests.sync.helpers import make_records, settled_counts, stored_counts
from tests.sync.proxy import Faults, FlakyProxy
from tests.sync.world import (
    GatewayFaults,
    GatewayServer,
    gateway_side,
    node_link,
    node_side,
    queue,
    relay,
    signer_of,
)


async def drain(relay_, rounds: int = 400) -> int:  # type: ignore[no-untyped-def]
    """Run rounds (ignoring backoff: the test's clock) until the outbox is empty."""
    for attempt in range(rounds):
        await relay_.run_once(ignore_backoff=True, checkpoint=False)
        if (await backlog(relay_.database)).pending == 0:
            return attempt + 1
    raise AssertionError(f"outbox not drained after {rounds} rounds")


async def statuses(database) -> list[str]:  # type: ignore[no-untyped-def]
    async with database.reader() as session:
        return list((await session.execute(select(OutboxMessage.status).order_by(
            OutboxMessage.id))).scalars())


async def test_outbox_reaches_the_gateway_once_oldest_first(database, gateway_db,
                                                            live_pki: Path):
    signer = signer_of(live_pki)
    ids = [await queue(database, make_records("32.73", 3, prefix=f"m{i}"), signer)
           for i in range(4)]
    server = GatewayServer(gateway_db, live_pki)
    url = await server.start()
    try:
        async with node_link(live_pki, url) as link:
            report = await relay(database, link, live_pki).run_once(checkpoint=False)
    finally:
        await server.stop()
    assert (report.delivered, report.link_error) == (4, None)
    assert await statuses(database) == ["DELIVERED"] * 4
    assert await stored_counts(gateway_db) == (4, 12)
    assert await node_side(database) == await gateway_side(gateway_db)
    async with gateway_db.reader() as session:
        from gateway.adapters.orm import InboxReceipt
        received = list((await session.execute(select(InboxReceipt.message_id).order_by(
            InboxReceipt.received_at, InboxReceipt.message_id))).scalars())
    assert set(received) == set(ids)
    assert (await verify_audit_chain(database)).ok


async def test_node_keeps_working_while_the_gateway_is_unreachable(database, gateway_db,
                                                                   live_pki: Path):
    signer = signer_of(live_pki)
    server = GatewayServer(gateway_db, live_pki)
    url = await server.start()
    await server.stop()  # the port is known, nothing listens on it
    await queue(database, make_records("32.73", 2, prefix="a"), signer)
    async with node_link(live_pki, url, timeout_s=2) as link:
        node_relay = relay(database, link, live_pki)
        report = await node_relay.run_once(checkpoint=False)
        assert report.link_error and report.delivered == 0
        await queue(database, make_records("32.73", 2, prefix="b"), signer)  # still approving
        state = await backlog(database)
        assert (state.pending, state.pending_records) == (2, 4)
        assert state.last_error and state.oldest_at is not None
        assert state.next_attempt_at is not None
        await server.start()  # the link returns
        try:
            report = await node_relay.run_once(ignore_backoff=True, checkpoint=False)
        finally:
            await server.stop()
    assert report.delivered == 2 and (await backlog(database)).pending == 0
    assert await node_side(database) == await gateway_side(gateway_db)


async def test_gateway_killed_mid_delivery_and_the_lost_ack(database, gateway_db,
                                                            live_pki: Path):
    """Every request dies once before the commit, then once after it (the gateway stored
    the message but its answer never came): the node resends, the gateway acknowledges the
    resend without storing it again."""
    signer = signer_of(live_pki)
    for i in range(3):
        await queue(database, make_records("32.73", 5, prefix=f"k{i}"), signer)
    faults = GatewayFaults(before_commit=1.0)
    server = GatewayServer(gateway_db, live_pki, faults)
    url = await server.start()
    try:
        async with node_link(live_pki, url) as link:
            node_relay = relay(database, link, live_pki)
            report = await node_relay.run_once(ignore_backoff=True, checkpoint=False)
            assert report.link_error and await stored_counts(gateway_db) == (0, 0)
            faults.before_commit, faults.after_commit = 0.0, 1.0
            report = await node_relay.run_once(ignore_backoff=True, checkpoint=False)
            # the answer is lost (or, on a loaded machine, times out before the commit)
            assert report.link_error and await settled_counts(gateway_db, (1, 5)) == (1, 5)
            faults.after_commit = 0.0
            rounds = await drain(node_relay)
    finally:
        await server.stop()
    assert rounds == 1 and faults.killed == 2
    assert await stored_counts(gateway_db) == (3, 15)
    assert await node_side(database) == await gateway_side(gateway_db)
    async with database.reader() as session:
        first = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id)
                                       .limit(1))).scalar_one()
    assert first.receipt is not None and first.receipt["code"] == "REPLAYED"
    assert first.attempts == 3


async def test_node_killed_after_commit_before_send(database_url, gateway_db, live_pki: Path):
    database = open_database(database_url)
    await queue(database, make_records("32.73", 4, prefix="c"), signer_of(live_pki))
    await database.dispose()  # the process dies: nothing was sent
    restarted = open_database(database_url)
    server = GatewayServer(gateway_db, live_pki)
    url = await server.start()
    try:
        async with node_link(live_pki, url) as link:
            assert await drain(relay(restarted, link, live_pki)) == 1
    finally:
        await server.stop()
        await restarted.dispose()
    assert await stored_counts(gateway_db) == (1, 4)


async def test_link_flapping_through_a_proxy(database, gateway_db, live_pki: Path):
    signer = signer_of(live_pki)
    for i in range(12):
        await queue(database, make_records("32.73", 4, prefix=f"f{i}"), signer)
    server = GatewayServer(gateway_db, live_pki)
    await server.start()
    proxy = FlakyProxy(server.port, Faults(drop=0.3, reset=0.3, delay_s=0.01),
                       rng=random.Random(5))
    await proxy.start()
    try:
        async with node_link(live_pki, proxy.url, timeout_s=2) as link:
            await drain(relay(database, link, live_pki))
    finally:
        await proxy.stop()
        await server.stop()
    assert proxy.drops + proxy.resets > 0
    assert await stored_counts(gateway_db) == (12, 48)
    assert await node_side(database) == await gateway_side(gateway_db)
