"""Federation benchmark: the gateway over 514 simulated nodes against one PostgreSQL.

    /work/venv/bin/python -m bench.federation                   # 1,000,000 households, 514 nodes
    /work/venv/bin/python -m bench.federation --households 3000 --regions 3 --repeat 3
    /work/venv/bin/python -m bench.federation --only 3          # only (3) (and (4)), cached data

In one run (the data is prepared once into ``--cache``, see ``bench/federation_data.py``):

1. every kab/kota of ``schema.regions`` gets a real node app on its own SQLite file, on
   loopback over mutual TLS, hosted ~257 per process in two processes;
2. the real gateway runs in its own process, registers every node from a nodes file and
   probes it, and answers as a Kemensos user (its calls carry that user in signed tokens);
3. the same rows sit in one PostgreSQL database with the node's tables and indexes;
4. after checking that the fan-out totals equal PostgreSQL's, it times (median and p95):

   (1) households by province × program, live: ``householdCounts(groupBy: [PROVINCE,
       PROGRAM], maxAgeSeconds: 0)`` (every node asked, rollups refreshed) against the same
       aggregate as one ``GROUP BY`` in PostgreSQL, target ≤ 1.5×;
   (2) the same from the gateway's rollups (no fan-out), target ≤ 0.1× PostgreSQL;
   (3) what the gateway adds to (3a) a one-region page of 50 households and (3b) a NIK
       lookup: the same query sent straight to the node (same mTLS, same signed token) and
       through the gateway, one after the other in alternating order, the difference of each
       pair, its median (and p90) over the run; with one client, target ≤ 10 ms (3a) and
       ≤ 3 ms (3b), and with ``--clients`` (32) at once, no more than twice that;
   (4) the gateway process's resident memory with every node registered, target ≤ 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

from bench.federation_cluster import Cluster, GatewaySettings, cpu_seconds, memory_kib
from bench.federation_data import CachePaths, Prepared, Scale, drop_postgres, prepare
from bench.federation_gateway import NATIONAL_STAFF
from certs.identity import Identity
from certs.layout import PkiLayout
from certs.tls import client_context
from gateway.adapters.node_tokens import SignedUserTokens
from schema.regions import RegionLevel, regions

DEFAULT_CACHE = Path(__file__).resolve().parent / ".cache" / "federation"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
MEMORY_TARGET_MB = 500  # MB = 10^6 bytes; VmHWM, the peak

LIVE_COUNTS = """{ householdCounts(groupBy: [PROVINCE, PROGRAM], maxAgeSeconds: 0) {
  provinceCode program households members } }"""
ROLLUP_COUNTS = """{ householdCounts(groupBy: [PROVINCE, PROGRAM]) {
  provinceCode program households members } }"""
POSTGRES_COUNTS = """
SELECT substr(h.desa_code, 1, 2) AS province, e.program,
       count(h.id) AS households, coalesce(sum(a.n), 0) AS members
FROM household h
LEFT JOIN (SELECT household_id, count(*) AS n FROM member WHERE alive
           GROUP BY household_id) a ON a.household_id = h.id
JOIN (SELECT DISTINCT household_id, program FROM program_membership WHERE active) e
  ON e.household_id = h.id
GROUP BY 1, 2 ORDER BY 1, 2"""
REGION_PAGE = """query($region: String!) {
  households(filter: {region: $region}, first: 50) {
    edges { node { id kkNumber desaCode address desil status
                   members { nik name relationship } } }
    pageInfo { hasNextPage endCursor } } }"""
PERSON = """query($nik: String!) {
  person(nik: $nik) { nik name relationship household { kkNumber desaCode } } }"""


ADDED_TARGET_S = {"3a": 0.010, "3b": 0.003}  # the median of gateway − node, one client
UNDER_LOAD_FACTOR = 2  # with --clients at once, the added median may be up to twice that


def percentile(samples: Sequence[float], q: int) -> float:
    """The nearest-rank ``q``-th percentile."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, -(-q * len(ordered) // 100) - 1))]


@dataclass(frozen=True, slots=True)
class Timing:
    samples: tuple[float, ...]  # seconds

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)


