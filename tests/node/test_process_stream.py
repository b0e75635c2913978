"""A generator in a process of its own (what imports read files with): items, errors, death,
leaving early. The producers below run in a real child interpreter."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from regional_node.adapters.process_stream import stream_from_process
from regional_node.errors import ProcessStreamError, TableFileError


def numbers(count: int) -> Iterator[tuple[int, int, str]]:
    for number in range(count):
        print("a stray print that must not reach the stream")  # noqa: T201
        yield number, os.getpid(), "x" * (number * 50_000)  # frames larger than a pipe buffer


def fails_after(count: int) -> Iterator[int]:
    yield from range(count)
    raise TableFileError(f"stopped after {count}")


class Unpicklable(Exception):
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} {second}")


def fails_unpicklably(_: None) -> Iterator[int]:
    yield 1
    raise Unpicklable("cannot", "travel")


def dies(code: int) -> Iterator[int]:
    yield 1
    os._exit(code)


def endless(_: None) -> Iterator[int]:
    yield os.getpid()
    while True:
        yield 0


async def test_items_arrive_in_order_from_another_process() -> None:
    async with stream_from_process(numbers, 12) as items:
        received = [item async for item in items]
    assert [number for number, _, _ in received] == list(range(12))
    assert {pid for _, pid, _ in received} != {os.getpid()}
    assert len(received[-1][2]) == 11 * 50_000


async def test_an_error_comes_back_as_itself() -> None:
    received = []
    with pytest.raises(TableFileError, match="stopped after 3"):
        async with stream_from_process(fails_after, 3) as items:
            received = [item async for item in items]
    assert received == []  # the list comprehension never completed
    with pytest.raises(TableFileError):
        async with stream_from_process(fails_after, 3) as items:
            async for item in items:
                received.append(item)
    assert received == [0, 1, 2]


async def test_an_error_that_cannot_travel_comes_back_as_its_text() -> None:
    with pytest.raises(ProcessStreamError, match="Unpicklable: cannot travel"):
        async with stream_from_process(fails_unpicklably, None) as items:
            async for _ in items:
                pass


async def test_a_child_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(ProcessStreamError, match="exit code 3"):
        async with stream_from_process(dies, 3) as items:
            async for _ in items:
                pass


async def test_leaving_early_stops_the_child() -> None:
    async with stream_from_process(endless, None) as items:
        pid = await anext(items)
        await anext(items)
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.05)
    pytest.fail(f"the child {pid} still runs")


ORPHANING_PARENT = """
import asyncio, sys
from regional_node.adapters.process_stream import stream_from_process
from tests.node.test_process_stream import endless

async def main():
    async with stream_from_process(endless, None) as items:
        print(await anext(items), flush=True)
        await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_a_child_whose_consumer_dies_ends_too(tmp_path: Path) -> None:
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", ORPHANING_PARENT, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)})
    assert parent.stdout is not None
    child = int(await asyncio.wait_for(parent.stdout.readline(), 30))
    parent.kill()  # no clean-up runs in the consumer
    await parent.wait()
    for _ in range(100):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        await asyncio.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    pytest.fail(f"the child {child} outlived its consumer")
