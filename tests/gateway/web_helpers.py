"""Web page tests through the gateway: a browser-like client that keeps the session cookie
(read from Set-Cookie, sent back as a browser would over HTTPS), and the CSRF token of a
page's forms."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie
from typing import Any

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class WebUser:
    """One browser: its cookies, and the forms' CSRF token of the last page."""

    def __init__(self, client: TestClient, accept_language: str | None = None) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.headers = {"Accept-Language": accept_language} if accept_language else {}

    def _keep(self, response: ClientResponse) -> None:
        for header in response.headers.getall("Set-Cookie", []):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value

    def _cookie_header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    async def get(self, path: str, **params: str) -> tuple[int, str]:
        response = await self.client.get(path, params=params, allow_redirects=False,
                                         headers={**self.headers, **self._cookie_header()})
        return await self._read(response)

    async def post(self, path: str, data: Any, *, csrf: bool = True) -> tuple[int, str]:
        if csrf and isinstance(data, dict):
            data = {"csrf_token": self.csrf, **data}
        response = await self.client.post(path, data=data, allow_redirects=False,
                                          headers={**self.headers, **self._cookie_header()})
        return await self._read(response)

    async def _read(self, response: ClientResponse) -> tuple[int, str]:
        self._keep(response)
        self.last = response
        body = await response.text()
        found = CSRF.search(body)
        if found:
            self.csrf = found.group(1)
        return response.status, body
