"""The Operator Desa's pages in headless Chromium that can reach only 127.0.0.1, on a 360 px
wide phone, with a real node app on a SQLite file and the Dukcapil sandbox: the operator logs
in, fills the new-household form, attaches the Musdes minutes (a PDF file chosen as on a
phone), submits it and sees it submitted; then the proposals, the notifications (a death
Dukcapil records, drafted) and the desa's community reports. No page scrolls sideways,
nothing loads from elsewhere. With ``SIKS_WEB_SCREENSHOTS`` set, the pages are saved for
docs/web.md (``operator-*.png``)."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from regional_node.config import NodeConfig
from regional_node.entrypoints.app import DATABASE, create_app
from regional_node.entrypoints.graphql.mutations import POPULATION_REGISTRY
from regional_node.service_layer.nik_matching import match_members
from regional_node.service_layer.unit_of_work import Actor, UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.roles import Role
from tests import factories
from tests.chromium import OfflineBrowser, chromium_or_skip
from tests.node.helpers import TEST_ACTOR, store
from tests.node.proposal_helpers import MINUTES_PDF
from tests.node.report_helpers import BANDUNG, JPEG
from tests.registry.sandbox import resident, running_sandbox
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

PASSWORD = "kata-sandi-operator-desa"
DESA = "32.73.01.1001"
USUL = """mutation($input: UsulInput!) { submitUsul(input: $input) { receiptId } }"""
SANGGAH = """mutation($input: SanggahInput!) { submitSanggah(input: $input) { receiptId } }"""


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


async def _public(base: str, query: str, **variables: Any) -> None:
    async with aiohttp.ClientSession() as http, http.post(
            f"{base}/graphql", json={"query": query, "variables": variables}) as response:
        body = await response.json()
        assert "errors" not in body, body


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    config = NodeConfig(region="32.73", db_url=f"sqlite:///{tmp_path / 'node.sqlite'}",
                        data_dir=str(tmp_path / "node"))
    async with running_sandbox(tmp_path) as sandbox:
        registry = sandbox.client()
        app = create_app(config)
        app[POPULATION_REGISTRY] = registry
        runner = web.AppRunner(app)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            base = f"http://127.0.0.1:{runner.addresses[0][1]}"
            database = runner.app[DATABASE]
            async with UnitOfWork(database, Actor("test:admin", "SYSTEM")) as uow:
                await add_user(uow, NewUser("operatorsukarasa", PASSWORD, Role.OPERATOR_DESA,
                                            DESA))
                await uow.commit()
            family = factories.household(DESA, members=2, head_name="Ahmad Fauzi")
            await store(database, [family])
            head, child = family.members
            await sandbox.add(resident(head, family.kk_number),
                              {**resident(child, family.kk_number),
                               "death_date": dt.date(2026, 9, 14).isoformat()})
            await match_members(database, registry, actor=TEST_ACTOR, node_region="32.73")
            await _public(base, USUL, input={
                "desaCode": DESA, "personName": "Siti Aminah", "address": "Gg. Mawar 3",
                "description": "janda, tiga anak, rumah bocor"})
            await _public(base, SANGGAH, input={
                "desaCode": DESA, "personName": "Budi Santoso", "address": "Jl. Contoh No. 1",
                "description": "punya dua mobil", "program": "PKH",
                "photoBase64": base64.b64encode(JPEG).decode(), "photoMediaType": "image/jpeg",
                "latitude": BANDUNG[0], "longitude": BANDUNG[1]})
            newcomers = factories.household(DESA, members=1, head_name="Wati Lestari")
            await sandbox.add_members([newcomers])
            yield base, newcomers
        finally:
            await runner.cleanup()
            await registry.close()


async def test_an_operator_proposes_a_new_household_with_the_musdes_minutes(
        chromium: str, node, tmp_path: Path) -> None:
    base, newcomers = node
    minutes = tmp_path / "ba-musdes.pdf"
    minutes.write_bytes(MINUTES_PDF)
    wati = newcomers.members[0]
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        page = await phone(browser)
        await page.navigate(f"{base}/web/usulan")
        await settle(page, "location.pathname === '/web/masuk' && !!document.querySelector("
                           "'#username')")
        await fill(page, {"username": "operatorsukarasa", "password": PASSWORD})
        await submit(page, "form[action='/web/masuk'] button.primary")
        await settle(page, "location.pathname === '/web/usulan' && "
                           "!!document.querySelector('#usulan')")
        await submit(page, "a[href='/web/usulan/baru']")
        kinds = await settle(page, "document.querySelector('#jenis-usulan')?.innerText")
        assert "Rumah tangga baru" in kinds and "Keluar program" in kinds
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await submit(page, "a[href='/web/usulan/baru/rumah-tangga-baru']")
        await settle(page, "!!document.querySelector('#formulir-usulan #kk')")
        await fill(page, {
            "kk": newcomers.kk_number, "alamat": "Gg. Melati 7 RT 03 RW 05",
            "nik_0": wati.nik, "nama_0": wati.name, "lahir_0": wati.birth_date.isoformat(),
            "jk_0": wati.sex.value, "hubungan_0": "HEAD",
            "musdes_tanggal": "2026-01-15", "musdes_nomor": "BA/12/I/2026"})
        await set_file(page, "#musdes_berkas", minutes)
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "operator-usulan-formulir")
        await submit(page, "button[name='aksi'][value='ajukan']")
        shown = await settle(page, "location.search === '?selesai=diajukan' && "
                                   "document.querySelector('main')?.innerText")
        assert "Usulan sudah diajukan." in shown and "BA/12/I/2026" in shown
        assert "NIK cocok dengan Dukcapil" in shown and wati.nik in shown
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "operator-usulan-diajukan")

        await page.navigate(f"{base}/web/usulan")
        listed = await settle(page, "document.querySelector('#usulan')?.innerText")
        assert "Rumah tangga baru" in listed and "Meninggal" in listed
        await screenshot(page, "operator-usulan")
        await page.navigate(f"{base}/web/pemberitahuan")
        notes = await settle(page, "document.querySelector('#pemberitahuan')?.innerText")
        assert "Dukcapil mencatat kematian" in notes
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "operator-pemberitahuan")
        await page.navigate(f"{base}/web/laporan")
        reports = await settle(page, "document.querySelector('#laporan')?.innerText")
        assert "Usul: Siti Aminah" in reports and "Sanggah: Budi Santoso" in reports
        await screenshot(page, "operator-laporan")
        await submit(page, "#laporan a")
        report = await settle(page, "document.querySelector('#laporan-rinci')?.innerText")
        assert "Siti Aminah" in report
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await screenshot(page, "operator-laporan-rinci")
        assert only_from(page, base) == []
