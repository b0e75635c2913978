"""``siks demo``: the product on localhost in one command, with nothing to set up.

Starts a regional node for each demo region (Kota Bandung, Kota Surabaya, Kota Kupang) on
SQLite files under ``--dir``, seeded once with deterministic synthetic households, and the
national gateway over them (mutual TLS with a development PKI, ``siks.demo_gateway``), and
prints where to point a browser. Runs until Ctrl+C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import os
import signal
import sys
from pathlib import Path
from typing import Any

DEMO_REGIONS = ("32.73", "35.78", "53.71")
MTLS_PORT_OFFSET = 100  # node 8101 serves the gateway over mTLS on 8201 (NodeConfig's default)
INBOX_PORT_OFFSET = 100  # the gateway on 8100 takes the nodes' submissions on 8200
RELAY_INTERVAL_S = 1.0  # the demo's relays look for work every second


def register(commands: argparse._SubParsersAction) -> None:
    demo = commands.add_parser("demo", help="run demo nodes on localhost with synthetic data")
    demo.add_argument("--dir", type=Path, default=Path("siks-demo"),
                      help="where databases live (default ./siks-demo; reused between runs)")
    demo.add_argument("--households", type=int, default=500,
                      help="synthetic households per region on first start (default 500)")
    demo.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    demo.add_argument("--base-port", type=int, default=8101,
                      help="first node's port; the others follow, the gateway takes the one "
                           "before and the registry sandbox the one before that "
                           "(default 8101; gateway 8100; sandbox 8099)")
    demo.add_argument("--seed", type=int, default=42, help="synthetic data seed (default 42)")
    demo.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from schema.errors import ConfigError

    args.dir.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(run_demo(args.dir.resolve(), households=args.households, host=args.host,
                             base_port=args.base_port, seed=args.seed))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise ConfigError(f"a port the demo needs is taken ({exc.strerror}): stop what uses "
                          f"it, or choose other ports with --base-port (now {args.base_port}) "
                          "/ port dipakai program lain") from None
    return 0


async def _seed_if_new(db_url: str, region: str, households: int, seed: int
                       ) -> tuple[int, bool]:
    """How many households the node holds, and whether they were generated just now."""
    from sqlalchemy import func, select

    from regional_node.adapters.database import open_database
    from regional_node.adapters.orm import Household
    from regional_node.domain.audit import Actor
    from regional_node.service_layer.registry import store_households
    from regional_node.service_layer.synthetic import generate_households
    from regional_node.service_layer.unit_of_work import UnitOfWork

    database = open_database(db_url)
    try:
        async with database.reader() as session:
            existing = (await session.execute(select(func.count()).select_from(Household))).scalar()
        if existing:
            return int(existing), False
        records = list(generate_households(region, households, seed))
        async with UnitOfWork(database, Actor("system:demo", "SYSTEM")) as uow:
            await store_households(uow, records)
            await uow.commit()
        return len(records), True
    finally:
        await database.dispose()


async def run_demo(directory: Path, *, households: int, host: str, base_port: int,
                   seed: int, ready: asyncio.Event | None = None,
                   stop: asyncio.Event | None = None) -> None:
    """Serve the demo nodes until ``stop`` is set (or a signal arrives); ``directory`` exists."""
    from aiohttp import web

    from regional_node.config import NodeConfig
    from regional_node.entrypoints.app import create_app, open_mtls_site
    from regional_node.service_layer.lifecycle import prepare_database
    from schema.regions import regions
    from siks import demo_gateway

    pki = demo_gateway.demo_pki(directory, DEMO_REGIONS)
    os.environ.setdefault("SIKS_NODE_RELAY_INTERVAL_S", str(RELAY_INTERVAL_S))
    # the nodes hash their NIKs with the gateway's directory key (docs/duplicates.md)
    os.environ.setdefault("SIKS_NODE_DIRECTORY_SECRET", demo_gateway.directory_secret(directory))
    registry_runner, registry_url = await _start_registry_sandbox(directory, host, base_port - 2)
    logins = demo_gateway.demo_logins(DEMO_REGIONS)
    passwords = demo_gateway.demo_passwords(directory, logins)
    runners: list[web.AppRunner] = [registry_runner]
    lines = []
    node_urls: dict[str, str] = {}
    gateway_port = base_port - 1
    inbox_url = f"https://{_loopback(host)}:{gateway_port + INBOX_PORT_OFFSET}"
    try:
        for offset, region in enumerate(DEMO_REGIONS):
            config = NodeConfig(region=region, db_url=f"sqlite:///{directory / region}.sqlite",
                                host=host, port=base_port + offset,
                                pki_dir=str(pki.layout.root), gateway_url=inbox_url)
            await prepare_database(config)
            count, generated = await _seed_if_new(config.db_url, region, households, seed)
            if generated:
                await _residents_from_node(directory, config.db_url, seed)
            await demo_gateway.create_node_logins(config.db_url, region, logins, passwords)
            runner = web.AppRunner(create_app(config))
            await runner.setup()
            runners.append(runner)  # cleaned up below even if its port turns out taken
            await web.TCPSite(runner, host, config.port).start()
            node_urls[region] = await open_mtls_site(runner, config)
            name = regions().require(region).name
            lines.append(f"  {region} {name:<16} {count:>6} households  "
                         f"GraphiQL: http://{host}:{config.port}/graphql  "
                         f"web: http://{host}:{config.port}/web/")
        await demo_gateway.create_gateway_logins(
            f"sqlite:///{directory / 'gateway.sqlite'}", logins, passwords)
        runners.append(await demo_gateway.start_gateway(
            directory, pki, node_urls, host=host, port=gateway_port,
            inbox_port=gateway_port + INBOX_PORT_OFFSET))
        guide = _write_guide(directory, logins, host, base_port, gateway_port)
        print("Demo SIKS-NG berjalan / is running (Ctrl+C: berhenti / stop).")
        gateway_url = f"http://{host}:{gateway_port}/graphql"
        print(f"GraphiQL gateway nasional / national gateway: {gateway_url}  (tanpa token Anda "
              "publik, masuk seperti di bawah / without a token you are the public; log in "
              "as below)")
        print(f"Aplikasi web / web app: http://{host}:{gateway_port}/web/  (cekbansos, usul, "
              "sanggah, cek tanda terima, cek NIK mitra / receipt check, partner NIK check; "
              "docs/web.md)")
        print(f"Gateway menerima kiriman bertanda tangan dari node / takes the nodes' signed "
              f"submissions at {inbox_url} (mutual TLS).")
        print("Node kab/kota / regional nodes (gateway memanggilnya lewat mTLS / the gateway "
              f"calls them over mTLS, port {base_port + MTLS_PORT_OFFSET}+):", *lines,
              sep="\n")
        print("Coba di GraphiQL node, setelah masuk di node itu / try in a node's GraphiQL, "
              "logged in at that node:  { node { "
              "regionName } households(first: 5) { edges { node { kkNumber desaName "
              "head { name } } } } }")
        print("Coba di gateway sebagai kemensos / try at the gateway as kemensos:  "
              "{ nodes { region status latencyMs } "
              "householdCounts("
              "groupBy: [KABKOTA, PROGRAM]) { kabkotaCode program households asOf } }")
        public_example = await demo_gateway.a_public_example(
            f"sqlite:///{directory / DEMO_REGIONS[0]}.sqlite")
        print(*demo_gateway.login_help(
            logins, passwords, gateway_url,
            {r: f"http://{host}:{base_port + i}" for i, r in enumerate(DEMO_REGIONS)},
            directory, public_example=public_example), sep="\n")
        print("Panduan, satu usulan dari draf operator sampai penetapan Kemensos / "
              f"walkthrough, one proposal from an operator's draft to Kemensos' decree: {guide}")
        print(f"Sandbox registri penduduk (pengganti Dukcapil) / population registry sandbox "
              f"(Dukcapil stand-in, DCI API): {registry_url}")
        print(f"Data tersimpan di / data lives in {directory} (hapus untuk mulai dari awal / "
              "delete it to start afresh).", flush=True)
        if ready is not None:
            ready.set()
        await _wait_for_stop(stop)
    finally:
        for runner in runners:
            await runner.cleanup()


def _loopback(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def _write_guide(directory: Path, logins: list[Any], host: str, base_port: int,
                 gateway_port: int) -> Path:
    from schema.roles import Role
    from siks.demo_gateway import login_of
    from siks.demo_walkthrough import WalkthroughPlace, write_walkthrough

    region = DEMO_REGIONS[0]
    operator = login_of(logins, region, Role.OPERATOR_DESA)
    assert operator.scope is not None
    return write_walkthrough(WalkthroughPlace(
        directory=directory, region=region, desa=operator.scope,
        node_url=f"http://{_loopback(host)}:{base_port}",
        gateway_url=f"http://{_loopback(host)}:{gateway_port}",
        operator=operator.username,
        pendamping=login_of(logins, region, Role.PENDAMPING).username,
        dinsos=login_of(logins, region, Role.DINSOS).username))


REGISTRY_DISCREPANCY_RATE = 0.03  # a few residents differ from the nodes, to show anomalies


def _registry_db(directory: Path) -> str:
    return f"sqlite:///{directory / 'sandbox-registry.sqlite'}"


async def _start_registry_sandbox(directory: Path, host: str, port: int) -> tuple[Any, str]:
    """The stand-in for Dukcapil, on its own database; every demo node is pointed at it."""
    from aiohttp import web

    from sandbox_registry.app import create_app as registry_app
    from service_kit.listening import set_up

    runner = web.AppRunner(registry_app(_registry_db(directory)), access_log=None)
    await set_up(runner, lambda: web.TCPSite(runner, host, port).start())
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{port}"
    os.environ.setdefault("SIKS_NODE_DUKCAPIL_URL", url)
    return runner, url


async def _residents_from_node(directory: Path, node_db_url: str, seed: int) -> None:
    """The registry knows the people a node was just seeded with (a few of them differently)."""
    from sandbox_registry.seeding import seed_from_node
    from service_kit.database import open_database

    registry = open_database(_registry_db(directory))
    try:
        await seed_from_node(registry, node_db_url, discrepancy_rate=REGISTRY_DISCREPANCY_RATE,
                             seed=seed)
    finally:
        await registry.dispose()


async def _wait_for_stop(stop: asyncio.Event | None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    print("demo stopped", file=sys.stderr)
