"""The gateway in its own process, so that its memory can be read alone.

    python -m bench.federation_gateway CONFIG_JSON

``CONFIG_JSON`` holds :class:`~gateway.config.GatewayConfig` fields (paths as strings; no
``port``: it listens on a free port, which it announces). The
app is the real one (``gateway.entrypoints.app.create_app``: migrates its database, registers
the nodes file, probes every node), without background jobs (the benchmark decides when data
is refreshed), answering as national staff (a Kemensos principal, as the gateway tests do
until gateway logins land). When it listens, one JSON line goes to stdout:
``{"url": "http://127.0.0.1:PORT", "pid": PID}``; it runs until its stdin closes (or SIGTERM).
With ``SIKS_BENCH_PROFILE_GATEWAY=DIR`` it writes a cProfile file into ``DIR`` when it stops;
with ``SIKS_BENCH_CPU_PROFILE_GATEWAY=DIR`` one timed by CPU (the event loop's thread) instead.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from gateway.config import GatewayConfig
from gateway.entrypoints.app import create_app
from schema.roles import Principal, Role

NATIONAL_STAFF = Principal(user_id="bench:kemensos", role=Role.KEMENSOS)
PATH_FIELDS = ("pki_dir", "nodes_file")


def as_national_staff(request: web.Request) -> Principal:
    return NATIONAL_STAFF


def config_from_json(text: str) -> GatewayConfig:
    values: dict[str, Any] = json.loads(text)
    for name in PATH_FIELDS:
        if values.get(name) is not None:
            values[name] = Path(values[name])
    return GatewayConfig(**values)


async def serve(config: GatewayConfig) -> None:
    app = create_app(config, background=False, principal_of=as_national_staff)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, config.host, 0).start()  # (not config.port: see Cluster)
    port = runner.addresses[0][1]
    print(json.dumps({"url": f"http://{config.host}:{port}", "pid": os.getpid()}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), _stop_at_end_of_input, loop, stop)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _stop_at_end_of_input(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    if not sys.stdin.read(1):  # the parent closed our stdin; stop watching it (at its end
        loop.remove_reader(sys.stdin.fileno())  # it stays readable: every loop turn)
        stop.set()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    cpu_profile_to = os.environ.get("SIKS_BENCH_CPU_PROFILE_GATEWAY")
    if cpu_profile_to:
        return _cpu_profiled(args[0], Path(cpu_profile_to))
    profile_to = os.environ.get("SIKS_BENCH_PROFILE_GATEWAY")  # a directory for the file
    if not profile_to:
        asyncio.run(serve(config_from_json(args[0])))
        return 0
    import cProfile

    with cProfile.Profile() as profile:
        asyncio.run(serve(config_from_json(args[0])))
    profile.dump_stats(str(Path(profile_to) / f"gateway-{os.getpid()}.prof"))
    return 0


def _cpu_profiled(config: str, directory: Path) -> int:
    """cProfile timed by the thread's CPU clock: on a shared machine a wall-clock profile
    charges the gateway for the time other processes held the CPU."""
    import cProfile

    with cProfile.Profile(time.thread_time) as profile:
        asyncio.run(serve(config_from_json(config)))
    profile.dump_stats(str(directory / f"gateway-cpu-{os.getpid()}.prof"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
