"""Starting and stopping the benchmark's processes: node hosts and the gateway.

Each is a ``python -m bench.federation_*`` child that prints one JSON line when it listens
and exits when its stdin closes; stderr goes to a log file in the cache directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.federation_data import DIRECTORY_SECRET, CachePaths

REPO_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT_S = 600.0
STOP_TIMEOUT_S = 30.0


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    announced: dict[str, Any]

    @property
    def pid(self) -> int:
        return self.process.pid

    async def stop(self) -> None:
        if self.process.returncode is not None:
            return
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


async def start_child(name: str, module: str, args: Sequence[str], log: Path) -> Child:
    """Run ``python -m module args``; wait for its JSON announcement line."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", module, *args, cwd=REPO_ROOT, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=stderr, limit=16 * 1024 * 1024)
    assert process.stdout is not None
    try:
        line = await asyncio.wait_for(process.stdout.readline(), START_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        raise RuntimeError(f"{name} did not start within {START_TIMEOUT_S:.0f} s "
                           f"(see {log})") from None
    if not line:
        await process.wait()
        raise RuntimeError(f"{name} exited with {process.returncode} before listening "
                           f"(see {log})")
    return Child(name, process, json.loads(line))


@dataclass
class GatewaySettings:
    deadline_ms: int = 30_000
    max_concurrency: int = 64


@dataclass
class Cluster:
    paths: CachePaths
    node_hosts: list[Child] = field(default_factory=list)
    gateway: Child | None = None
    urls: dict[str, str] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        assert self.gateway is not None
        return str(self.gateway.announced["url"])

    async def start_nodes(self, regions: Sequence[str], processes: int) -> None:
        chunks = [list(regions[i::processes]) for i in range(processes)]
        self.node_hosts = list(await asyncio.gather(*(
            start_child(f"node host {i}", "bench.federation_nodes",
                        [str(self.paths.root), *chunk], self.paths.root / "logs" / f"nodes-{i}.log")
            for i, chunk in enumerate(chunks) if chunk)))
        for host in self.node_hosts:
            self.urls.update(host.announced["nodes"])

    async def start_gateway(self, settings: GatewaySettings) -> None:
        nodes_file = self.paths.root / "nodes.txt"
        nodes_file.write_text("".join(f"{r} {u}\n" for r, u in sorted(self.urls.items())))
        config = {"db_url": f"sqlite:///{self.paths.gateway_db}",
                  # no port: the gateway binds a free one itself and announces it (a port
                  # picked here could be taken meanwhile by one of its own ~514 probe
                  # connections' ephemeral ports: seen once, "address already in use")
                  "directory_secret": DIRECTORY_SECRET,
                  "pki_dir": str(self.paths.pki_dir), "nodes_file": str(nodes_file),
                  "probe_interval_s": 0, "rollup_refresh_s": 0, **dataclasses.asdict(settings)}
        self.gateway = await start_child("gateway", "bench.federation_gateway",
                                         [json.dumps(config)],
                                         self.paths.root / "logs" / "gateway.log")

    async def stop(self) -> None:
        children = ([self.gateway] if self.gateway else []) + self.node_hosts
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                await child.stop()
        self.gateway, self.node_hosts = None, []


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (peak resident) of a process, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values
