"""Dinas Sosial's pages in headless Chromium that can reach only 127.0.0.1, on a 360 px wide
phone, with a real node app on SQLite whose proposals went through the real cycle (Dukcapil
sandbox, a field visit): Dinas Sosial logs in, opens the review queue, approves one proposal
and rejects another with a reason, then looks at verivali coverage, the data warnings and the
kab/kota's users. No page scrolls sideways, nothing loads from elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from regional_node.domain.audit import Actor
from regional_node.service_layer.importer import import_households
from schema.enums import Program
from tests.chromium import OfflineBrowser, chromium_or_skip
from tests.node.cycle_helpers import registered
from tests.node.dinsos_web_helpers import PASSWORD, add_users, verified
from tests.node.field_helpers import field_visit
from tests.node.import_files import generate_households, implausible, person_rows, write_csv
from tests.node.proposal_helpers import DINSOS, PENDAMPING, Node, data, running_node
from tests.web_browser import NO_SIDEWAYS_SCROLL, fill, only_from, phone, screenshot, settle, submit

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
STATE = "query($id: ID!) { proposal(id: $id) { state reason } }"


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
async def node(database_url: str, aiohttp_client: Any, tmp_path: Path) -> AsyncIterator[Node]:
    async for running in running_node(database_url, aiohttp_client, tmp_path):
        await add_users(running)
        yield running


async def test_dinas_sosial_approves_one_proposal_and_rejects_another(
        chromium: str, node: Node, tmp_path: Path) -> None:
    moved, _ = await registered(node, Program.BPNT)
    graduating, _ = await registered(node, Program.PKH)
    first = await verified(node, {"moved": {"householdId": str(moved), "movedOn": "2026-03-01",
                                            "destination": "Kab. Garut"}})
    second = await verified(node, {"graduation": {"householdId": str(graduating),
                                                  "reason": "usaha warung berkembang"}})
    await field_visit(node, PENDAMPING, household_id=moved, seed=3)
    rows = person_rows(generate_households(3))
    implausible(rows)
    await import_households(node.database, write_csv(tmp_path / "dtks.csv", rows),
                            node_region="32.73", actor=Actor("cli:op", "DINSOS"))
    base = str(node.client.make_url("")).rstrip("/")
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        page = await phone(browser)
        await page.navigate(f"{base}/web/dinsos/usulan")
        await settle(page, "location.pathname === '/web/masuk' && !!document.querySelector("
                           "'#username')")
        await fill(page, {"username": "dinsosbandung", "password": PASSWORD})
        await submit(page, "form[action='/web/masuk'] button.primary")
        queue = await settle(page, "location.pathname === '/web/dinsos/usulan' && "
                                   "document.querySelector('#antrean')?.innerText")
        assert "Pindah" in queue and "Graduasi" in queue
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "dinsos-antrean")

        await submit(page, f"a[href='/web/dinsos/usulan/{first}']")
        detail = await settle(page, "document.querySelector('#perubahan')?.innerText")
        assert "Kab. Garut" in detail
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "dinsos-usulan")
        await submit(page, "#setujui")
        done = await settle(page, "location.search.includes('selesai=setuju') && "
                                  "document.querySelector('.done')?.innerText")
        assert "Disetujui" in done
        await screenshot(page, "dinsos-disetujui")

        await page.navigate(f"{base}/web/dinsos/usulan/{second}")
        await settle(page, "!!document.querySelector('#alasan')")
        await submit(page, "#tolak")  # empty: the browser asks for the reason first
        assert await page.evaluate("location.search") == ""
        assert await page.evaluate("!document.querySelector('#alasan').validity.valid")
        await fill(page, {"alasan": "Usaha belum stabil, periksa lagi bulan depan"})
        await submit(page, "#tolak")
        done = await settle(page, "location.search.includes('selesai=tolak') && "
                                  "document.querySelector('#riwayat')?.innerText")
        assert "Usaha belum stabil, periksa lagi bulan depan" in done
        await screenshot(page, "dinsos-ditolak")

        await page.navigate(f"{base}/web/dinsos/verivali")
        coverage = await settle(page, "document.querySelector('#cakupan')?.innerText")
        assert "terverifikasi" in coverage
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "dinsos-verivali")
        await page.navigate(f"{base}/web/dinsos/peringatan")
        warnings = await settle(page, "document.querySelector('#peringatan')?.innerText")
        assert "4 peringatan" in warnings
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "dinsos-peringatan")
        await page.navigate(f"{base}/web/dinsos/pengguna")
        users = await settle(page, "document.querySelector('#pengguna')?.innerText")
        assert "operatorsukarasa" in users and "dinsossurabaya" not in users
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "dinsos-pengguna")
        assert only_from(page, base) == []
    assert data(await node.call(DINSOS, STATE, id=first), "proposal")["state"] == \
        "APPROVED_KABKOTA"
    assert data(await node.call(DINSOS, STATE, id=second), "proposal") == {
        "state": "REJECTED", "reason": "Usaha belum stabil, periksa lagi bulan depan"}
