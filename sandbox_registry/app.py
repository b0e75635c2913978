"""The sandbox registry's HTTP face (aiohttp).

- ``POST /registry/sync/search``: the DCI search (see :mod:`sandbox_registry.dci`); with a
  ``token`` configured it answers 401 ``err.request.unauthorized`` without that bearer token;
- ``GET /healthz``;
- admin, for tests and demos (bind to loopback; there is no authentication):
  ``GET|POST|DELETE /_sandbox/faults`` (:mod:`sandbox_registry.faults`),
  ``GET /_sandbox/stats`` and ``DELETE /_sandbox/stats`` (request counters),
  ``POST /_sandbox/residents`` (add or replace residents), ``GET /_sandbox/residents/{nik}``,
  ``DELETE /_sandbox/residents/{nik}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from sandbox_registry import dci
from sandbox_registry.faults import HANG_SECONDS, FaultError, Faults
from sandbox_registry.store import (
    SandboxResident,
    count_residents,
    find_residents,
    open_store,
    remove_residents,
    upsert_residents,
)
from service_kit.database import Database

MAX_ITEMS = 1000


@dataclass
class Stats:
    search_requests: int = 0  # every POST to the search endpoint, failed ones included
    search_items: int = 0  # items in the searches that were answered
    injected_failures: int = 0
    rejected_requests: int = 0  # malformed envelopes (HTTP 400)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class SandboxState:
    """Everything the admin API changes while the app runs."""

    token: str | None = None  # when set, searches need ``Authorization: Bearer <token>``
    faults: Faults = field(default_factory=Faults)
    stats: Stats = field(default_factory=Stats)
    envelopes: list[Any] = field(default_factory=list)  # the last searches received
    release: asyncio.Event = field(default_factory=asyncio.Event)  # ends hanging searches


DATABASE = web.AppKey("database", Database)
STATE = web.AppKey("state", SandboxState)
KEEP_ENVELOPES = 20


def create_app(db_url: str, *, token: str | None = None) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app[STATE] = SandboxState(token=token)

    async def database_context(app: web.Application) -> AsyncIterator[None]:
        app[DATABASE] = await open_store(db_url)
        yield
        app[STATE].release.set()
        await app[DATABASE].dispose()

    app.cleanup_ctx.append(database_context)
    app.on_shutdown.append(_release_hanging)
    app.router.add_post("/registry/sync/search", search)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/_sandbox/faults", get_faults)
    app.router.add_post("/_sandbox/faults", set_faults)
    app.router.add_delete("/_sandbox/faults", clear_faults)
    app.router.add_get("/_sandbox/stats", get_stats)
    app.router.add_delete("/_sandbox/stats", clear_stats)
    app.router.add_post("/_sandbox/residents", add_residents)
    app.router.add_get("/_sandbox/residents/{nik}", get_resident)
    app.router.add_delete("/_sandbox/residents/{nik}", delete_resident)
    return app


async def _release_hanging(app: web.Application) -> None:
    app[STATE].release.set()


async def search(request: web.Request) -> web.Response:
    app, state = request.app, request.app[STATE]
    stats, faults = state.stats, state.faults
    stats.search_requests += 1
    if state.token is not None and request.headers.get("Authorization") != (
            f"Bearer {state.token}"):
        return web.json_response(
            dci.error_body("err.request.unauthorized", "a valid bearer token is required"),
            status=401)
    try:
        body: Any = await request.json(loads=json.loads)
    except ValueError as exc:
        body = exc
    else:
        state.envelopes.append(body)  # every attempt, failed ones included
        del state.envelopes[:-KEEP_ENVELOPES]
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    fault = faults.decide()
    if fault == "hang":
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.release.wait(), HANG_SECONDS)
    if fault is not None:
        stats.injected_failures += 1
        return web.json_response(
            dci.error_body("err.service.unavailable", "injected failure (sandbox)"),
            status=faults.fail_status)
    try:
        if isinstance(body, ValueError):
            raise body
        parsed = dci.read_search_request(body, max_items=MAX_ITEMS)
    except (ValueError, dci.BadEnvelope) as exc:
        stats.rejected_requests += 1
        code = exc.code if isinstance(exc, dci.BadEnvelope) else "err.request.bad"
        return web.json_response(dci.error_body(code, str(exc)), status=400)
    niks = [item.nik for item in parsed.items if item.nik is not None]
    found = await find_residents(app[DATABASE], niks)
    stats.search_items += len(parsed.items)
    return web.json_response(dci.search_response(parsed, found))


async def healthz(request: web.Request) -> web.Response:
    residents = await count_residents(request.app[DATABASE])
    return web.json_response({"status": "ok", "residents": residents})


async def get_faults(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].faults.public())


async def set_faults(request: web.Request) -> web.Response:
    try:
        changes = await request.json()
        if not isinstance(changes, dict):
            raise FaultError("send a JSON object")
        request.app[STATE].faults.update(changes)
    except (ValueError, TypeError) as exc:
        return web.json_response({"error": str(exc)}, status=400)
    return web.json_response(request.app[STATE].faults.public())


async def clear_faults(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.faults = Faults()
    state.release.set()
    state.release = asyncio.Event()
    return web.json_response(state.faults.public())


async def get_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].stats.as_dict())


async def clear_stats(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.stats = Stats()
    state.envelopes.clear()
    return web.json_response(state.stats.as_dict())


async def add_residents(request: web.Request) -> web.Response:
    """``{"residents": [{"nik", "name", "birth_date", "sex", "kk_number"?, "deceased"?,
    "death_date"?}, …]}``."""
    try:
        body = await request.json()
        residents = [resident_from_json(r) for r in body["residents"]]
    except (ValueError, KeyError, TypeError) as exc:
        return web.json_response({"error": f"bad resident: {exc}"}, status=400)
    stored = await upsert_residents(request.app[DATABASE], residents)
    return web.json_response({"stored": stored})


async def get_resident(request: web.Request) -> web.Response:
    nik = request.match_info["nik"]
    found = await find_residents(request.app[DATABASE], [nik])
    if nik not in found:
        return web.json_response({"error": "not found"}, status=404)
    return web.json_response(resident_to_json(found[nik]))


async def delete_resident(request: web.Request) -> web.Response:
    await remove_residents(request.app[DATABASE], [request.match_info["nik"]])
    return web.json_response({"deleted": request.match_info["nik"]})


def resident_from_json(data: dict[str, Any]) -> SandboxResident:
    nik = str(data["nik"])
    if len(nik) != 16 or not nik.isdigit():
        raise ValueError(f"nik {nik!r} is not 16 digits")
    sex = str(data.get("sex", "unknown")).lower()
    if sex not in ("male", "female", "other", "unknown"):
        raise ValueError(f"sex {sex!r} is not male, female, other or unknown")
    death = data.get("death_date")
    death_date = dt.date.fromisoformat(death) if death else None
    deceased = bool(data.get("deceased")) or death_date is not None
    if deceased and death_date is None:
        death_date = dt.date.today()
    return SandboxResident(nik=nik, name=str(data["name"]),
                           birth_date=dt.date.fromisoformat(str(data["birth_date"])),
                           sex=sex, kk_number=data.get("kk_number"), alive=not deceased,
                           death_date=death_date, discrepancy=data.get("discrepancy"))


def resident_to_json(resident: SandboxResident) -> dict[str, Any]:
    return {"nik": resident.nik, "name": resident.name,
            "birth_date": resident.birth_date.isoformat(), "sex": resident.sex,
            "kk_number": resident.kk_number, "deceased": not resident.alive,
            "death_date": resident.death_date.isoformat() if resident.death_date else None,
            "discrepancy": resident.discrepancy}


async def serve(db_url: str, host: str, port: int, *, token: str | None = None,
                ready: asyncio.Event | None = None, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (or forever)."""
    runner = web.AppRunner(create_app(db_url, token=token), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        if ready is not None:
            ready.set()
        await (stop or asyncio.Event()).wait()
    finally:
        await runner.cleanup()
