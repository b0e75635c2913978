"""The gateway's own CPU per request on benchmark (3)'s two queries (issue 13), and where it
goes: a small, repeatable harness for working on the gateway's per-request cost.

    /work/venv/bin/python -m bench.gateway_cpu                       # 3 nodes, 3,000 households
    /work/venv/bin/python -m bench.gateway_cpu --profile DIR         # and a pyinstrument profile

The same cluster as ``bench/federation.py`` (``--cache``: node hosts and the gateway in their
own processes, over mTLS), at small scale. One client sends ``--requests`` pages of 50
households (benchmark (3a)'s query) and as many NIK lookups ((3b)) through the gateway, one at
a time, in ``--rounds`` alternating rounds, and prints per query the gateway process's CPU
time per request (user + system from ``/proc``, all its threads: the read audit's worker
included), the median over the rounds. CPU time, not wall time: the machine it was written on
is shared, and CPU time moves much less with the others' load than a duration does. Each
run starts from the gateway database of its first run on the cache (see
:func:`restore_gateway_db`); build a cache of its own for it (``--cache``).

With ``--profile DIR`` the gateway runs under cProfile timed by its event loop thread's CPU
clock (``time.thread_time``: other processes' load does not show in it) and writes
``DIR/gateway-cpu-PID.prof`` when it stops (``python -m pstats FILE``): the whole process,
startup included (small with 3 nodes); the read audit's worker thread is not in it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from bench.federation import (
    PERSON,
    REGION_PAGE,
    GatewayClient,
    add_data_options,
    pick_samples,
    prepare_and_run,
)
from bench.federation_cluster import Cluster, GatewaySettings
from bench.federation_data import CachePaths, Prepared

PROFILE_ENV = "SIKS_BENCH_CPU_PROFILE_GATEWAY"


TICKS = os.sysconf("SC_CLK_TCK")
Cpu = tuple[float, float, float]  # seconds: user, system, of which the main thread's (both)


def cpu_now(pid: int) -> Cpu:
    """CPU seconds a process has used so far: user and system over all its threads (those
    of threads that have ended included), and the main thread's (the event loop's)."""
    def times(stat: Path) -> tuple[float, float]:
        fields = stat.read_text().rpartition(")")[2].split()
        return int(fields[11]) / TICKS, int(fields[12]) / TICKS

    user, system = times(Path(f"/proc/{pid}/stat"))
    return user, system, sum(times(Path(f"/proc/{pid}/task/{pid}/stat")))


async def cpu_per_request(pid: int, call: Callable[[int], Awaitable[object]],
                          requests: int) -> Cpu:
    """The gateway's CPU per ``call`` (as :func:`cpu_now`), over ``requests`` calls one at a
    time."""
    before = cpu_now(pid)
    for i in range(requests):
        await call(i)
    after = cpu_now(pid)
    return (after[0] - before[0]) / requests, (after[1] - before[1]) / requests, (
        after[2] - before[2]) / requests


def restore_gateway_db(paths: CachePaths) -> None:
    """Start from the gateway database as it was at this harness's first run on the cache.
    Every audited read adds rows to it, and the queries here read the same few pages again
    and again, so each record's entries in the ``record_id`` index grow and the audit's
    inserts touch ever more pages: runs on an unrestored database get slower one after the
    other, whatever the code."""
    first = paths.root / "gateway.first-run.sqlite"
    if not first.exists():
        shutil.copy(paths.gateway_db, first)
    for suffix in ("-wal", "-shm"):
        Path(f"{paths.gateway_db}{suffix}").unlink(missing_ok=True)
    shutil.copy(first, paths.gateway_db)


async def run(prepared: Prepared, args: argparse.Namespace) -> int:
    restore_gateway_db(prepared.paths)
    cluster = Cluster(prepared.paths)
    samples = pick_samples(prepared.paths, prepared.scale.regions, args.samples)
    per_query: dict[str, list[Cpu]] = {"(3a) page of 50": [], "(3b) NIK lookup": []}
    try:
        await cluster.start_nodes(prepared.scale.regions, args.node_processes)
        await cluster.start_gateway(GatewaySettings())
        assert cluster.gateway is not None
        pid = cluster.gateway.pid
        async with aiohttp.ClientSession() as session:
            gateway = GatewayClient(session, cluster.gateway_url)

            async def page(i: int) -> object:
                return await gateway.query(REGION_PAGE,
                                           region=samples.regions[i % len(samples.regions)])

            async def lookup(i: int) -> object:
                return await gateway.query(PERSON, nik=samples.niks[i % len(samples.niks)][1])

            calls = dict(zip(per_query, (page, lookup), strict=True))
            for call in calls.values():  # connections, caches, plans
                await cpu_per_request(pid, call, args.warmup)
            for _ in range(args.rounds):
                for name, call in calls.items():
                    per_query[name].append(await cpu_per_request(pid, call, args.requests))
    finally:
        await cluster.stop()
    print(f"\ngateway CPU per request (user + system, {args.requests} requests a round, "
          f"{args.rounds} rounds alternating; load average "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} at the end)\n")
    print("| query | CPU per request, median ms | user / system | event loop thread / "
          "other threads | rounds |")
    print("|---|---:|---:|---:|---|")
    for name, values in per_query.items():
        totals = [user + system for user, system, _ in values]
        print(f"| {name} | {_ms(statistics.median(totals))} | "
              f"{_ms(statistics.median(v[0] for v in values))} / "
              f"{_ms(statistics.median(v[1] for v in values))} | "
              f"{_ms(statistics.median(v[2] for v in values))} / "
              f"{_ms(statistics.median(t - v[2] for t, v in zip(totals, values, strict=True)))}"
              f" | {', '.join(_ms(v) for v in totals)} |")
    return 0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add_data_options(parser, repeat=1)
    parser.set_defaults(households=3000, regions=3, node_processes=1)
    parser.add_argument("--requests", type=int, default=200, help="requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--samples", type=int, default=3,
                        help="regions (and NIKs) the queries rotate over")
    parser.add_argument("--profile", metavar="DIR",
                        help="profile the gateway (CPU time), the file into DIR")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)
        os.environ[PROFILE_ENV] = str(args.profile)  # the gateway child inherits it
    started = time.perf_counter()
    try:
        code = prepare_and_run(args, run)
    finally:
        if args.profile:
            del os.environ[PROFILE_ENV]
    print(f"\n({time.perf_counter() - started:.0f} s)")
    return code


if __name__ == "__main__":
    sys.exit(main())
