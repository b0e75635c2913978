"""The gateway's GraphiQL works with no internet access: headless Chromium that can reach only
127.0.0.1 loads the IDE from the gateway, runs a federated query with the IDE's own button,
and reads the nodes' combined answer from the page."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web

from gateway.entrypoints.app import create_app
from tests.chromium import OfflineBrowser, chromium_or_skip
from tests.gateway.conftest import as_kemensos, gateway_config

QUERY = "{ householdCounts(groupBy: [PROVINCE]) { provinceCode households } }"
RESULT_TEXT = """(() => {
  const pane = document.querySelector(".result-window .CodeMirror");
  return pane && pane.CodeMirror ? pane.CodeMirror.getValue() : "";
})()"""


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


async def test_gateway_graphiql_loads_offline_and_runs_a_federated_query(
        chromium, cluster, dev_pki, tmp_path: Path):  # type: ignore[no-untyped-def]
    await cluster.seed("32.73", [2])
    await cluster.seed("35.78", [1])
    runner = web.AppRunner(create_app(gateway_config(tmp_path, dev_pki, cluster),
                                      background=False, principal_of=as_kemensos))
    await runner.setup()
    try:
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        base = f"http://127.0.0.1:{runner.addresses[0][1]}"
        async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
            page = await browser.new_page()
            await page.navigate(f"{base}/graphql?q={quote(QUERY)}")
            await page.wait_for("!!document.querySelector('.graphiql-execute-button')")
            result = await run_query(page)
            urls = [e["request"]["url"] for e in page.events_named("Network.requestWillBeSent")]
        assert json.loads(result)["data"] == {"householdCounts": [
            {"provinceCode": "32", "households": 2}, {"provinceCode": "35", "households": 1}]}
        assert [u for u in urls if not u.startswith((base + "/", "data:font/"))] == []
    finally:
        await runner.cleanup()


async def run_query(page):  # type: ignore[no-untyped-def]
    """Click GraphiQL's run button until a result shows (on a loaded machine the first click
    can land before the editor has wired it), at most three times."""
    for attempt in range(3):
        await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        try:
            return await page.wait_for(RESULT_TEXT, seconds=20.0,
                                       accept=lambda text: '"data"' in (text or ""))
        except TimeoutError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")

