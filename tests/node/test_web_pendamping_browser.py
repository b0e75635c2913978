"""The Pendamping's field visit in headless Chromium (a 360 px phone that can reach only
127.0.0.1), against a real node app on a SQLite file, reached through a TCP relay the test
can cut: the pendamping logs in and opens the page; the signal is lost (the relay drops every
connection and refuses new ones, and DevTools puts the page offline); the page opens again
from the service worker; a visit with a photo file and the phone's position is saved and
waits on the phone; the signal returns, the visit is sent but the node's answer is lost
(DevTools fails the response), so the phone sends it again: it is at the node exactly once;
sending it once more stores nothing more. And visits wait through a session that ended
offline, are not sent under another pendamping's login, and are sent after their own."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from PIL import Image
from sqlalchemy import func, select

from regional_node.adapters.orm import FieldVerification, Photo
from regional_node.config import NodeConfig
from regional_node.entrypoints.app import DATABASE, create_app
from regional_node.service_layer.unit_of_work import Actor, UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.roles import Role
from tests import factories
from tests.chromium import OfflineBrowser, Page, chromium_or_skip
from tests.node.field_helpers import BANDUNG, BANDUNG_50M_EAST, jpeg
from tests.node.helpers import store
from tests.web_browser import (
    NO_SIDEWAYS_SCROLL,
    fill,
    only_from,
    phone,
    screenshot,
    set_file,
    settle,
    submit,
)

PASSWORD = "kata-sandi-pendamping"
COUNT = "document.querySelector('#jumlah')?.textContent"
KEPT_PAGE = """caches.keys().then(names => Promise.all(names.map(
  name => caches.open(name).then(cache => cache.match('/web/verifikasi')))))
  .then(found => found.some(Boolean))"""
STATES = "[...document.querySelectorAll('#daftar-antrean li')].map(li => li.dataset.state)"


class Relay:
    """A TCP relay in front of the node: ``cut()`` drops every connection and refuses new
    ones (no byte reaches the node), ``restore()`` listens again on the same port."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            node_reader, node_writer = await asyncio.open_connection("127.0.0.1",
                                                                     self.target_port)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, node_writer}
        try:
            await asyncio.gather(self._pipe(reader, node_writer), self._pipe(node_reader, writer))
        finally:
            self._writers -= {writer, node_writer}

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await self._server.wait_closed()
        self._server = None

    async def restore(self) -> None:
        await self.start()


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[tuple[Relay, Any, int]]:
    config = NodeConfig(region="32.73", db_url=f"sqlite:///{tmp_path / 'node.sqlite'}",
                        data_dir=str(tmp_path / "node"))
    runner = web.AppRunner(create_app(config))
    await runner.setup()
    relay: Relay | None = None
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        database = runner.app[DATABASE]
        siti = factories.household("32.73.01.1001", head_name="Siti Aminah")
        [siti_id, *_] = await store(database, [siti, *[factories.household("32.73.01.1002")
                                                       for _ in range(3)]])
        async with UnitOfWork(database, Actor("test:admin", "SYSTEM")) as uow:
            await add_user(uow, NewUser("pendamping-01", PASSWORD, Role.PENDAMPING, "32.73.01"))
            await add_user(uow, NewUser("pendamping-02", PASSWORD, Role.PENDAMPING, "32.73.01"))
            await uow.commit()
        relay = Relay(runner.addresses[0][1])
        await relay.start()
        yield relay, database, siti_id
    finally:
        if relay is not None and relay._server is not None:
            await relay.cut()
        await runner.cleanup()


async def _network(page: Page, *, offline: bool) -> None:
    await page.send("Network.emulateNetworkConditions", offline=offline, latency=0,
                    downloadThroughput=-1, uploadThroughput=-1)


