"""Headless Chromium for end-to-end tests, driven over the DevTools protocol (CDP) with aiohttp,
with every host except 127.0.0.1 unreachable.

No playwright or selenium (they download browsers): Debian's ``chromium`` package and a CDP
websocket are enough. Without a Chromium binary the browser tests are skipped with the reason,
unless ``SIKS_TEST_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which turns the skip into a failure.
``SIKS_TEST_CHROMIUM`` may name the binary.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import aiohttp
import pytest

from service_kit.settings import env_bool

REQUIRE_BROWSER = env_bool("SIKS_TEST_REQUIRE_BROWSER")
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_or_skip() -> str:
    """The Chromium binary, or skip the test (fail it when SIKS_TEST_REQUIRE_BROWSER=1)."""
    configured = os.environ.get("SIKS_TEST_CHROMIUM")
    found = (shutil.which(configured) if configured
             else next(filter(None, map(shutil.which, _CANDIDATES)), None))
    if found is None:
        reason = (f"headless Chromium not found ({configured or ' / '.join(_CANDIDATES)}); "
                  "install it with `apt-get install -y chromium`")
        if REQUIRE_BROWSER:
            pytest.fail(f"{reason}, and SIKS_TEST_REQUIRE_BROWSER=1", pytrace=False)
        pytest.skip(f"{reason}: browser end-to-end test skipped")
    return found


class CDPError(RuntimeError):
    pass


class Page:
    """One browser tab attached over a flattened CDP session; records every event it gets."""

    def __init__(self, browser: OfflineBrowser, session_id: str) -> None:
        self._browser = browser
        self.session_id = session_id
        self.events: list[tuple[str, dict[str, Any]]] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        return await self._browser.send(method, session_id=self.session_id, **params)

    def events_named(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.events if name == method]

    def failed_loads(self) -> list[str]:
        """'url: error' for every request of this page that failed (blocked, refused, ...)."""
        urls = {e["requestId"]: e["request"]["url"]
                for e in self.events_named("Network.requestWillBeSent")}
        return [f"{urls.get(e['requestId'], '?')[:120]}: {e.get('errorText')}"
                for e in self.events_named("Network.loadingFailed")]

    async def evaluate(self, expression: str, *, await_promise: bool = False) -> Any:
        reply = await self.send("Runtime.evaluate", expression=expression, returnByValue=True,
                                awaitPromise=await_promise)
        if "exceptionDetails" in reply:
            raise CDPError(f"{expression!r} threw: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def navigate(self, url: str) -> None:
        reply = await self.send("Page.navigate", url=url)
        if reply.get("errorText"):
            raise CDPError(f"navigating to {url} failed: {reply['errorText']}")

    async def wait_for(self, expression: str, *, seconds: float = 30.0,
                       accept: Callable[[Any], bool] = bool) -> Any:
        """Poll ``expression`` until its value is accepted; the value, or TimeoutError."""
        value: Any = None
        try:
            async with asyncio.timeout(seconds):
                while True:
                    value = await self.evaluate(expression)
                    if accept(value):
                        return value
                    await asyncio.sleep(0.1)
        except TimeoutError:
            raise TimeoutError(f"after {seconds}s, {expression!r} is still {value!r}; "
                               f"failed loads: {self.failed_loads()}") from None


class OfflineBrowser:
    """``async with OfflineBrowser(binary, profile_dir) as browser``: a headless Chromium that
    can reach 127.0.0.1 only. Names resolve to nothing (host-resolver rules) and anything not
    on loopback is sent to a proxy port where nothing listens; QUIC, sync, component updates
    and background networking are off."""

    def __init__(self, binary: str, profile_dir: Path) -> None:
        self._binary = binary
        self._profile = profile_dir
        self._process: asyncio.subprocess.Process | None = None
        self._http: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._dead_port: socket.socket | None = None
        self._log: BinaryIO | None = None
        self.log_path = profile_dir.parent / f"{profile_dir.name}.log"
        self._next_id = 0
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._pages: dict[str, Page] = {}

    async def __aenter__(self) -> OfflineBrowser:
        self._profile.mkdir(parents=True, exist_ok=True)
        # Bound but never listening: connections to it are refused, and nobody else gets it.
        self._dead_port = socket.socket()
        self._dead_port.bind(("127.0.0.1", 0))
        proxy_port = self._dead_port.getsockname()[1]
        self._log = self.log_path.open("wb")
        try:
            self._process = await asyncio.create_subprocess_exec(
                self._binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                "--disable-dev-shm-usage", "--mute-audio",
                f"--user-data-dir={self._profile}",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--proxy-server=http://127.0.0.1:{proxy_port}",
                "--proxy-bypass-list=127.0.0.1",
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "about:blank",
                stdin=asyncio.subprocess.DEVNULL, stdout=self._log, stderr=self._log)
            ws_url = await self._devtools_url()
            self._http = aiohttp.ClientSession()
            self._ws = await self._http.ws_connect(ws_url, max_msg_size=0)
            self._reader = asyncio.create_task(self._read())
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._close()

    async def _devtools_url(self) -> str:
        """Chromium writes the port it picked and the browser target's path to this file."""
        marker = self._profile / "DevToolsActivePort"
        assert self._process is not None
        async with asyncio.timeout(30):
            while True:
                if self._process.returncode is not None:
                    raise CDPError(f"chromium exited with {self._process.returncode}; "
                                   f"see {self.log_path}")
                if marker.exists():
                    lines = marker.read_text().split()
                    if len(lines) >= 2:
                        return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
                await asyncio.sleep(0.05)

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = json.loads(message.data)
            if "id" in data:
                future = self._pending.pop(data["id"], None)
                if future is not None and not future.done():
                    if "error" in data:
                        future.set_exception(CDPError(str(data["error"])))
                    else:
                        future.set_result(data.get("result", {}))
            elif (page := self._pages.get(data.get("sessionId", ""))) is not None:
                page.events.append((data["method"], data.get("params", {})))
        for future in self._pending.values():
            if not future.done():
                future.set_exception(CDPError("the DevTools connection closed"))

    async def send(self, method: str, *, session_id: str | None = None,
                   **params: Any) -> dict[str, Any]:
        assert self._ws is not None
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session_id is not None:
            message["sessionId"] = session_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next_id] = future
        await self._ws.send_str(json.dumps(message))
        async with asyncio.timeout(30):
            return await future

    async def new_page(self, *, before_load: str | None = None) -> Page:
        """A new tab with Page/Runtime/Network/Log events recorded from the start; the script
        ``before_load`` runs in every document before the page's own scripts."""
        target = await self.send("Target.createTarget", url="about:blank")
        attached = await self.send("Target.attachToTarget", targetId=target["targetId"],
                                   flatten=True)
        page = Page(self, attached["sessionId"])
        self._pages[page.session_id] = page
        for domain in ("Page", "Runtime", "Network", "Log"):
            await page.send(f"{domain}.enable")
        if before_load:
            await page.send("Page.addScriptToEvaluateOnNewDocument", source=before_load)
        return page

    async def _close(self) -> None:
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await self.send("Browser.close")
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._http is not None:
            await self._http.close()
        if self._process is not None and self._process.returncode is None:
            try:
                async with asyncio.timeout(10):
                    await self._process.wait()
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
        if self._dead_port is not None:
            self._dead_port.close()
        if self._log is not None:
            self._log.close()
