"""Starting a service's listeners: a port that cannot be taken is one ConfigError line naming
the address, and the runner is cleaned up (its database, tasks and listeners) before it."""

from __future__ import annotations

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