async def _log_in_and_open(page: Page, base: str, username: str = "pendamping-01") -> None:
    await page.navigate(f"{base}/web/verifikasi")
    await settle(page, "location.pathname === '/web/masuk' && !!document.querySelector("
                       "'#username')")
    await fill(page, {"username": username, "password": PASSWORD})
    await submit(page, "form[action='/web/masuk'] button.primary")
    await settle(page, "location.pathname === '/web/verifikasi' && "
                       "!!document.querySelector('#kunjungan')")


async def _signal_lost(relay: Relay, page: Page) -> None:
    await relay.cut()
    await _network(page, offline=True)
    await settle(page, "!navigator.onLine")


async def _stored(database: Any) -> list[tuple[str, int | None, float, float, str]]:
    async with database.reader() as session:
        rows = (await session.scalars(select(FieldVerification))).all()
    return [(r.id, r.household_id, r.latitude, r.longitude, r.verified_by) for r in rows]


async def _queued(page: Page) -> list[dict[str, Any]]:
    """The visits in the page's IndexedDB queue (without the photo)."""
    return await page.evaluate("""new Promise((resolve, reject) => {
      const open = indexedDB.open('siks-pendamping');
      open.onsuccess = () => {
        const all = open.result.transaction('kunjungan').objectStore('kunjungan').getAll();
        all.onsuccess = () => { open.result.close(); resolve(all.result.map(
          v => ({id: v.id, state: v.state, photoSha256: v.photoSha256,
                 hasPhoto: v.photo instanceof Blob, latitude: v.latitude,
                 longitude: v.longitude, householdId: v.householdId,
                 period: v.period || null}))); };
        all.onerror = () => reject(all.error);
      };
      open.onerror = () => reject(open.error);
    })""", await_promise=True)


async def _paused(page: Page, seconds: float = 30.0) -> dict[str, Any]:
    """The first request DevTools has paused (``Fetch.requestPaused``)."""
    async with asyncio.timeout(seconds):
        while True:
            if paused := page.events_named("Fetch.requestPaused"):
                return paused[0]
            await asyncio.sleep(0.05)


async def _resent(page: Page, seconds: float = 30.0) -> list[dict[str, Any]]:
    """The queue once the visit sent again has its answer (its period) back."""
    async with asyncio.timeout(seconds):
        while True:
            queued = await _queued(page)
            if all(visit["period"] is not None for visit in queued):
                return queued
            await asyncio.sleep(0.1)


async def _as_if_the_answer_was_lost(page: Page, visit_id: str) -> None:
    """The phone never heard the node's answer: the visit waits again, to be sent again."""
    await page.evaluate(f"""new Promise((resolve, reject) => {{
      const open = indexedDB.open('siks-pendamping');
      open.onsuccess = () => {{
        const tx = open.result.transaction('kunjungan', 'readwrite');
        const store = tx.objectStore('kunjungan');
        store.get('{visit_id}').onsuccess = (event) => {{
          const visit = event.target.result;
          visit.state = 'waiting'; visit.period = null; visit.flags = [];
          store.put(visit);
        }};
        tx.oncomplete = () => {{ open.result.close(); resolve(true); }};
        tx.onerror = () => reject(tx.error);
      }};
    }})""", await_promise=True)


