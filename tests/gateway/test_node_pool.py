"""Node connections are pooled and kept alive: repeated fan-outs reuse their TLS connections to
each node instead of handshaking again."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from gateway.federation.node_client import KEEPALIVE_S
from tests.gateway.cluster import NodeCluster
from tests.gateway.helpers import gql


def _connections(cluster: NodeCluster) -> dict[str, int]:
    return {region: len(node.runner.server.connections)  # type: ignore[union-attr]
            for region, node in cluster.nodes.items()}


async def test_fan_outs_reuse_one_connection_per_node(gateway: TestClient,
                                                      cluster: NodeCluster) -> None:
    query = "{ households(first: 5) { edges { node { id } } } }"
    await gql(gateway, query)
    opened = _connections(cluster)  # (the start-up probe opened some too)
    for _ in range(3):
        body = await gql(gateway, query)
        assert body["extensions"]["federation"]["ok"] == 3
    assert _connections(cluster) == opened


def test_idle_connections_outlive_the_probe_period() -> None:
    assert KEEPALIVE_S > 2 * 30  # SIKS_GATEWAY_PROBE_INTERVAL_S default: probes keep them warm