@dataclass(frozen=True, slots=True)
class Comparison:
    name: str
    project: Timing
    baseline: Timing
    target: float
    baseline_name: str
    cpu: dict[str, Timing] | None = None  # CPU seconds per project call, by process group

    @property
    def ratio(self) -> float:
        return self.project.median / self.baseline.median

    @property
    def met(self) -> bool:
        return self.ratio <= self.target

    @property
    def added(self) -> float:
        """The median of (project − baseline) over the alternating pairs: what the project
        adds under the same load (a ratio also moves when only the baseline gets faster)."""
        return statistics.median(p - b for p, b in zip(self.project.samples,
                                                       self.baseline.samples, strict=True))


@dataclass(frozen=True, slots=True)
class AddedTime:
    """What the gateway adds to one kind of request, from pairs: the same request sent to
    the node directly and through the gateway, one right after the other (which goes first
    alternates), by ``clients`` clients at once."""

    name: str
    clients: int
    gateway: Timing
    node: Timing  # pair i: gateway.samples[i] and node.samples[i]
    target: float  # seconds, for the median of the differences
    gateway_cpu: float  # CPU seconds of the gateway process per gateway request, mean
    audit: tuple[int, int] = (0, 0)  # read audit entries, transactions (the group commit)

    @property
    def differences(self) -> tuple[float, ...]:
        return tuple(g - n for g, n in zip(self.gateway.samples, self.node.samples,
                                           strict=True))

    @property
    def added(self) -> float:
        return statistics.median(self.differences)

    @property
    def added_p90(self) -> float:
        return percentile(self.differences, 90)

    @property
    def met(self) -> bool:
        return self.added <= self.target


Counts = dict[tuple[str, str], tuple[int, int]]


# -- clients ----------------------------------------------------------------------------------

class GatewayClient:
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url.rstrip("/") + "/graphql"

    async def audit_counts(self) -> tuple[int, int]:
        """The read audit's entries and transactions so far (its /metrics counters)."""
        async with self.session.get(self.url.removesuffix("graphql") + "metrics") as response:
            text = await response.text()
        values = dict(line.split(" ", 1) for line in text.splitlines()
                      if line.startswith("siks_gateway_read_audit_"))
        return (int(values.get("siks_gateway_read_audit_entries_total", 0)),
                int(values.get("siks_gateway_read_audit_transactions_total", 0)))

    async def query(self, document: str, **variables: Any) -> dict[str, Any]:
        async with self.session.post(self.url, json={"query": document,
                                                     "variables": variables}) as response:
            body: dict[str, Any] = await response.json()
        if response.status != 200 or body.get("errors"):
            raise RuntimeError(f"gateway: HTTP {response.status}: errors "
                               f"{str(body.get('errors'))[:800]}, extensions "
                               f"{str(body.get('extensions'))[:300]}")
        return body


class DirectNodeClient:
    """Calls a node as the gateway does: its mTLS certificate, a token it signs per node."""

    def __init__(self, session: aiohttp.ClientSession, urls: dict[str, str],
                 tokens: SignedUserTokens) -> None:
        self.session, self.urls, self.tokens = session, urls, tokens

    async def query(self, node: str, document: str, /, **variables: Any) -> dict[str, Any]:
        headers = dict(self.tokens.headers(node, NATIONAL_STAFF))
        async with self.session.post(self.urls[node] + "/graphql", headers=headers,
                                     json={"query": document, "variables": variables}
                                     ) as response:
            body: dict[str, Any] = await response.json()
        if response.status != 200 or body.get("errors"):
            raise RuntimeError(f"node {node}: HTTP {response.status}: {str(body)[:500]}")
        return body


def node_session(pki_dir: Path) -> aiohttp.ClientSession:
    tls = client_context(PkiLayout(pki_dir).tls_files(Identity.gateway()))
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=tls, limit=64))


# -- measuring --------------------------------------------------------------------------------

