"""Kemensos' pages and the partner's jobs in headless Chromium that can reach only 127.0.0.1,
on a 360 px wide phone screen, through a real gateway with real node apps behind it (mutual
TLS): Kemensos logs in, sees the dashboard with the map of kab/kota drawn by the vendored
Leaflet (SVG paths, no tile server), determines a waiting record with the decree's PDF and
downloads the DIPA; a partner sends a NIK file as a job, watches it finish (htmx) and
downloads the result.
Nothing is loaded from anywhere but the gateway, and no page scrolls sideways."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from gateway.entrypoints.app import SERVICES, create_app
from gateway.service_layer import national_records as national
from gateway.service_layer.deciles import compute_deciles
from tests.chromium import OfflineBrowser, chromium_or_skip
from tests.gateway.cluster import NodeCluster
from tests.gateway.conftest import gateway_config
from tests.gateway.kemensos_web_helpers import (
    PASSWORD,
    PERIOD,
    add_users,
    receive_records,
    seed_households,
)
from tests.web_browser import (
    NO_SIDEWAYS_SCROLL,
    downloaded,
    fill,
    only_from,
    phone,
    screenshot,
    set_file,
    settle,
    submit,
)


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
async def site(cluster: NodeCluster, dev_pki, tmp_path: Path  # type: ignore[no-untyped-def]
               ) -> AsyncIterator[tuple[str, Any, dict[str, Any]]]:
    people = await seed_households(cluster)
    runner = web.AppRunner(create_app(gateway_config(tmp_path, dev_pki, cluster),
                                      background=False))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        services = runner.app[SERVICES]
        await add_users(services.database)
        await receive_records(services.database, dev_pki, "32.73", 2, "b")
        await compute_deciles(services, "test:kemensos")
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", services, people
    finally:
        await runner.cleanup()


async def _log_in(page: Any, base: str, path: str, username: str) -> None:
    await page.navigate(f"{base}{path}")  # not logged in: the login page, then back
    await settle(page, "location.pathname === '/web/masuk' && !!document.querySelector("
                       "'#username')")
    await fill(page, {"username": username, "password": PASSWORD})
    await submit(page, "form[action='/web/masuk'] button.primary")


async def test_kemensos_sees_the_map_and_determines_a_waiting_record(
        chromium: str, site, tmp_path: Path) -> None:
    base, services, _ = site
    decree = tmp_path / "kepmensos-146.pdf"
    decree.write_bytes(b"%PDF-1.4\n% Keputusan Menteri Sosial (uji)\n%%EOF\n")
    downloads = tmp_path / "unduhan"
    downloads.mkdir()
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        await browser.send("Browser.setDownloadBehavior", behavior="allow",
                           downloadPath=str(downloads))
        page = await phone(browser)
        await _log_in(page, base, "/web/kemensos", "kemensos")
        await settle(page, "location.pathname === '/web/kemensos' && !!document."
                           "querySelector('#peta')")
        await page.navigate(f"{base}/web/kemensos?periode={PERIOD}")
        await settle(page, f"document.querySelector('#periode')?.value === '{PERIOD}'")
        drawn = await settle(page, "document.querySelector('#peta').dataset.drawn")
        assert drawn == "3"  # Kota Bandung, Kab. Bandung, Kota Surabaya
        paths = await page.evaluate(
            "document.querySelectorAll('#peta svg path.leaflet-interactive').length")
        assert paths == 3
        assert await page.evaluate("document.querySelectorAll('#peta img').length") == 0
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "kemensos-dasbor")
        await page.evaluate("document.querySelector('#peta-judul').scrollIntoView()")
        await screenshot(page, "kemensos-peta")

        await page.navigate(f"{base}/web/kemensos/penetapan")
        await settle(page, "!!document.querySelector('#r-1')")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await page.evaluate("document.querySelector('#r-1').click()")
        await fill(page, {"nomor": "146/HUK/2026", "tanggal": "2026-12-01",
                          "periode": "2026-S2"})
        await set_file(page, "#pdf", decree)
        await screenshot(page, "kemensos-penetapan")
        await submit(page, "#tetapkan")
        done = await settle(page, "document.querySelector('#selesai')?.innerText")
        assert "Ditetapkan untuk 32.73" in done
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "kemensos-ditetapkan")

        await page.navigate(f"{base}/web/kemensos/dipa")
        await settle(page, "!!document.querySelector('#unduh-dipa')")
        await fill(page, {"periode": PERIOD})
        await page.evaluate("document.querySelector('input[name=format][value=csv]').click()")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "kemensos-dipa")
        await submit(page, "#unduh-dipa")
        dipa = (await downloaded(downloads)).read_text(encoding="utf-8-sig")
        assert "Periode: 2026-S1" in dipa and "JUMLAH NASIONAL" in dipa
        assert only_from(page, base) == []
    summary = {s.region: (s.received, s.determined) for s in
               await national.summary(services.database)}
    assert summary == {"32.73": (1, 1)}


async def test_a_partner_sends_a_nik_file_as_a_job_and_downloads_the_result(
        chromium: str, site, tmp_path: Path) -> None:
    base, _, people = site
    nik_file = tmp_path / "daftar.txt"
    nik_file.write_text(f"nik\n{people['siti'].nik}\n{people['surabaya'].nik}\n"
                        "3273014707770001\n")
    downloads = tmp_path / "unduhan"
    downloads.mkdir()
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        await browser.send("Browser.setDownloadBehavior", behavior="allow",
                           downloadPath=str(downloads))
        page = await phone(browser)
        await _log_in(page, base, "/web/mitra", "kemenag")
        await settle(page, "location.pathname === '/web/mitra' && !!document.querySelector("
                           "'#berkas-tugas')")
        await fill(page, {"program": "KEMENAG_PIP"})
        await set_file(page, "#berkas-tugas", nik_file)
        await submit(page, "#kirim-tugas")
        await settle(page, "location.pathname.startsWith('/web/mitra/tugas/')")
        link = await settle(page, "document.querySelector('#unduh-hasil')?.href", 60.0)
        assert link.endswith("/hasil")
        status = await page.evaluate("document.querySelector('#status-tugas').innerText")
        assert "3 dari 3 NIK sudah diperiksa" in status
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "mitra-tugas-selesai")
        await submit(page, "#unduh-hasil")
        csv_file = await downloaded(downloads)
        lines = csv_file.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("nik,registered,desil_band,programs,conflicts")
        assert lines[1].startswith(f"{people['siti'].nik},true,")
        assert lines[3].startswith("3273014707770001,false")
        assert only_from(page, base) == []
