"""NIK matching benchmark: a 10,000-person import checked against the sandbox registry.

    /work/venv/bin/python bench/nik_matching.py                     # 10,000 people of 32.73
    /work/venv/bin/python bench/nik_matching.py --persons 2000 --batch-size 100

1. Synthetic households of a kab/kota are stored in a fresh node database (SQLite) until it
   holds at least ``--persons`` people; the sandbox registry is seeded from it with 10 %
   deliberate discrepancies and started as its own process (``siks sandbox-registry serve``)
   on loopback: every lookup is real HTTP.
2. Measured, in this order, on the first ``--persons`` people:
   * batched: the DCI client, ``--batch-size`` NIKs per request, ``--concurrency`` requests
     in flight (the defaults the node uses);
   * baseline: the same lookups, one request per NIK, with the same concurrency;
   * end to end: ``match_members`` on the node database (read members, decide duplicates,
     batched lookups, store statuses with one audit entry per member).
3. Prints NIK/s for each and the batched / baseline ratio. Target: ≥ 2,000 NIK/s batched.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from sqlalchemy import select

from regional_node.adapters.database import Database, open_database
from regional_node.adapters.dukcapil_dci import DciDukcapilClient, DukcapilConfig
from regional_node.adapters.orm import Member
from regional_node.config import NodeConfig
from regional_node.domain.audit import Actor
from regional_node.domain.population_registry import IdentityQuery
from regional_node.service_layer.lifecycle import prepare_database
from regional_node.service_layer.nik_matching import match_members
from regional_node.service_layer.registry import store_households
from regional_node.service_layer.synthetic import generate_households
from regional_node.service_layer.unit_of_work import UnitOfWork
from sandbox_registry.seeding import seed_from_node
from sandbox_registry.store import open_store

TARGET = 2_000  # NIK/s with batching
ACTOR = Actor("bench:nik-matching", "SYSTEM")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=10_000)
    parser.add_argument("--region", default="32.73")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--discrepancy-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


async def build_node(url: str, region: str, persons: int, seed: int) -> int:
    await prepare_database(NodeConfig(region=region, db_url=url))
    records, people = [], 0
    for record in generate_households(region, persons, seed):  # more than enough households
        records.append(record)
        people += len(record.members)
        if people >= persons:
            break
    database = open_database(url)
    try:
        async with UnitOfWork(database, ACTOR) as uow:
            await store_households(uow, records)
            await uow.commit()
    finally:
        await database.dispose()
    return people


async def first_people(database: Database, persons: int) -> list[IdentityQuery]:
    async with database.reader() as session:
        rows = await session.execute(select(Member.nik, Member.name, Member.birth_date)
                                     .order_by(Member.id).limit(persons))
        return [IdentityQuery(nik, name, born) for nik, name, born in rows]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_sandbox(db_url: str, port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "siks", "sandbox-registry", "serve", "--db", db_url,
        "--port", str(port), stdout=asyncio.subprocess.DEVNULL, env=dict(os.environ))
    async with aiohttp.ClientSession() as http:
        for _ in range(200):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return process
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.05)
    process.kill()
    raise SystemExit("the sandbox registry did not start")


async def timed(label: str, count: int, work: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await work()
    seconds = time.perf_counter() - started
    rate = count / seconds
    print(f"  {label:<48} {count:>7,} NIK in {seconds:7.2f} s = {rate:>9,.0f} NIK/s",
          flush=True)
    return rate


async def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="siks-bench-nik-") as tmp:
        node_url = f"sqlite:///{Path(tmp) / 'node.sqlite'}"
        registry_url = f"sqlite:///{Path(tmp) / 'registry.sqlite'}"
        people = await build_node(node_url, args.region, args.persons, args.seed)
        registry_db = await open_store(registry_url)
        seeded = await seed_from_node(registry_db, node_url,
                                      discrepancy_rate=args.discrepancy_rate, seed=args.seed)
        await registry_db.dispose()
        port = free_port()
        sandbox = await start_sandbox(registry_url, port)
        node = open_database(node_url)
        try:
            queries = await first_people(node, args.persons)
            print(f"NIK matching, {len(queries):,} people of {args.region} ({people:,} stored); "
                  f"sandbox registry: {seeded.summary()}; Python {platform.python_version()}, "
                  f"{os.cpu_count()} CPUs")
            config = DukcapilConfig(url=f"http://127.0.0.1:{port}", batch_size=args.batch_size,
                                    concurrency=args.concurrency)
            outcomes: Counter[str] = Counter()

            async def batched() -> None:
                async with DciDukcapilClient(config) as client:
                    results = await client.check(queries)
                outcomes.update(r.outcome.value for r in results)

            async def one_per_request() -> None:
                single = DukcapilConfig(url=config.url, batch_size=1,
                                        concurrency=args.concurrency)
                async with DciDukcapilClient(single) as client:
                    await client.check(queries)

            async def end_to_end() -> None:
                async with DciDukcapilClient(config) as client:
                    run = await match_members(node, client, actor=ACTOR,
                                              member_ids=await member_ids(node, len(queries)))
                assert run.complete and run.checked == len(queries), run

            fast = await timed(f"batched ({args.batch_size}/request, {args.concurrency} in "
                               "flight)", len(queries), batched)
            slow = await timed(f"baseline (1/request, {args.concurrency} in flight)",
                               len(queries), one_per_request)
            e2e = await timed("end to end (match_members: read, check, audit)", len(queries),
                              end_to_end)
            print(f"  outcomes: {dict(sorted(outcomes.items()))}")
            print(f"  batched / baseline = {fast / slow:.1f}x; target ≥ {TARGET:,} NIK/s "
                  f"batched: {'met' if fast >= TARGET else 'NOT met'} "
                  f"(end to end {e2e:,.0f} NIK/s)")
            return 0 if fast >= TARGET else 1
        finally:
            await node.dispose()
            sandbox.terminate()
            await sandbox.wait()


async def member_ids(database: Database, count: int) -> list[int]:
    async with database.reader() as session:
        rows = await session.execute(select(Member.id).order_by(Member.id).limit(count))
        return list(rows.scalars())


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