async def timed(call: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


CpuProbe = Callable[[], dict[str, float]]


async def compare(name: str, project: Callable[[int], Awaitable[object]],
                  baseline: Callable[[int], Awaitable[object]], *, repeat: int,
                  target: float, baseline_name: str, cpu: CpuProbe | None = None
                  ) -> Comparison:
    """Alternate project and baseline ``repeat`` times (after one untimed round of each), so
    that both see the same background load; call ``i`` may vary its arguments with ``i``.
    ``cpu``: cumulative CPU seconds of the benchmark's processes, read around each project
    call to tell where its time went."""
    await project(-1)
    await baseline(-1)
    ours, theirs = [], []
    used: dict[str, list[float]] = {}
    for i in range(repeat):
        before = cpu() if cpu is not None else {}
        ours.append(await timed(lambda i=i: project(i)))  # type: ignore[misc]
        if cpu is not None:
            for group, seconds in cpu().items():
                used.setdefault(group, []).append(seconds - before[group])
        theirs.append(await timed(lambda i=i: baseline(i)))  # type: ignore[misc]
    return Comparison(name, Timing(tuple(ours)), Timing(tuple(theirs)), target, baseline_name,
                      {group: Timing(tuple(values)) for group, values in used.items()} or None)


Call = Callable[[int], Awaitable[object]]


async def paired(name: str, via_gateway: Call, direct: Call, *, clients: int, rounds: int,
                 target: float, gateway_cpu: Callable[[], float]) -> AddedTime:
    """``clients`` clients at once, each making ``rounds`` pairs (after one untimed pair):
    the gateway call and the direct call of pair ``i`` ask the same (``i`` picks the sample),
    in an order that alternates from pair to pair and from client to client."""
    async def client(number: int, timed_rounds: int) -> list[tuple[float, float]]:
        pairs = []
        for r in range(timed_rounds):
            i = number * rounds + r
            if (number + r) % 2 == 0:
                ours = await timed(lambda i=i: via_gateway(i))  # type: ignore[misc]
                theirs = await timed(lambda i=i: direct(i))  # type: ignore[misc]
            else:
                theirs = await timed(lambda i=i: direct(i))  # type: ignore[misc]
                ours = await timed(lambda i=i: via_gateway(i))  # type: ignore[misc]
            pairs.append((ours, theirs))
        return pairs

    await asyncio.gather(*(client(c, 1) for c in range(clients)))  # connections, caches
    before = gateway_cpu()
    results = await asyncio.gather(*(client(c, rounds) for c in range(clients)))
    used = gateway_cpu() - before
    pairs = [pair for pairs in results for pair in pairs]
    return AddedTime(name, clients, Timing(tuple(g for g, _ in pairs)),
                     Timing(tuple(n for _, n in pairs)), target, used / len(pairs))


def gateway_counts(body: dict[str, Any]) -> Counts:
    return {(row["provinceCode"], row["program"]): (row["households"], row["members"])
            for row in body["data"]["householdCounts"]}


async def postgres_counts(connection: asyncpg.Connection) -> Counts:
    rows = await connection.fetch(POSTGRES_COUNTS)
    return {(r["province"], r["program"]): (int(r["households"]), int(r["members"]))
            for r in rows}


def check_equal(label: str, ours: Counts, theirs: Counts) -> None:
    if ours != theirs:
        differing = sorted(k for k in ours.keys() | theirs.keys()
                           if ours.get(k) != theirs.get(k))
        raise SystemExit(f"{label}: the gateway's counts differ from PostgreSQL's in "
                         f"{len(differing)} groups, e.g. {differing[:3]}: "
                         f"{[(ours.get(k), theirs.get(k)) for k in differing[:3]]}")


def check_federation(body: dict[str, Any], expected_total: int) -> None:
    summary = body.get("extensions", {}).get("federation", {})
    if summary.get("total") != expected_total or summary.get("ok") != expected_total:
        raise SystemExit(f"the fan-out did not reach every node: {summary}")


@dataclass(frozen=True, slots=True)
class Samples:
    regions: tuple[str, ...]
    niks: tuple[tuple[str, str], ...]  # (region, nik)


def pick_samples(paths: CachePaths, all_regions: Sequence[str], count: int) -> Samples:
    """Regions spread over the list, and one NIK from each (a member in the middle)."""
    step = max(1, len(all_regions) // count)
    chosen = tuple(all_regions[::step][:count])
    niks = []
    for region in chosen:
        with sqlite3.connect(paths.node_db(region)) as source:
            total = source.execute("SELECT count(*) FROM member").fetchone()[0]
            nik = source.execute("SELECT nik FROM member ORDER BY id LIMIT 1 OFFSET ?",
                                 (total // 2,)).fetchone()[0]
        niks.append((region, nik))
    return Samples(chosen, tuple(niks))


# -- the run ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Measured:
    comparisons: list[Comparison]  # (1), (2)
    added: list[AddedTime]  # (3)
    memory: dict[str, int]  # (4), KiB


async def measure(prepared: Prepared, cluster: Cluster, args: argparse.Namespace) -> Measured:
    scale = prepared.scale
    samples = pick_samples(prepared.paths, scale.regions, args.samples)
    tokens = SignedUserTokens.from_pki(prepared.paths.pki_dir)
    pg = await asyncpg.connect(prepared.postgres_url.replace("postgresql://", "postgres://", 1))
    async with aiohttp.ClientSession() as plain, node_session(prepared.paths.pki_dir) as mtls:
        gateway = GatewayClient(plain, cluster.gateway_url)
        direct = DirectNodeClient(mtls, cluster.urls, tokens)
        assert cluster.gateway is not None
        registered = memory_kib(cluster.gateway.pid)

        if {"1", "2"} & set(args.only):
            print("checking: live fan-out and rollups equal PostgreSQL ...", flush=True)
            expected = await postgres_counts(pg)
            live = await gateway.query(LIVE_COUNTS)
            check_federation(live, len(scale.regions))
            check_equal("live fan-out", gateway_counts(live), expected)
            check_equal("rollups", gateway_counts(await gateway.query(ROLLUP_COUNTS)),
                        expected)
            households = sum(h for (_, program), (h, _) in expected.items()
                             if program == "PKH")
            print(f"  equal: {len(expected)} groups (e.g. {households:,} PKH households)",
                  flush=True)
        await check_samples(gateway, direct, samples)

        async def postgres(_: int) -> object:
            return await pg.fetch(POSTGRES_COUNTS)

        async def region_via_gateway(i: int) -> object:
            return await gateway.query(REGION_PAGE, region=samples.regions[i % len(
                samples.regions)])

        async def region_direct(i: int) -> object:
            region = samples.regions[i % len(samples.regions)]
            return await direct.query(region, REGION_PAGE, region=region)

        async def person_via_gateway(i: int) -> object:
            return await gateway.query(PERSON, nik=samples.niks[i % len(samples.niks)][1])

        async def person_direct(i: int) -> object:
            region, nik = samples.niks[i % len(samples.niks)]
            return await direct.query(region, PERSON, nik=nik)

        gateway_pid, host_pids = cluster.gateway.pid, [h.pid for h in cluster.node_hosts]

        def cpu() -> dict[str, float]:
            return {"gateway": cpu_seconds(gateway_pid),
                    "nodes": sum(cpu_seconds(pid) for pid in host_pids)}

        comparisons = []
        for name, project, baseline, target in (
                ("(1) province × program, live fan-out",
                 lambda _: gateway.query(LIVE_COUNTS), postgres, 1.5),
                ("(2) province × program, rollups", lambda _: gateway.query(ROLLUP_COUNTS),
                 postgres, 0.1)):
            if name[1] not in args.only:
                continue
            print(f"timing {name} ...", flush=True)
            comparisons.append(await compare(name, project, baseline, repeat=args.repeat,
                                             target=target,
                                             baseline_name="PostgreSQL GROUP BY", cpu=cpu))
        added = []
        for key, name, via_gateway, straight in (
                ("3a", "(3a) one-region page (50 households)", region_via_gateway,
                 region_direct),
                ("3b", "(3b) NIK lookup", person_via_gateway, person_direct)):
            if "3" not in args.only:
                continue
            for clients, rounds, factor in ((1, args.repeat_small, 1),
                                            (args.clients, args.rounds_per_client,
                                             UNDER_LOAD_FACTOR)):
                print(f"timing {name}, {clients} client{'s' if clients > 1 else ''} ...",
                      flush=True)
                before = await gateway.audit_counts()
                result = await paired(name, via_gateway, straight, clients=clients,
                                      rounds=rounds, target=ADDED_TARGET_S[key] * factor,
                                      gateway_cpu=lambda: cpu_seconds(gateway_pid))
                counts = await gateway.audit_counts()
                added.append(dataclasses.replace(result, audit=(
                    counts[0] - before[0], counts[1] - before[1])))
        after = memory_kib(cluster.gateway.pid)
    await pg.close()
    return Measured(comparisons, added, {"registered": registered["VmRSS"],
                                         "after": after["VmRSS"], "peak": after["VmHWM"]})


async def check_samples(gateway: GatewayClient, direct: DirectNodeClient,
                        samples: Samples) -> None:
    """The sampled queries answer, alike through the gateway and straight from the node, and
    every NIK lookup is a directory hit (one node asked)."""
    for region in samples.regions:
        via = await gateway.query(REGION_PAGE, region=region)
        straight = await direct.query(region, REGION_PAGE, region=region)
        ours = [e["node"]["kkNumber"] for e in via["data"]["households"]["edges"]]
        theirs = [e["node"]["kkNumber"] for e in straight["data"]["households"]["edges"]]
        if ours != theirs or len(ours) != 50:
            raise SystemExit(f"region {region}: the gateway's page differs from the node's")
    for region, nik in samples.niks:
        found = await gateway.query(PERSON, nik=nik)
        note = found.get("extensions", {}).get("nikDirectory", {})
        if (found["data"]["person"] or {}).get("nik") != nik or note.get("lookup") != "hit" \
                or note.get("region") != region:
            raise SystemExit(f"NIK {nik} of {region}: not a directory hit ({note})")


async def run(prepared: Prepared, args: argparse.Namespace) -> int:
    cluster = Cluster(prepared.paths)
    try:
        started = time.perf_counter()
        await cluster.start_nodes(prepared.scale.regions, args.node_processes)
        nodes_s = time.perf_counter() - started
        started = time.perf_counter()
        await cluster.start_gateway(GatewaySettings(deadline_ms=args.deadline_ms,
                                                    max_concurrency=args.max_concurrency))
        gateway_s = time.perf_counter() - started
        print(f"{len(cluster.urls)} nodes listening in {nodes_s:.1f} s "
              f"({len(cluster.node_hosts)} processes); gateway registered and probed them in "
              f"{gateway_s:.1f} s", flush=True)
        measured = await measure(prepared, cluster, args)
    finally:
        await cluster.stop()
    report(prepared, args, measured)
    met = [c.met for c in measured.comparisons] + [a.met for a in measured.added]
    return 0 if all(met) and memory_met(measured.memory) else 1


# -- report -----------------------------------------------------------------------------------

def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def comparison_table(c: Comparison) -> list[str]:
    """The one-row markdown table a federation benchmark prints for one comparison."""
    return ["| measurement | gateway median ms | p95 | baseline | baseline median ms | p95 | "
            "ratio | target | |",
            "|---|---:|---:|---|---:|---:|---:|---:|---|",
            f"| {c.name} | {_ms(c.project.median)} | {_ms(c.project.p95)} | "
            f"{c.baseline_name} | {_ms(c.baseline.median)} | {_ms(c.baseline.p95)} | "
            f"{c.ratio:.2f} | ≤ {c.target} | {'met' if c.met else 'MISSED'} |"]


def add_data_options(parser: argparse.ArgumentParser, *, repeat: int) -> None:
    """The data set, cache and cluster options every benchmark on the 514-node data takes."""
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--regions", type=int, default=None,
                        help="simulate only this many kab/kota; default all 514")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL")
    parser.add_argument("--drop-postgres", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--node-processes", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=repeat)


def _mb(kib: int) -> str:
    return f"{kib * 1024 / 1e6:,.0f}"


def memory_met(memory: dict[str, int]) -> bool:
    return memory["peak"] * 1024 <= MEMORY_TARGET_MB * 1e6


def report(prepared: Prepared, args: argparse.Namespace, measured: Measured) -> None:
    manifest, memory = prepared.manifest, measured.memory
    print()
    print(f"data: {manifest.households:,} households, {manifest.members:,} members, "
          f"{manifest.programs:,} program memberships over {len(prepared.scale.regions)} "
          f"nodes; cache {'reused' if prepared.reused else 'built'} "
          f"(build took {manifest.seconds.get('total', 0):,.0f} s: {manifest.seconds})")
    print(f"machine: {platform.machine()}, python {platform.python_version()}, "
          f"{len(os.sched_getaffinity(0))} cores, load average "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} at the end")
    print(f"gateway: deadline {args.deadline_ms} ms, max concurrency {args.max_concurrency}")
    print()
    print("| measurement | gateway median ms | p95 | baseline | baseline median ms | p95 | "
          "ratio | target | |")
    print("|---|---:|---:|---|---:|---:|---:|---:|---|")
    for c in measured.comparisons:
        print(f"| {c.name} | {_ms(c.project.median)} | {_ms(c.project.p95)} | "
              f"{c.baseline_name} | {_ms(c.baseline.median)} | {_ms(c.baseline.p95)} | "
              f"{c.ratio:.2f} | ≤ {c.target} | {'met' if c.met else 'MISSED'} |")
    print(f"| (4) gateway RSS, {len(prepared.scale.regions)} nodes registered | "
          f"{_mb(memory['registered'])} MB after start, {_mb(memory['after'])} MB after the "
          f"run | peak {_mb(memory['peak'])} MB | | | | | ≤ {MEMORY_TARGET_MB} MB | "
          f"{'met' if memory_met(memory) else 'MISSED'} |")
    if measured.comparisons:
        print(f"\n({args.repeat} rounds of (1) and (2); project and baseline alternate)")
        print("\nadded by the gateway (median of gateway − baseline over the alternating "
              "pairs)")
        for c in measured.comparisons:
            print(f"  {c.name}: {_ms(c.added)} ms")
        print("\nCPU seconds per gateway request (median), by process: where the time goes")
        for c in measured.comparisons:
            if c.cpu:
                print(f"  {c.name}: " + ", ".join(f"{group} {t.median * 1000:,.0f} ms"
                                                  for group, t in c.cpu.items()))
    if measured.added:
        report_added(measured.added)


def report_added(added: Sequence[AddedTime]) -> None:
    print("\nadded by the gateway: the same request to the node and through the gateway, "
          "one after the other (alternating which goes first), gateway − node per pair")
    print()
    print("| measurement | clients | pairs | gateway median ms | node median ms | "
          "added: median ms | p90 ms | target (median) | | gateway CPU per request ms | "
          "audit entries / transactions |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for a in added:
        print(f"| {a.name} | {a.clients} | {len(a.differences)} | {_ms(a.gateway.median)} | "
              f"{_ms(a.node.median)} | {_ms(a.added)} | {_ms(a.added_p90)} | "
              f"≤ {_ms(a.target)} ms | {'met' if a.met else 'MISSED'} | "
              f"{_ms(a.gateway_cpu)} | {a.audit[0]} / {a.audit[1]} |")


def all_regions(limit: int | None) -> tuple[str, ...]:
    codes = tuple(sorted(r.code for r in regions().all(RegionLevel.KABKOTA)))
    if limit is None or limit >= len(codes):
        return codes
    step = len(codes) / limit
    return tuple(codes[int(i * step)] for i in range(limit))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--regions", type=int, default=None,
                        help="simulate only this many kab/kota (spread over the country); "
                             "default all 514")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, metavar="URL",
                        help="server URL; the benchmark's database is created on it")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cache")
    parser.add_argument("--drop-postgres", action="store_true",
                        help="drop the PostgreSQL database at the end (default: keep it "
                             "cached, marked with what it holds)")
    parser.add_argument("--workers", type=int, default=2, help="processes building data")
    parser.add_argument("--node-processes", type=int, default=2,
                        help="processes hosting the node apps")
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds of (1) and (2)")
    parser.add_argument("--repeat-small", type=int, default=50,
                        help="timed pairs of (3) with one client")
    parser.add_argument("--clients", type=int, default=32,
                        help="clients at once for (3) under load")
    parser.add_argument("--rounds-per-client", type=int, default=20,
                        help="timed pairs per client of (3) under load")
    parser.add_argument("--samples", type=int, default=10,
                        help="regions (and NIKs) the (3) queries rotate over")
    parser.add_argument("--only", nargs="+", choices=("1", "2", "3"), default=["1", "2", "3"],
                        help="time only these measurements (3: page and NIK lookup; the "
                             "count checks run only with 1 or 2); (4) is always reported")
    parser.add_argument("--deadline-ms", type=int, default=30_000)
    parser.add_argument("--max-concurrency", type=int, default=64)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    return prepare_and_run(parse_args(argv), run)


def prepare_and_run(args: argparse.Namespace,
                    timed: Callable[[Prepared, argparse.Namespace], Coroutine[Any, Any, int]]
                    ) -> int:
    """Build (or reuse) the cached data ``args`` describe, then run ``timed`` on it; drop
    the PostgreSQL database afterwards with ``--drop-postgres``."""
    scale = Scale(args.households, all_regions(args.regions), args.seed)
    print(f"preparing {scale.households:,} households over {len(scale.regions)} nodes in "
          f"{args.cache} ...", flush=True)
    started = time.perf_counter()
    prepared = prepare(CachePaths(args.cache), scale, args.postgres, workers=args.workers)
    print(f"  {'reused the cache' if prepared.reused else 'built'} in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    try:
        return asyncio.run(timed(prepared, args))
    finally:
        if args.drop_postgres:
            asyncio.run(drop_postgres(args.postgres, prepared.manifest.postgres_db))


if __name__ == "__main__":
    sys.exit(main())
