"""The whole update cycle (docs/update-cycle.md, docs/sync.md) in the browsers of its four
roles, against real apps: a node of Kota Bandung on a SQLite file (the Dukcapil sandbox for
the NIK check, its relay signing with the region's key and delivering over mutual TLS) and
the gateway (its web pages and its node inbox listener, on its own SQLite file).

One new household goes round: the Operator Desa files it with the Musdes minutes (a PDF
chosen as on a phone) and the node checks the NIK with Dukcapil as it is submitted; the
Pendamping records the field visit (house photo, position) on /web/verifikasi and verifies
it; Dinas Sosial approves it in the review queue; the node's relay sends the signed record up;
Kemensos determines it on /web/kemensos/penetapan with the decree's PDF; the relay brings the
decision down, and the operator sees the decree's number on the proposal and the household
registered. Every step is a page in headless Chromium on a 360 px phone that can reach only
127.0.0.1; nothing is loaded from elsewhere and no page scrolls sideways. With
``SIKS_WEB_SCREENSHOTS`` set, each step is saved as ``siklus-*.png`` (docs/id/)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from sqlalchemy import select

from gateway.adapters.orm import NationalRecord
from gateway.config import GatewayConfig
from gateway.entrypoints.app import INBOX, SERVICES
from gateway.entrypoints.app import create_app as create_gateway
from gateway.identity.users import NewUser as GatewayUser
from gateway.identity.users import add_user as add_gateway_user
from regional_node.adapters.orm import Proposal
from regional_node.config import NodeConfig
from regional_node.entrypoints.app import DATABASE
from regional_node.entrypoints.app import create_app as create_node
from regional_node.entrypoints.graphql.mutations import POPULATION_REGISTRY
from regional_node.service_layer.unit_of_work import Actor, UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.roles import Role
from tests import factories
from tests.chromium import OfflineBrowser, Page, chromium_or_skip
from tests.node.field_helpers import BANDUNG, jpeg
from tests.node.proposal_helpers import MINUTES_PDF
from tests.registry.sandbox import running_sandbox
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

PASSWORD = "kata-sandi-siklus-uji"
DESA, KECAMATAN, KABKOTA = "32.73.01.1001", "32.73.01", "32.73"
SECRET = "sync-test-directory-secret-0123456789"
DECREE = "146/HUK/2026"
STATES = "[...document.querySelectorAll('#daftar-antrean li')].map(li => li.dataset.state)"
NODE_USERS = {"operatorsukarasa": (Role.OPERATOR_DESA, DESA),
              "pendamping-01": (Role.PENDAMPING, KECAMATAN),
              "dinsosbandung": (Role.DINSOS, KABKOTA)}


@dataclass
class Federation:
    node: str  # the node's web address
    gateway: str  # the gateway's web address
    node_app: web.Application
    gateway_app: web.Application


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@contextlib.asynccontextmanager
async def _serving(app: web.Application) -> AsyncIterator[tuple[web.AppRunner, str]]:
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        yield runner, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def federation(live_pki: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                     ) -> AsyncIterator[tuple[Federation, Any]]:
    """The gateway (web pages and its mTLS node inbox), and the node whose relay delivers to
    that inbox every 0.2 s; the operator's new family known to the Dukcapil sandbox."""
    monkeypatch.setenv("SIKS_NODE_RELAY_INTERVAL_S", "0.2")
    monkeypatch.setenv("SIKS_NODE_DIRECTORY_SECRET", SECRET)
    gateway_config = GatewayConfig(db_url=f"sqlite:///{tmp_path / 'gateway.sqlite'}",
                                   directory_secret=SECRET, pki_dir=live_pki,
                                   probe_interval_s=0, rollup_refresh_s=0)
    gateway_app = create_gateway(gateway_config, background=False, inbox_port=0)
    async with running_sandbox(tmp_path) as sandbox, \
            _serving(gateway_app) as (gateway_runner, gateway):
        inbox_port = gateway_runner.app[INBOX].addresses[0][1]
        await add_gateway_user(gateway_runner.app[SERVICES].database, GatewayUser(
            "kemensos", PASSWORD, Role.KEMENSOS, permissions=("decide",)), actor="test")
        node_app = create_node(NodeConfig(
            region=KABKOTA, db_url=f"sqlite:///{tmp_path / 'node.sqlite'}",
            data_dir=str(tmp_path / "node"), pki_dir=str(live_pki),
            gateway_url=f"https://127.0.0.1:{inbox_port}"))
        registry = sandbox.client()
        node_app[POPULATION_REGISTRY] = registry
        try:
            async with _serving(node_app) as (node_runner, node):
                async with UnitOfWork(node_runner.app[DATABASE],
                                      Actor("test:admin", "SYSTEM")) as uow:
                    for username, (role, scope) in NODE_USERS.items():
                        await add_user(uow, NewUser(username, PASSWORD, role, scope))
                    await uow.commit()
                family = factories.household(DESA, members=1, head_name="Wati Lestari",
                                             serial=7301)
                await sandbox.add_members([family])
                yield Federation(node, gateway, node_runner.app, gateway_runner.app), family
        finally:
            await registry.close()