async def test_a_pendamping_records_a_visit_offline_and_it_is_sent_once_when_the_signal_returns(
        chromium: str, node, tmp_path: Path) -> None:
    relay, database, siti_id = node
    base = f"http://127.0.0.1:{relay.port}"
    photo = tmp_path / "rumah.jpg"
    photo.write_bytes(jpeg(gps=BANDUNG, seed=9, size=(800, 600)))
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        await browser.send("Browser.grantPermissions", origin=base, permissions=["geolocation"])
        page = await phone(browser)
        await page.send("Emulation.setGeolocationOverride", latitude=BANDUNG_50M_EAST[0],
                        longitude=BANDUNG_50M_EAST[1], accuracy=10)
        # Indonesian by the language cookie too: the service worker's own requests do not
        # carry the Accept-Language that DevTools sets for the page alone
        await page.send("Network.setCookie", name="siks_lang", value="id", url=base)
        await _log_in_and_open(page, base)
        assert await settle(page, COUNT) == "Kunjungan menunggu dikirim: 0"
        # the service worker has kept the page and its assets, and controls the page
        await settle(page, "navigator.serviceWorker.controller !== null", 30.0)

        await _signal_lost(relay, page)
        await page.navigate(f"{base}/web/verifikasi")  # opens with no network at all
        await settle(page, "!!document.querySelector('#kunjungan') && "
                           "document.readyState === 'complete'")
        assert await settle(page, "document.querySelector('#sinyal').textContent") == (
            "Tidak ada sinyal. Kunjungan disimpan di HP ini dan dikirim saat sinyal kembali.")
        font = await page.evaluate("getComputedStyle(document.body).fontFamily")
        assert font.startswith("system-ui")  # the style sheet came from the worker's cache

        await page.evaluate(f"document.querySelector('#rumah-tangga').value = '{siti_id}'")
        await set_file(page, "#foto", photo)
        await settle(page, "!document.querySelector('#pratinjau').hidden")
        await submit(page, "#lokasi-saya")
        assert await settle(page, "document.querySelector('#lokasi-status').textContent") == (
            "Lokasi sudah diisi.")
        await fill(page, {"catatan": "rumah semi permanen, dinding bilik"})
        await page.evaluate("document.querySelector('#rumah-tangga').scrollIntoView()")
        await screenshot(page, "pendamping-kunjungan")
        await submit(page, "#kunjungan button.primary")
        assert await settle(page, f"{COUNT} === 'Kunjungan menunggu dikirim: 1' && {COUNT}")
        assert await page.evaluate(STATES) == ["waiting"]
        assert "Menunggu dikirim" in await page.evaluate(
            "document.querySelector('#daftar-antrean').innerText")
        [waiting] = await _queued(page)
        assert waiting["hasPhoto"] and waiting["photoSha256"] is None
        assert (waiting["latitude"], waiting["longitude"]) == BANDUNG_50M_EAST
        await page.evaluate("document.querySelector('#antrean').scrollIntoView()")
        await screenshot(page, "pendamping-antrean")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await asyncio.sleep(1.0)  # nothing is sent while there is no signal
        assert await _stored(database) == []

        # the signal returns, but the node's answer to the visit is lost on the way back
        await page.send("Fetch.enable", patterns=[{"urlPattern": "*/web/verifikasi/kunjungan",
                                                   "requestStage": "Response"}])
        await relay.restore()
        await _network(page, offline=False)  # the browser's `online` event sends the queue
        paused = await _paused(page)
        assert paused["responseStatusCode"] == 200  # the node has recorded it
        await page.send("Fetch.failRequest", requestId=paused["requestId"],
                        errorReason="ConnectionReset")
        await page.send("Fetch.disable")
        await settle(page, f"{STATES}.join() === 'waiting'")
        [unanswered] = await _queued(page)
        assert unanswered["photoSha256"] is not None  # the photo is not sent again
        assert len(await _stored(database)) == 1
        await submit(page, "#kirim-sekarang")  # sent again: the node finds it by its id
        await settle(page, f"{STATES}.join() === 'sent'", 30.0)
        assert await page.evaluate(COUNT) == "Kunjungan menunggu dikirim: 0"
        text = await page.evaluate("document.querySelector('#daftar-antrean').innerText")
        assert "Terkirim" in text and "Periode " in text
        await screenshot(page, "pendamping-terkirim")
        stored = await _stored(database)
        assert stored == [(waiting["id"], siti_id, BANDUNG_50M_EAST[0], BANDUNG_50M_EAST[1],
                           "user:pendamping-01")]
        [sent] = await _queued(page)
        assert sent["state"] == "sent" and not sent["hasPhoto"]  # the node has the photo

        await _as_if_the_answer_was_lost(page, waiting["id"])
        assert [v["state"] for v in await _queued(page)] == ["waiting"]
        await submit(page, "#kirim-sekarang")
        [again] = await _resent(page)
        assert again["state"] == "sent" and again["period"] == sent["period"]
        assert await _stored(database) == stored  # sent three times, stored once
        async with database.reader() as session:
            assert await session.scalar(select(func.count()).select_from(Photo)) == 1
        assert only_from(page, base) == []

        # logging out drops the kept page (the area's households), not the visits' list
        assert await page.evaluate(KEPT_PAGE, await_promise=True)
        await submit(page, "form[action='/web/keluar'] button")
        await settle(page, "location.pathname === '/web/masuk'")
        assert not await page.evaluate(KEPT_PAGE, await_promise=True)
        assert [v["id"] for v in await _queued(page)] == [waiting["id"]]


