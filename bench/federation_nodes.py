"""A process hosting many regional node apps, each on its own loopback port over mTLS.

    python -m bench.federation_nodes CACHE_DIR REGION [REGION ...]

Each node is the real app (``regional_node.entrypoints.app.create_app``) on its SQLite file
from the cache, with its region's TLS certificate (client certificates required), trusting the
gateway's signed user tokens through the national CA, as ``tests/gateway/cluster.py`` runs
them. The databases were migrated when the cache was built, so apps start without migrating,
and they share one GraphQL schema object (it is stateless; building it 257 times would cost
memory and start-up time only). When every node listens, one JSON line goes to stdout:
``{"nodes": {"32.73": "https://127.0.0.1:PORT", ...}, "pid": PID}``; the process then runs
until its stdin closes (or SIGTERM).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from bench.federation_data import CachePaths
from certs.identity import Identity
from certs.layout import PkiLayout
from certs.tls import server_context
from regional_node.config import NodeConfig
from regional_node.entrypoints.app import create_app
from regional_node.entrypoints.graphql.schema import build_schema


def node_config(paths: CachePaths, region: str) -> NodeConfig:
    layout = PkiLayout(paths.pki_dir)
    return NodeConfig(region=region, db_url=f"sqlite:///{paths.node_db(region)}",
                      data_dir=str(paths.node_data_dir(region)),
                      trust_ca=str(layout.ca_certificate), trust_crl=str(layout.crl))


async def start_nodes(paths: CachePaths, regions: Sequence[str]
                      ) -> tuple[dict[str, str], list[web.AppRunner]]:
    """Every region's node listening on 127.0.0.1 (a free port each); their URLs."""
    schema = build_schema()
    layout = PkiLayout(paths.pki_dir)
    urls: dict[str, str] = {}
    runners: list[web.AppRunner] = []
    for region in regions:
        app = create_app(node_config(paths, region), migrate=False, schema=schema)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        runners.append(runner)
        tls = server_context(layout.tls_files(Identity.region(region)))
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls).start()
        urls[region] = f"https://127.0.0.1:{runner.addresses[0][1]}"
    return urls, runners


async def serve(paths: CachePaths, regions: Sequence[str]) -> None:
    urls, runners = await start_nodes(paths, regions)
    print(json.dumps({"nodes": urls, "pid": os.getpid()}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), _stop_at_end_of_input, loop, stop)
    try:
        await stop.wait()
    finally:
        for runner in runners:
            with contextlib.suppress(Exception):
                await runner.cleanup()


def _stop_at_end_of_input(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    if not sys.stdin.read(1):  # the parent closed our stdin; stop watching it (at its end
        loop.remove_reader(sys.stdin.fileno())  # it stays readable: every loop turn)
        stop.set()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    profile_to = os.environ.get("SIKS_BENCH_PROFILE_NODES")  # a directory: one file per host
    if not profile_to:
        asyncio.run(serve(CachePaths(Path(args[0])), args[1:]))
        return 0
    import cProfile

    with cProfile.Profile() as profile:
        asyncio.run(serve(CachePaths(Path(args[0])), args[1:]))
    profile.dump_stats(str(Path(profile_to) / f"nodes-{os.getpid()}.prof"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