async def _log_in(page: Page, base: str, path: str, username: str) -> None:
    await page.navigate(f"{base}{path}")  # not logged in: the login page, then back
    await settle(page, "location.pathname === '/web/masuk' && !!document.querySelector("
                       "'#username')")
    await fill(page, {"username": username, "password": PASSWORD})
    await submit(page, "form[action='/web/masuk'] button.primary")
    await settle(page, f"location.pathname === {path!r}")


async def _state(app: web.Application, pid: str) -> str:
    async with app[DATABASE].reader() as session:
        proposal = await session.get(Proposal, pid)
    assert proposal is not None
    return proposal.state


async def _until_state(app: web.Application, pid: str, state: str, seconds: float = 30.0
                       ) -> None:
    """Wait for the node's relay (its background loop, not a person) to move the proposal."""
    async with asyncio.timeout(seconds):
        for _ in range(int(seconds * 10)):
            if await _state(app, pid) == state:
                return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"the proposal is {await _state(app, pid)}, not {state}")


async def _looks_right(page: Page, name: str) -> None:
    assert await page.evaluate(NO_SIDEWAYS_SCROLL), name
    await page.evaluate("new Promise(done => requestAnimationFrame(() => "
                        "requestAnimationFrame(done)))", await_promise=True)  # painted
    await screenshot(page, name)