async def test_visits_wait_through_an_ended_session_and_are_sent_after_the_next_login(
        chromium: str, node, tmp_path: Path) -> None:
    relay, database, siti_id = node
    base = f"http://127.0.0.1:{relay.port}"
    photo = tmp_path / "rumah.png"  # not a JPEG: the page redraws it as one (without EXIF)
    Image.new("RGB", (640, 480), (90, 120, 60)).save(photo, "PNG")
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        page = await phone(browser)
        await page.send("Network.setCookie", name="siks_lang", value="id", url=base)
        await _log_in_and_open(page, base)
        await settle(page, "navigator.serviceWorker.controller !== null", 30.0)
        await _signal_lost(relay, page)

        await page.evaluate(f"document.querySelector('#rumah-tangga').value = '{siti_id}'")
        await set_file(page, "#foto", photo)
        await settle(page, "!document.querySelector('#pratinjau').hidden")
        await fill(page, {"lintang": "-6,9192", "bujur": "107.6366"})  # typed, a comma too
        await submit(page, "#kunjungan button.primary")
        await settle(page, f"{COUNT} === 'Kunjungan menunggu dikirim: 1'")
        # hours pass with no signal: the session ends (its cookie is gone)
        await page.send("Network.deleteCookies", name="siks_session", url=base)

        await relay.restore()
        await _network(page, offline=False)
        assert await settle(page, "document.querySelector('#sinyal').textContent.startsWith("
                                  "'Masuk lagi') && document.querySelector('#sinyal')"
                                  ".textContent") == (
            "Masuk lagi untuk mengirim kunjungan yang menunggu; kunjungan tetap tersimpan di "
            "HP ini.")
        assert await page.evaluate(STATES) == ["waiting"]
        assert await _stored(database) == []

        # another pendamping logs in on this phone: the visit is not sent as theirs
        await _log_in_and_open(page, base, "pendamping-02")
        await settle(page, "document.querySelector('#daftar-antrean').innerText.includes("
                           "'Dicatat oleh pendamping-01: dikirim saat pendamping-01 masuk.')")
        assert await page.evaluate(STATES) == ["waiting"]
        assert await _stored(database) == []
        await submit(page, "form[action='/web/keluar'] button")
        await settle(page, "location.pathname === '/web/masuk'")

        await _log_in_and_open(page, base)  # the page sends what waits as it opens
        await settle(page, f"{STATES}.join() === 'sent'", 30.0)
        [(visit_id, household, latitude, longitude, who)] = await _stored(database)
        assert (household, latitude, longitude, who) == (
            siti_id, -6.9192, 107.6366, "user:pendamping-01")
        async with database.reader() as session:
            verification = await session.get(FieldVerification, visit_id)
            assert verification is not None
            assert verification.flags == ["PHOTO_WITHOUT_GPS"]
            stored_photo = await session.get(Photo, verification.photo_sha256)
            assert stored_photo is not None and (stored_photo.width, stored_photo.height) == (
                640, 480)
        assert only_from(page, base) == []
