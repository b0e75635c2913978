"""The node's web pages in headless Chromium that can reach only 127.0.0.1, on a 360 px wide
phone, with a real node app on a SQLite file: an Operator Desa logs in, searches the desa's
households by a name and opens one; no page scrolls sideways, nothing loads from elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from regional_node.config import NodeConfig
from regional_node.entrypoints.app import DATABASE, create_app
from regional_node.service_layer.unit_of_work import Actor, UnitOfWork
from regional_node.service_layer.users import NewUser, add_user
from schema.enums import Program
from schema.roles import Role
from tests import factories
from tests.chromium import OfflineBrowser, chromium_or_skip
from tests.node.helpers import store
from tests.web_browser import (
    NO_SIDEWAYS_SCROLL,
    fill,
    only_from,
    phone,
    screenshot,
    settle,
    submit,
)

PASSWORD = "kata-sandi-operator-desa"


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
async def node(tmp_path: Path) -> AsyncIterator[tuple[str, Any]]:
    config = NodeConfig(region="32.73", db_url=f"sqlite:///{tmp_path / 'node.sqlite'}",
                        data_dir=str(tmp_path / "node"))
    runner = web.AppRunner(create_app(config))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        database = runner.app[DATABASE]
        siti = factories.household("32.73.01.1001", members=4, head_name="Siti Aminah",
                                   desil=2, programs=(Program.PKH, Program.BPNT))
        await store(database, [siti, *[factories.household("32.73.01.1001") for _ in range(5)]])
        async with UnitOfWork(database, Actor("test:admin", "SYSTEM")) as uow:
            await add_user(uow, NewUser("operatorsukarasa", PASSWORD, Role.OPERATOR_DESA,
                                        "32.73.01.1001"))
            await uow.commit()
        yield f"http://127.0.0.1:{runner.addresses[0][1]}", siti
    finally:
        await runner.cleanup()


async def test_an_operator_desa_logs_in_finds_a_household_and_opens_it(
        chromium: str, node, tmp_path: Path) -> None:
    base, siti = node
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        page = await phone(browser)
        await page.navigate(f"{base}/web/")
        await settle(page, "location.pathname === '/web/masuk' && !!document.querySelector("
                           "'#username')")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await fill(page, {"username": "operatorsukarasa", "password": PASSWORD})
        await submit(page, "form[action='/web/masuk'] button.primary")
        listed = await settle(page, "location.pathname === '/web/rumah-tangga' && "
                                    "document.querySelector('#daftar')?.innerText")
        assert "6 rumah tangga" in listed
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)
        await fill(page, {"nama": "siti"})
        await submit(page, "form[role='search'] button.primary")
        found = await settle(page, "location.search.includes('nama=siti') && "
                                   "document.querySelector('#daftar')?.innerText")
        assert "1 rumah tangga" in found and "Siti Aminah" in found
        await screenshot(page, "rumah-tangga")
        await submit(page, ".households a")
        detail = await settle(page, "document.querySelector('#anggota')?.innerText")
        assert all(member.nik in detail for member in siti.members)
        assert "Kepala keluarga" in detail
        await screenshot(page, "rumah-tangga-rinci")
        assert siti.kk_number in await page.evaluate("document.body.innerText")
        assert await page.evaluate(NO_SIDEWAYS_SCROLL)  # the members table scrolls inside
        assert only_from(page, base) == []
