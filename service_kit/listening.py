"""Starting a service's listeners: a port that cannot be taken is one ConfigError line naming
the address, and the runner is cleaned up (its database, tasks and listeners) before it; then
serving until SIGINT or SIGTERM, and cleaning up (both services' ``serve``)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import ssl
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web

from schema.errors import ConfigError

T = TypeVar("T")


async def start_site(runner: web.AppRunner, host: str, port: int,
                     ssl_context: ssl.SSLContext | None = None) -> None:
    try:
        await web.TCPSite(runner, host, port, ssl_context=ssl_context).start()
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


async def set_up(runner: web.AppRunner, listen: Callable[[], Awaitable[T]]) -> T:
    """``runner.setup()`` then ``listen()``; on any failure the runner is cleaned up."""
    try:
        await runner.setup()
        return await listen()
    except BaseException:
        await runner.cleanup()
        raise


async def run_until_stopped(runner: web.AppRunner) -> None:
    """Serve until SIGINT or SIGTERM, then clean the runner up (also when cancelled)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
