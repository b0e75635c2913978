"""5,000 records through random faults (a flapping link, the gateway dying before and after
its commits), then both sides compared record by record: nothing lost, nothing twice."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from gateway.inbox.audit import verify_gateway_chain
from regional_node.service_layer.audit import verify_audit_chain
from tests.sync.helpers import make_records, stored_counts
from tests.sync.proxy import Faults, FlakyProxy
from tests.sync.test_delivery import drain
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

RECORDS, PER_MESSAGE = 5_000, 50


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("gateway_url", ["sqlite"], indirect=True)
async def test_five_thousand_records_through_random_faults(database, gateway_db,
                                                           live_pki: Path):
    signer = signer_of(live_pki)
    records = make_records("32.73", RECORDS, prefix="soak")
    for start in range(0, RECORDS, PER_MESSAGE):
        await queue(database, records[start:start + PER_MESSAGE], signer)
    faults = GatewayFaults(before_commit=0.1, after_commit=0.1, rng=random.Random(23))
    server = GatewayServer(gateway_db, live_pki, faults)
    await server.start()
    proxy = FlakyProxy(server.port, Faults(drop=0.1, reset=0.02, delay_s=0.002),
                       rng=random.Random(29))
    await proxy.start()
    try:
        async with node_link(live_pki, proxy.url, timeout_s=3) as link:
            await drain(relay(database, link, live_pki), rounds=2_000)
    finally:
        await proxy.stop()
        await server.stop()

    assert faults.killed > 0 and proxy.drops + proxy.resets > 0
    node, national = await node_side(database), await gateway_side(gateway_db)
    assert len(node) == RECORDS
    assert node == national  # same ids, same content, record by record
    assert await stored_counts(gateway_db) == (RECORDS // PER_MESSAGE, RECORDS)
    assert (await verify_audit_chain(database)).ok
    assert (await verify_gateway_chain(gateway_db)).ok
