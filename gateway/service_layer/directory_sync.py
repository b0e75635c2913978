"""Feeding the NIK directory from node snapshots: page through a node's households, hash
every member's NIK with the directory key, replace that region's entries.

(Signed submissions from the nodes' outboxes will feed it too, issue 4.)
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gateway.adapters.directory_store import DirectoryStore
from gateway.errors import NodeCallError
from gateway.federation.deadline import Deadline
from gateway.federation.directory import NikDirectoryKey
from gateway.federation.fanout import Federation, RequestScope
from gateway.service_layer.node_health import system_meta

SNAPSHOT_QUERY = """query GatewayNikSnapshot($after: String) {
  households(first: 500, after: $after) {
    edges { node { members { nik } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
REGION_BUDGET_MS = 120_000


@dataclass(frozen=True, slots=True)
class SyncOutcome:
    region: str
    entries: int | None  # None: the node did not answer; its old entries stay
    error: str | None = None


async def sync_region(federation: Federation, store: DirectoryStore, key: NikDirectoryKey,
                      region: str) -> SyncOutcome:
    scope = RequestScope(Deadline.after_ms(REGION_BUDGET_MS), system_meta("nik-sync"))
    keys: list[str] = []
    after: str | None = None
    while True:
        data = await federation.route(region, SNAPSHOT_QUERY, {"after": after}, scope)
        if data is None:
            failure = scope.report.failures[-1].error if scope.report.failures else None
            return SyncOutcome(region, None, failure.message if failure else "no answer")
        page = data["households"]
        keys += [key.key_of(member["nik"]) for edge in page["edges"]
                 for member in edge["node"]["members"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    return SyncOutcome(region, await store.replace_region(region, keys))


async def sync_all(federation: Federation, store: DirectoryStore, key: NikDirectoryKey,
                   regions: list[str] | None = None, concurrency: int = 8) -> list[SyncOutcome]:
    limit = asyncio.Semaphore(concurrency)

    async def one(region: str) -> SyncOutcome:
        async with limit:
            try:
                return await sync_region(federation, store, key, region)
            except NodeCallError as exc:
                return SyncOutcome(region, None, exc.message)

    targets = regions if regions is not None else federation.registry.callable_regions()
    return list(await asyncio.gather(*(one(r) for r in targets)))
