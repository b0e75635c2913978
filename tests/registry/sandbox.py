"""The sandbox registry for tests: the real app, in process, over HTTP on loopback."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from regional_node.adapters.dukcapil_dci import DciDukcapilClient, DukcapilConfig
from regional_node.domain.records import HouseholdRecord, MemberRecord
from sandbox_registry.app import STATE, create_app


@dataclass
class Sandbox:
    url: str
    server: TestServer
    http: aiohttp.ClientSession

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with self.http.request(method, self.url + path, json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def faults(self, **settings: Any) -> dict[str, Any]:
        return await self._call("POST", "/_sandbox/faults", settings)

    async def clear_faults(self) -> None:
        await self._call("DELETE", "/_sandbox/faults")

    async def stats(self) -> dict[str, int]:
        return await self._call("GET", "/_sandbox/stats")

    async def reset_stats(self) -> None:
        await self._call("DELETE", "/_sandbox/stats")

    async def add(self, *residents: dict[str, Any]) -> None:
        await self._call("POST", "/_sandbox/residents", {"residents": list(residents)})

    async def add_members(self, households: Iterable[HouseholdRecord], **changes: Any) -> None:
        """Every member of ``households`` as the registry knows them (``changes`` apply to
        all)."""
        await self.add(*[{**resident(m, h.kk_number), **changes}
                         for h in households for m in h.members])

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        return self.server.app[STATE].envelopes

    def client(self, **overrides: Any) -> DciDukcapilClient:
        settings: dict[str, Any] = {"backoff_base_s": 0.001, "backoff_max_s": 0.01,
                                    "timeout_s": 5.0, **overrides}
        return DciDukcapilClient(DukcapilConfig(url=self.url, **settings))


def resident(member: MemberRecord, kk_number: str | None = None) -> dict[str, Any]:
    return {"nik": member.nik, "name": member.name,
            "birth_date": member.birth_date.isoformat(), "sex": member.sex.value.lower(),
            "kk_number": kk_number}


def person(nik: str, name: str, born: dt.date, **extra: Any) -> dict[str, Any]:
    return {"nik": nik, "name": name, "birth_date": born.isoformat(), "sex": "female",
            **extra}


@contextlib.asynccontextmanager
async def running_sandbox(directory: Path, db_url: str | None = None, *,
                          token: str | None = None) -> AsyncIterator[Sandbox]:
    """A sandbox with its own SQLite file under ``directory`` (or ``db_url``)."""
    app = create_app(db_url or f"sqlite:///{directory / 'sandbox-registry.sqlite'}",
                     token=token)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as http:
            yield Sandbox(str(server.make_url("")).rstrip("/"), server, http)
    finally:
        await server.close()
