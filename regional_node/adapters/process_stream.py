"""Run a generator in a process of its own and receive what it yields, asynchronously.

Used by imports: reading and checking a large file (pure Python, CPU-bound) runs in a second
process while this one stores what has been read, so that both cores of an office laptop
work. The child is a fresh interpreter (``python -m regional_node.adapters.process_stream``)
that imports ``produce`` by name and nothing else: unlike ``multiprocessing``'s spawn, it
never re-runs the caller's main script, so a script without an ``if __name__ ==
"__main__"`` guard still works. ``produce``'s argument and items must be picklable; they
travel as length-prefixed pickles over the child's stdout (the child's own prints go to
stderr). At most ``ahead`` items wait in the child: a slow consumer slows the producer down
instead of filling memory.

An exception raised by the generator is raised again here, as itself when it can be pickled,
otherwise as :class:`ProcessStreamError` with its text; a child that dies without a word
(killed, out of memory) raises :class:`ProcessStreamError` too. Leaving the ``async with``
early stops the child; a consumer that dies ends the child at its next item (its pipe
breaks), so no reader is left behind.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import queue
import struct
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from regional_node.errors import ProcessStreamError

if TYPE_CHECKING:  # imported where used: the child never uses asyncio, and importing it
    import asyncio  # (~0.06 s) would delay the first item the parent is waiting for

T = TypeVar("T")
A = TypeVar("A")
_LENGTH = struct.Struct("!Q")
_ITEM, _END, _FAILED = b"I", b"E", b"F"


@asynccontextmanager
async def stream_from_process(produce: Callable[[A], Iterator[T]], argument: A, *,
                              ahead: int = 3) -> AsyncIterator[AsyncIterator[T]]:
    """``async with stream_from_process(f, x) as items: async for item in items: ...``"""
    import asyncio

    target = f"{produce.__module__}:{produce.__qualname__}"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", __name__, target, str(ahead),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=_child_env(),
        limit=1 << 20)
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(pickle.dumps(argument, protocol=pickle.HIGHEST_PROTOCOL))
        await child.stdin.drain()
        child.stdin.close()
        yield _receive(child, child.stdout)
    finally:
        if child.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
        await child.wait()


async def _receive(child: asyncio.subprocess.Process,
                   stdout: asyncio.StreamReader) -> AsyncIterator[Any]:
    import asyncio

    while True:
        try:
            kind = await stdout.readexactly(1)
            (size,) = _LENGTH.unpack(await stdout.readexactly(_LENGTH.size))
            payload = await stdout.readexactly(size)
        except asyncio.IncompleteReadError:
            code = await child.wait()
            raise ProcessStreamError(
                f"the reading process stopped unexpectedly (exit code {code})") from None
        if kind == _END:
            return
        value = pickle.loads(payload)
        if kind == _FAILED:
            error, text = value
            raise error if error is not None else ProcessStreamError(text)
        yield value


def _child_env() -> dict[str, str]:
    """The parent's environment, with its import path, so the child imports the same code."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
    return env


# -- in the child ------------------------------------------------------------------------------

def _serve(target: str, ahead: int) -> int:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # stray prints must not mix with the frames
    module, _, name = target.partition(":")
    produce = getattr(importlib.import_module(module), name)
    argument = pickle.load(sys.stdin.buffer)
    frames: queue.Queue[bytes | None] = queue.Queue(maxsize=ahead)
    writer = threading.Thread(target=_write_frames, args=(frames, out), daemon=True)
    writer.start()
    try:
        for item in produce(argument):
            frames.put(_frame(_ITEM, pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)))
        frames.put(_frame(_END, b""))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the consumer
        frames.put(_frame(_FAILED, _failure(exc)))
    frames.put(None)
    writer.join()
    return 0


def _write_frames(frames: queue.Queue[bytes | None], out: BinaryIO) -> None:
    try:
        while (frame := frames.get()) is not None:
            out.write(frame)
            out.flush()
    except BrokenPipeError:  # the consumer is gone (left early, or died): so is the work
        os._exit(0)


def _frame(kind: bytes, payload: bytes) -> bytes:
    return kind + _LENGTH.pack(len(payload)) + payload


def _failure(exc: BaseException) -> bytes:
    text = f"{type(exc).__name__}: {exc}"
    try:
        pickled = pickle.dumps((exc, text), protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(pickled)
    except Exception:  # noqa: BLE001 - not every exception survives pickling
        return pickle.dumps((None, text))
    return pickled


if __name__ == "__main__":
    sys.exit(_serve(sys.argv[1], int(sys.argv[2])))
