"""Probing a node: is it there, is it who it claims, does it speak our schema version?

A probe asks ``{ node { region schemaVersion } }`` and ``/readyz`` (readiness, and the
outbox backlog once nodes report it). A node that reports another region, or a schema
version of another major, is REFUSED: listed with the reason in ``nodes`` and never called.
A node that does not answer keeps its status, with the error noted.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import time
import uuid

from gateway.adapters.node_store import NodeStore
from gateway.errors import NodeCallError, NodeIncompatible
from gateway.federation.deadline import Deadline
from gateway.federation.fanout import Federation
from gateway.federation.model import NodeStatus, RegisteredNode, schema_incompatibility
from gateway.federation.node_client import CallMeta
from schema.roles import Principal, Role

PROBE_QUERY = "query GatewayProbe { node { region schemaVersion } }"
PROBE_TIMEOUT_MS = 3000
#: the gateway's own jobs (probes, rollups, NIK directory) read national data as Kemensos
GATEWAY_PRINCIPAL = Principal(user_id="system:gateway", role=Role.KEMENSOS)

log = logging.getLogger("siks.gateway.health")


def system_meta(job: str) -> CallMeta:
    return CallMeta(request_id=f"{job}-{uuid.uuid4().hex[:8]}", principal=GATEWAY_PRINCIPAL)


async def probe(federation: Federation, node: RegisteredNode,
                timeout_ms: int = PROBE_TIMEOUT_MS) -> RegisteredNode:
    deadline, meta = Deadline.after_ms(timeout_ms), system_meta("probe")
    started = time.perf_counter()
    readiness = asyncio.ensure_future(_readiness(federation, node, deadline, meta))
    try:
        answer = await federation.client.graphql(node.region, node.url, PROBE_QUERY, None,
                                                 deadline=deadline, meta=meta)
    except NodeIncompatible as exc:  # e.g. its certificate names another region
        readiness.cancel()
        return dataclasses.replace(node, status=NodeStatus.REFUSED, refused_reason=exc.message,
                                   last_error=None, ready=None)
    except NodeCallError as exc:
        readiness.cancel()
        return dataclasses.replace(node, last_error=exc.message, ready=False)
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    ready, backlog = await readiness
    info = answer.data.get("node") or {}
    version = str(info.get("schemaVersion", ""))
    reason = schema_incompatibility(version)
    if info.get("region") != node.region:
        reason = f"the node reports region {info.get('region')}, registered as {node.region}"
    return dataclasses.replace(
        node, status=NodeStatus.REFUSED if reason else NodeStatus.ACTIVE, refused_reason=reason,
        schema_version=version or None, last_seen=dt.datetime.now(dt.UTC),
        latency_ms=latency_ms, outbox_backlog=backlog, last_error=None, ready=ready,
        certificate_fingerprint=answer.peer.fingerprint if answer.peer else None)


async def _readiness(federation: Federation, node: RegisteredNode, deadline: Deadline,
                     meta: CallMeta) -> tuple[bool | None, int | None]:
    try:
        status, body = await federation.client.get_json(
            node.region, node.url.rstrip("/") + "/readyz", deadline=deadline, meta=meta)
    except NodeCallError:
        return None, None
    backlog = body.get("outboxBacklog")
    return status == 200, backlog if isinstance(backlog, int) else None


async def probe_all(federation: Federation, store: NodeStore,
                    timeout_ms: int = PROBE_TIMEOUT_MS) -> list[RegisteredNode]:
    """Probe every registered node at once, store and publish what was found."""
    nodes = await store.all()
    probed = await asyncio.gather(*(probe(federation, n, timeout_ms) for n in nodes))
    federation.registry.replace(probed)
    for before, after in zip(nodes, probed, strict=True):
        await store.save_health(after)
        if after.status is NodeStatus.REFUSED and before.status is not NodeStatus.REFUSED:
            log.warning("node %s refused: %s", after.region, after.refused_reason)
    return probed
