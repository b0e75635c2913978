"""The gateway's background jobs: rollups every ROLLUP_REFRESH_S, the NIK directory on its own,
much longer period (paging every node's members makes each node audit every row it hands
over), first filled soon after start when it is empty."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from certs.dev import DevPki
from gateway.entrypoints.app import SERVICES, create_app
from regional_node.adapters.orm import Member
from tests.gateway.cluster import NodeCluster
from tests.gateway.conftest import as_kemensos, gateway_config

SEED = {"32.73": [3, 2], "32.04": [2], "35.78": [4]}  # households per desa


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "the background job never ran"
        await asyncio.sleep(0.1)


async def start(aiohttp_client, cluster: NodeCluster, pki: DevPki, tmp_path: Path,  # type: ignore[no-untyped-def]
                **overrides: float) -> TestClient:
    for region, sizes in SEED.items():
        await cluster.seed(region, sizes)
    config = gateway_config(tmp_path, pki, cluster, **overrides)
    return await aiohttp_client(create_app(config, principal_of=as_kemensos))


async def test_rollups_refresh_on_their_period_without_paging_the_nodes_for_niks(
        aiohttp_client, cluster, dev_pki, tmp_path):  # type: ignore[no-untyped-def]
    client = await start(aiohttp_client, cluster, dev_pki, tmp_path,
                         rollup_refresh_s=0.2, directory_refresh_s=0)
    services = client.app[SERVICES]
    rounds: list[dict[str, object]] = []

    async def refreshed_twice() -> bool:
        snapshots = await services.rollups.snapshots()
        if len(snapshots) == len(SEED) and snapshots not in rounds:
            rounds.append(snapshots)
        return len(rounds) >= 2

    await eventually(refreshed_twice)
    assert await services.directory.count() == 0  # no NIK snapshot was taken


async def test_an_empty_directory_is_filled_soon_after_start_then_on_its_own_period(
        aiohttp_client, cluster, dev_pki, tmp_path):  # type: ignore[no-untyped-def]
    client = await start(aiohttp_client, cluster, dev_pki, tmp_path,
                         rollup_refresh_s=0, directory_refresh_s=0.3)
    services = client.app[SERVICES]
    members = 0
    for region in SEED:
        async with cluster.nodes[region].database.reader() as session:
            members += (await session.execute(select(func.count(Member.id)))).scalar_one()
    assert members > len(SEED)

    async def filled() -> bool:
        return await services.directory.count() == members

    await eventually(filled)
    assert await services.rollups.snapshots() == {}  # rollups are off: not refreshed
