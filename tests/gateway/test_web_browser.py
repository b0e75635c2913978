"""The gateway's web pages in headless Chromium that can reach only 127.0.0.1, on a 360 px wide
phone screen, through a real gateway with real node apps behind it (mutual TLS): a citizen
chooses the desa by names and checks aid, sends an usul and checks its receipt; a partner
logs in, checks a NIK file and downloads the CSV; a POST without the CSRF token is refused.
Nothing is loaded from anywhere but the gateway, and no page scrolls sideways."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from gateway.entrypoints.app import SERVICES, create_app, refresh_snapshots
from gateway.identity.users import NewUser, add_user
from schema.enums import Program
from schema.roles import Role
from tests import factories
from tests.chromium import OfflineBrowser, chromium_or_skip
from tests.gateway.cluster import NodeCluster
from tests.gateway.conftest import gateway_config
from tests.node.helpers import store
from tests.node.report_helpers import JPEG
from tests.web_browser import (
    NO_SIDEWAYS_SCROLL,
    choose,
    downloaded,
    fill,
    only_from,
    phone,
    screenshot,
    set_file,
    settle,
    submit,
)

PASSWORD = "kata-sandi-mitra-kementan"


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
async def site(cluster: NodeCluster, dev_pki, tmp_path: Path  # type: ignore[no-untyped-def]
               ) -> AsyncIterator[tuple[str, Any]]:
    siti = factories.household("32.73.01.1001", members=3, head_name="Siti Aminah", desil=3,
                               programs=(Program.PKH,))
    await store(cluster.nodes["32.73"].database, [siti])
    runner = web.AppRunner(create_app(gateway_config(tmp_path, dev_pki, cluster),
                                      background=False))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        services = runner.app[SERVICES]
        await add_user(services.database, NewUser("mitrakementan", PASSWORD, Role.MITRA,
                                                  programs=("PKH",)), actor="test")
        await refresh_snapshots(services)
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", siti
    finally:
        await runner.cleanup()


async def test_a_citizen_checks_aid_by_names_sends_an_usul_and_checks_its_receipt(
        chromium: str, site, tmp_path: Path) -> None:
    base, _ = site
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        page = await phone(browser)
        await page.navigate(f"{base}/web/cekbansos")
        await settle(page, "typeof htmx !== 'undefined' && !!document.querySelector("
                           "'#pilih-provinsi')")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        assert await page.evaluate("document.documentElement.lang") == "id"
        await choose(page, "pilih-provinsi", "Jawa Barat", then="pilih-kabkota")
        await choose(page, "pilih-kabkota", "Kota Bandung", then="pilih-kecamatan")
        await choose(page, "pilih-kecamatan", "Sukasari", then="pilih-desa")
        await choose(page, "pilih-desa", "Sukarasa")
        await settle(page, "document.querySelector('#pilih-desa').value === '32.73.01.1001'")
        await fill(page, {"nama": "Siti Aminah"})
        await submit(page, "#cek-form button.primary")
        result = await settle(page, "document.querySelector('#hasil')?.innerText")
        assert "Terdaftar di DTKS" in result and "PKH" in result and "2026-S1" in result
        await page.evaluate("document.querySelector('#hasil').scrollIntoView()")
        await screenshot(page, "cekbansos")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)

        await page.navigate(f"{base}/web/usul")
        await choose(page, "pilih-provinsi", "Jawa Barat", then="pilih-kabkota")
        await choose(page, "pilih-kabkota", "Kota Bandung", then="pilih-kecamatan")
        await choose(page, "pilih-kecamatan", "Sukasari", then="pilih-desa")
        await choose(page, "pilih-desa", "Sukarasa")
        await settle(page, "document.querySelector('#pilih-desa').value === '32.73.01.1001'")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await fill(page, {"nama": "Ujang Sunarya", "alamat": "Gg. Mawar 3 RT 02",
                          "keterangan": "janda, tiga anak, rumah bocor"})
        await submit(page, "form[action='/web/usul'] button.primary")
        receipt = await settle(page, "document.querySelector('#nomor-tanda-terima')?.innerText")
        assert receipt.startswith("32.73:")
        await screenshot(page, "usul-terkirim")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)  # a long receipt number wraps

        await page.navigate(f"{base}/web/tanda-terima")
        await settle(page, "!!document.querySelector('#nomor')")
        await fill(page, {"nomor": receipt})
        await submit(page, "form[action='/web/tanda-terima'] button.primary")
        status = await settle(page, "document.querySelector('#status-laporan')?.innerText")
        assert status == "Diterima, menunggu operator desa"
        assert only_from(page, base) == []


async def test_a_citizen_sends_a_sanggah_with_a_photo_and_the_phones_position(
        chromium: str, site, tmp_path: Path) -> None:
    base, _ = site
    photo = tmp_path / "rumah.jpg"
    photo.write_bytes(JPEG)
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        await browser.send("Browser.grantPermissions", origin=base, permissions=["geolocation"])
        page = await phone(browser)
        await page.send("Emulation.setGeolocationOverride", latitude=-6.9147,
                        longitude=107.6098, accuracy=10)
        await page.navigate(f"{base}/web/sanggah")
        await choose(page, "pilih-provinsi", "Jawa Barat", then="pilih-kabkota")
        await choose(page, "pilih-kabkota", "Kota Bandung", then="pilih-kecamatan")
        await choose(page, "pilih-kecamatan", "Sukasari", then="pilih-desa")
        await choose(page, "pilih-desa", "Sukarasa")
        await settle(page, "document.querySelector('#pilih-desa').value === '32.73.01.1001'")
        await fill(page, {"nama": "Budi Santoso", "alamat": "Jl. Contoh No. 1",
                          "keterangan": "punya dua mobil"})
        await set_file(page, "#foto", photo)
        await submit(page, "#lokasi-saya")  # shown: the browser has a position
        status = await settle(page, "document.querySelector('#lokasi-status').textContent")
        assert status == "Lokasi sudah diisi."
        assert await page.evaluate("[document.querySelector('#lintang').value, "
                                   "document.querySelector('#bujur').value]") == [
            "-6.914700", "107.609800"]
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await page.evaluate("document.querySelector('#foto').scrollIntoView()")
        await screenshot(page, "sanggah")
        await submit(page, "form[action='/web/sanggah'] button.primary")
        receipt = await settle(page, "document.querySelector('#nomor-tanda-terima')?.innerText")
        assert receipt.startswith("32.73:")
        assert only_from(page, base) == []


async def test_a_partner_logs_in_checks_a_nik_file_and_a_post_without_the_token_is_refused(
        chromium: str, site, tmp_path: Path) -> None:
    base, siti = site
    head, unknown = siti.members[0].nik, "3273014707770001"
    nik_file = tmp_path / "nik.csv"
    nik_file.write_text(f"nik\n{head}\n{unknown}\n")
    downloads = tmp_path / "unduhan"
    downloads.mkdir()
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        await browser.send("Browser.setDownloadBehavior", behavior="allow",
                           downloadPath=str(downloads))
        page = await phone(browser)
        await page.navigate(f"{base}/web/mitra")  # not logged in: the login page
        await settle(page, "location.pathname === '/web/masuk' && !!document.querySelector("
                           "'#username')")
        refused = await page.evaluate(  # a POST without the session's CSRF token
            "fetch('/web/masuk', {method: 'POST', body: new URLSearchParams({username: "
            "'mitrakementan', password: " + json.dumps(PASSWORD) + "})})"
            ".then(r => r.status)", await_promise=True)
        assert refused == 403
        await fill(page, {"username": "mitrakementan", "password": PASSWORD})
        await submit(page, "form[action='/web/masuk'] button.primary")
        await settle(page, "location.pathname === '/web/mitra' && !!document.querySelector("
                           "'#berkas')")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await set_file(page, "#berkas", nik_file)
        await submit(page, "form[action='/web/mitra'] button.primary")
        table = await settle(page, "document.querySelector('#hasil-tabel')?.innerText")
        assert head in table and unknown in table and "PKH 2026-S1" in table
        await page.evaluate("document.querySelector('#hasil').scrollIntoView()")
        await screenshot(page, "mitra-cek-silang")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)  # the wide table scrolls inside
        await submit(page, "#unduh-csv")
        csv_file = await downloaded(downloads)
        lines = csv_file.read_text(encoding="utf-8-sig").splitlines()
        assert lines[0] == "NIK,Terdaftar di DTKS,Desil,Program"
        assert lines[1].startswith(f"{head},ya,3-4,PKH:2026-S1")
        assert lines[2] == f"{unknown},tidak,,"
        assert only_from(page, base) == []
