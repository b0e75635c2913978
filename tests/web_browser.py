"""Headless Chromium helpers of the web pages' browser tests (tests/chromium.py drives it):
a 360 px phone asking for Indonesian, waiting across page loads, choosing a region by name
as a person does, filling and submitting forms, files, downloads, and screenshots for the
docs."""

from __future__ import annotations

import asyncio
import base64
import json
import os
from pathlib import Path
from typing import Any

from tests.chromium import CDPError, OfflineBrowser, Page

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


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


def only_from(page: Page, base: str) -> list[str]:
    """What the page requested from anywhere but ``base`` (should be nothing)."""
    urls = [e["request"]["url"] for e in page.events_named("Network.requestWillBeSent")]
    return [u for u in urls if not u.startswith((base + "/", "data:"))]


async def set_file(page: Page, selector: str, path: Path) -> None:
    document = await page.send("DOM.getDocument")
    found = await page.send("DOM.querySelector", nodeId=document["root"]["nodeId"],
                            selector=selector)
    await page.send("DOM.setFileInputFiles", files=[str(path)], nodeId=found["nodeId"])


SCREENSHOTS = "SIKS_WEB_SCREENSHOTS"  # a folder: the browser tests save the pages they visit


async def screenshot(page: Any, name: str) -> None:
    """Save the page as ``<SIKS_WEB_SCREENSHOTS>/<name>.png`` when that folder is given (the
    docs' pictures, docs/img/web/, are made this way)."""
    folder = os.environ.get(SCREENSHOTS)
    if not folder:
        return
    shot = await page.send("Page.captureScreenshot", format="png", captureBeyondViewport=False)
    path = Path(folder) / f"{name}.png"
    await asyncio.to_thread(path.write_bytes, base64.b64decode(shot["data"]))
