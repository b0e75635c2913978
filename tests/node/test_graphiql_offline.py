"""GraphiQL works with no internet access: a real node app on loopback, a headless Chromium
that can reach nothing but 127.0.0.1, the IDE loaded from the node itself, a query typed into
the URL and run with the IDE's own button, and the node's answer read back from the page."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import web

from regional_node.config import NodeConfig
from regional_node.entrypoints.app import DATABASE, create_app
from tests.chromium import OfflineBrowser, chromium_or_skip
from tests.factories import household
from tests.node.helpers import store

# One storage backend is enough: this tests the browser side, not the database.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# Anonymous (no token in the IDE): an aggregate the PUBLIC role may read (docs/security.md;
# ten households, so not a small cell the public is not shown).
QUERY = "{ householdCounts(groupBy: []) { households members } }"

# Installed before any page script runs: records Content-Security-Policy violations.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""

# The text of GraphiQL's (CodeMirror) result pane, once it holds a response.
RESULT_TEXT = """(() => {
  const pane = document.querySelector(".result-window .CodeMirror");
  return pane && pane.CodeMirror ? pane.CodeMirror.getValue() : "";
})()"""


@pytest.fixture
def chromium() -> str:
    return chromium_or_skip()


@pytest.fixture
async def node_url(database_url: str) -> Any:
    """A node for 32.73 with ten households, served on a free loopback port."""
    app = create_app(NodeConfig(region="32.73", db_url=database_url))
    runner = web.AppRunner(app)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        records = [household(head_name="Siti Aminah"),
                   *(household(head_name=f"Warga {i}") for i in range(9))]
        await store(app[DATABASE], records)
        host, port = runner.addresses[0][:2]
        yield f"http://{host}:{port}", records
    finally:
        await runner.cleanup()


async def test_graphiql_loads_offline_and_runs_a_query(chromium: str, node_url: Any,
                                                       tmp_path: Path) -> None:
    base, records = node_url
    async with OfflineBrowser(chromium, tmp_path / "chromium-profile") as browser:
        # The harness is really offline: what strawberry's stock page needs is unreachable.
        probe = await browser.new_page()
        outcome = await probe.evaluate(
            "fetch('https://unpkg.com/react@18.2.0/umd/react.production.min.js')"
            ".then(() => 'reached', () => 'unreachable')", await_promise=True)
        assert outcome == "unreachable", "the browser can reach the internet; test is void"

        page = await browser.new_page(before_load=RECORD_CSP_VIOLATIONS)
        await page.navigate(f"{base}/graphql?q={quote(QUERY)}")
        await page.wait_for("!!document.querySelector('.graphiql-execute-button')")
        await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        result = await page.wait_for(RESULT_TEXT, accept=lambda text: '"data"' in (text or ""))

        assert json.loads(result) == {"data": {"householdCounts": [
            {"households": len(records), "members": sum(len(r.members) for r in records)}]}}

        urls = [event["request"]["url"] for event in page.events_named("Network.requestWillBeSent")]
        # data: URLs are the fonts GraphiQL's CSS inlines; everything else comes from the node.
        off_node = [url[:120] for url in urls
                    if not url.startswith((base + "/", "data:font/"))]
        assert off_node == [], f"the page asked for something the node does not serve: {off_node}"
        for asset in ("react-18.2.0/react.production.min.js", "graphiql-3.8.3/graphiql.min.js",
                      "graphiql-3.8.3/graphiql.min.css",
                      "graphiql-plugin-explorer-1.0.2/index.umd.js"):
            assert any(url.startswith(f"{base}/graphiql/assets/{asset}?v=") for url in urls), asset
        # The answer came from the IDE's own fetcher posting the query to the node.
        posted = [event["request"] for event in page.events_named("Network.requestWillBeSent")
                  if event["request"]["method"] == "POST"]
        assert any(r["url"] == f"{base}/graphql" and "householdCounts" in r.get("postData", "")
                   for r in posted), posted

        statuses = {event["response"]["url"]: event["response"]["status"]
                    for event in page.events_named("Network.responseReceived")}
        assert {url: status for url, status in statuses.items() if status != 200} == {}
        assert page.failed_loads() == []
        assert [e["exceptionDetails"] for e in page.events_named("Runtime.exceptionThrown")] == []
        assert await page.evaluate("window.__cspViolations") == []
