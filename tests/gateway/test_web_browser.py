"""The gateway's web pages in headless Chromium that can reach only 127.0.0.1, on a 360 px wide
phone screen, through a real gateway with real node apps behind it (mutual TLS): a citizen
chooses the desa by names and checks aid, sends an usul and checks its receipt; a partner
logs in, checks a NIK file and downloads the CSV; a POST without the CSRF token is refused.
Nothing is loaded from anywhere but the gateway, and no page scrolls sideways."""

from __future__ import annotations

import asyncio
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
from tests.chromium import CDPError, OfflineBrowser, Page, chromium_or_skip
from tests.gateway.cluster import NodeCluster
from tests.gateway.conftest import gateway_config
from tests.gateway.web_helpers import screenshot
from tests.node.helpers import store
from tests.node.report_helpers import JPEG

PASSWORD = "kata-sandi-mitra-kementan"
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


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


async def phone(browser: OfflineBrowser) -> Page:
    """A 360 px wide phone whose browser asks for Indonesian (as a phone set to Bahasa
    Indonesia does; headless Chromium asks for en-US otherwise)."""
    page = await browser.new_page()
    await page.send("Emulation.setDeviceMetricsOverride", width=360, height=740,
                    deviceScaleFactor=2, mobile=True)
    agent = (await browser.send("Browser.getVersion"))["userAgent"]
    await page.send("Network.setUserAgentOverride", userAgent=agent,
                    acceptLanguage="id-ID,id;q=0.9")
    return page


async def settle(page: Page, expression: str, seconds: float = 20.0) -> Any:
    """Wait for ``expression`` to be truthy, across page loads (a navigation in progress
    destroys the context an evaluation runs in)."""
    async with asyncio.timeout(seconds):
        while True:
            try:
                value = await page.evaluate(expression)
                if value:
                    return value
            except CDPError:
                pass
            await asyncio.sleep(0.1)


async def choose(page: Page, select_id: str, label: str, then: str | None = None) -> None:
    """Choose an option by its visible name, as a person does, and wait for htmx to bring the
    list ``then`` (choosing again if the change landed before htmx had wired the list)."""
    await settle(page, f"typeof htmx !== 'undefined' && !!document.querySelector("
                       f"'#{select_id}') && [...document.querySelector('#{select_id}').options]"
                       f".some(o => o.text === {json.dumps(label)})")
    pick = f"""(() => {{
      const select = document.querySelector('#{select_id}');
      select.value = [...select.options].find(o => o.text === {json.dumps(label)}).value;
      select.dispatchEvent(new Event('change', {{bubbles: true}}));
    }})()"""
    if then is None:
        await page.evaluate(pick)
        return
    for attempt in range(3):
        await page.evaluate(pick)
        try:
            await settle(page, f"document.querySelector('#{then}')?.options.length > 1", 5.0)
            return
        except TimeoutError:
            if attempt == 2:
                raise


async def fill(page: Page, values: dict[str, str]) -> None:
    await page.evaluate(f"""(() => {{
      for (const [id, value] of Object.entries({json.dumps(values)}))
        document.getElementById(id).value = value;
    }})()""")


async def submit(page: Page, selector: str) -> None:
    await page.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
    await asyncio.sleep(0.2)


async def downloaded(folder: Path, seconds: float = 20.0) -> Path:
    """The CSV file the browser saved into ``folder`` (once complete)."""
    for _ in range(int(seconds * 10)):
        files = await asyncio.to_thread(lambda: sorted(folder.glob("*.csv")))
        if files:
            return files[0]
        await asyncio.sleep(0.1)
    raise TimeoutError(f"no CSV downloaded into {folder}")


def only_gateway(page: Page, base: str) -> list[str]:
    urls = [e["request"]["url"] for e in page.events_named("Network.requestWillBeSent")]
    return [u for u in urls if not u.startswith((base + "/", "data:"))]


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
        assert only_gateway(page, base) == []


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
        assert only_gateway(page, base) == []


async def set_file(page: Page, selector: str, path: Path) -> None:
    document = await page.send("DOM.getDocument")
    found = await page.send("DOM.querySelector", nodeId=document["root"]["nodeId"],
                            selector=selector)
    await page.send("DOM.setFileInputFiles", files=[str(path)], nodeId=found["nodeId"])


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
        assert only_gateway(page, base) == []