async def test_one_new_household_goes_round_the_cycle_in_four_browsers(
        chromium: str, federation, tmp_path: Path) -> None:
    site, family = federation
    head = family.members[0]
    minutes, photo, decree = (tmp_path / "ba-musdes.pdf", tmp_path / "rumah.jpg",
                              tmp_path / "kepmensos-146.pdf")
    minutes.write_bytes(MINUTES_PDF)
    photo.write_bytes(jpeg(gps=BANDUNG, seed=11, size=(640, 480)))
    decree.write_bytes(b"%PDF-1.4\n% Keputusan Menteri Sosial (uji)\n%%EOF\n")

    async with OfflineBrowser(chromium, tmp_path / "operator") as operator_browser:
        # 1. Operator Desa: the new household with the Musdes minutes, submitted
        operator = await phone(operator_browser)
        await _log_in(operator, site.node, "/web/usulan", "operatorsukarasa")
        await submit(operator, "a[href='/web/usulan/baru']")
        await settle(operator, "!!document.querySelector(\"a[href='/web/usulan/baru/"
                               "rumah-tangga-baru']\")")
        await submit(operator, "a[href='/web/usulan/baru/rumah-tangga-baru']")
        await settle(operator, "!!document.querySelector('#formulir-usulan #kk')")
        await fill(operator, {
            "kk": family.kk_number, "alamat": "Gg. Melati 7 RT 03 RW 05",
            "nik_0": head.nik, "nama_0": head.name, "lahir_0": head.birth_date.isoformat(),
            "jk_0": head.sex.value, "hubungan_0": "HEAD",
            "musdes_tanggal": "2026-01-15", "musdes_nomor": "BA/12/I/2026"})
        await set_file(operator, "#musdes_berkas", minutes)
        await _looks_right(operator, "siklus-01-usulan-formulir")
        await operator.evaluate("document.querySelector('#musdes_berkas').scrollIntoView()")
        await _looks_right(operator, "siklus-02-musdes")
        await submit(operator, "button[name='aksi'][value='ajukan']")
        shown = await settle(operator, "location.search === '?selesai=diajukan' && "
                                       "document.querySelector('main')?.innerText")
        # 2. the node asked Dukcapil as it was submitted
        assert "Usulan sudah diajukan." in shown and "NIK cocok dengan Dukcapil" in shown
        pid = (await operator.evaluate("location.pathname")).rsplit("/", 1)[-1]
        assert await _state(site.node_app, pid) == "NIK_VALID"
        await _looks_right(operator, "siklus-03-usulan-diajukan")
        assert only_from(operator, site.node) == []

        # 3. Pendamping: the field visit, then "Verifikasi"
        async with OfflineBrowser(chromium, tmp_path / "pendamping") as browser:
            page = await phone(browser)
            await _log_in(page, site.node, "/web/verifikasi", "pendamping-01")
            await settle(page, f"!!document.querySelector(\"option[value='usulan:{pid}']\")")
            await page.evaluate(f"document.querySelector('#rumah-tangga').value = "
                                f"'usulan:{pid}'")
            await set_file(page, "#foto", photo)
            await settle(page, "!document.querySelector('#pratinjau').hidden")
            await fill(page, {"lintang": str(BANDUNG[0]), "bujur": str(BANDUNG[1]),
                              "catatan": "rumah bilik, atap bocor"})
            await page.evaluate("document.querySelector('#rumah-tangga').scrollIntoView()")
            await _looks_right(page, "siklus-04-kunjungan")
            await submit(page, "#kunjungan button.primary")
            await settle(page, f"{STATES}.join() === 'sent'", 30.0)
            await page.evaluate("document.querySelector('#antrean').scrollIntoView()")
            await _looks_right(page, "siklus-05-kunjungan-terkirim")
            await page.navigate(f"{site.node}/web/verifikasi")
            await settle(page, f"!!document.getElementById('verifikasi-{pid}')")
            await submit(page, f"[id='verifikasi-{pid}']")
            done = await settle(page, "document.querySelector('#terverifikasi')?.innerText")
            assert f"Usulan {pid[:8]} sudah diverifikasi." in done
            await _looks_right(page, "siklus-06-terverifikasi")
            assert only_from(page, site.node) == []
        assert await _state(site.node_app, pid) == "VERIFIED"

        # 4. Dinas Sosial approves it in the review queue
        async with OfflineBrowser(chromium, tmp_path / "dinsos") as browser:
            page = await phone(browser)
            await _log_in(page, site.node, "/web/dinsos/usulan", "dinsosbandung")
            await settle(page, f"!!document.querySelector(\"a[href='/web/dinsos/usulan/"
                               f"{pid}']\")")
            await submit(page, f"a[href='/web/dinsos/usulan/{pid}']")
            detail = await settle(page, "document.querySelector('#perubahan')?.innerText")
            assert head.nik in detail
            await _looks_right(page, "siklus-07-dinsos-usulan")
            await submit(page, "#setujui")
            done = await settle(page, "location.search.includes('selesai=setuju') && "
                                      "document.querySelector('main')?.innerText")
            assert "Disetujui" in done
            await _looks_right(page, "siklus-08-disetujui")
            assert only_from(page, site.node) == []

        # 5. the node's relay sends the signed record up to the gateway's inbox
        await _until_state(site.node_app, pid, "RECEIVED_NATIONAL")
        async with site.gateway_app[SERVICES].database.reader() as session:
            [record] = (await session.execute(select(NationalRecord))).scalars().all()
        assert record.region == KABKOTA and record.state == "RECEIVED"

        # 6. Kemensos determines it with the decree
        async with OfflineBrowser(chromium, tmp_path / "kemensos") as browser:
            page = await phone(browser)
            await _log_in(page, site.gateway, "/web/kemensos/penetapan", "kemensos")
            await settle(page, "!!document.querySelector('#r-1')")
            listed = await page.evaluate("document.querySelector('main').innerText")
            assert "Sukarasa" in listed and "BA/12/I/2026" in listed
            await page.evaluate("document.querySelector('#r-1').click()")
            await fill(page, {"nomor": DECREE, "tanggal": "2026-12-01", "periode": "2026-S2"})
            await set_file(page, "#pdf", decree)
            await _looks_right(page, "siklus-09-penetapan")
            await page.evaluate("document.querySelector('#nomor').scrollIntoView()")
            await _looks_right(page, "siklus-10-keputusan")
            await submit(page, "#tetapkan")
            done = await settle(page, "document.querySelector('#selesai')?.innerText")
            assert f"Ditetapkan untuk {KABKOTA}" in done
            await _looks_right(page, "siklus-11-ditetapkan")
            assert only_from(page, site.gateway) == []

        # 7. the relay brings the decision down; the operator sees the decree's number
        await _until_state(site.node_app, pid, "DETERMINED")
        await operator.navigate(f"{site.node}/web/usulan/{pid}")
        decided = await settle(operator, "document.querySelector('#sk')?.innerText")
        assert DECREE in decided and "2026-S2" in decided
        assert "Ditetapkan" in await operator.evaluate(
            "document.querySelector('#keadaan').innerText")
        await _looks_right(operator, "siklus-12-sk")
        await submit(operator, "#usulan-rinci a[href^='/web/rumah-tangga/']")
        household = await settle(operator, "location.pathname.startsWith('/web/rumah-tangga/')"
                                           " && document.querySelector('main')?.innerText")
        assert head.nik in household and "Terdaftar di DTKS" in household
        assert f"Keputusan Menteri Sosial nomor {DECREE} tanggal 2026-12-01, periode 2026-S2" in \
            household
        await _looks_right(operator, "siklus-13-rumah-tangga")
        await operator.navigate(f"{site.node}/web/usulan")
        listed = await settle(operator, "document.querySelector('#usulan')?.innerText")
        assert f"keputusan {DECREE}" in listed
        assert only_from(operator, site.node) == []
