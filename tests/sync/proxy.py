"""An in-process TCP proxy on loopback that makes a link flap: it can refuse connections,
drop them at once, delay every chunk, and reset them in the middle of a transfer.

TLS runs end to end through it (the proxy only moves bytes), so what the relay sees is what a
real flaky link does to a mutual-TLS connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from dataclasses import dataclass, field


@dataclass
class Faults:
    drop: float = 0.0  # probability a new connection is closed at once
    reset: float = 0.0  # probability, per chunk, that the connection is reset around it
    delay_s: float = 0.0  # added before forwarding each chunk (upper bound, random)
    down: bool = False  # every connection is refused (closed at once)


@dataclass
class FlakyProxy:
    target_port: int
    faults: Faults = field(default_factory=Faults)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    connections: int = 0
    resets: int = 0
    drops: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.faults.down or self.rng.random() < self.faults.drop:
            self.drops += 1
            _reset(writer)
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port)
        except OSError:
            _reset(writer)
            return
        state: dict[str, bool] = {"reset": False}
        pumps = [asyncio.ensure_future(self._pump(reader, upstream_writer, state)),
                 asyncio.ensure_future(self._pump(upstream_reader, writer, state))]
        for pump in pumps:
            self._tasks.add(pump)
            pump.add_done_callback(self._tasks.discard)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
        if state["reset"]:
            self.resets += 1
            _reset(writer)
            _reset(upstream_writer)
        else:
            for w in (writer, upstream_writer):
                with contextlib.suppress(Exception):
                    w.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    state: dict[str, bool]) -> None:
        """Forward chunks; each may be delayed, or the connection reset before or after it
        (after: the peer got the bytes, say a request, but the answer will never come)."""
        with contextlib.suppress(ConnectionError, OSError, asyncio.CancelledError):
            while True:
                chunk = await reader.read(16_384)
                if not chunk:
                    with contextlib.suppress(Exception):
                        writer.write_eof()
                    return
                if self.faults.delay_s:
                    await asyncio.sleep(self.rng.uniform(0, self.faults.delay_s))
                reset_now = self.faults.down or self.rng.random() < self.faults.reset
                if reset_now and self.rng.random() < 0.5:
                    state["reset"] = True
                    return
                writer.write(chunk)
                await writer.drain()
                if reset_now:
                    state["reset"] = True
                    return


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN, as a dropped link or a crashed peer does."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(Exception):
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
