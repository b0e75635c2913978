"""Login throttling beyond the per-address bucket, shared by the node and the gateway
(OWASP's "device cookies" against online guessing):

* **Per account, with backoff.** After :data:`FREE_FAILURES` wrong passwords in a row for one
  username (known or not: the answer must not reveal which), the account is locked for
  :data:`FIRST_BACKOFF_S` seconds, doubling with each further failure up to
  :data:`MAX_BACKOFF_S`. While locked, a login is refused (429, ``Retry-After``) without
  checking the password, from any address. A success resets the count.
* **Known devices.** A successful login returns a ``device_token`` (an HMAC of the username and
  a random nonce, under a per-process key). A later login for that username that presents it
  skips both the address bucket and the account lock: the right password gets through a
  throttled address, or an account under attack, from a device the user logged in from
  before. Wrong passwords with a device token count against that token; after
  :data:`DEVICE_FAILURES` it is no longer trusted.
* **After the window** the right password gets through from anywhere: the lock and the bucket
  only delay, they never lock a user out for good.

State is in memory, per process (like :mod:`service_kit.ratelimit`): a restart forgets the
counts and the device tokens (a user then logs in as from a new device).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FREE_FAILURES = 5
FIRST_BACKOFF_S = 30.0
MAX_BACKOFF_S = 900.0
DEVICE_FAILURES = 5
MAX_KEYS = 100_000


@dataclass(slots=True)
class _Failures:
    count: int = 0
    locked_until: float = 0.0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class LoginGuard:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic,
                 key: bytes | None = None) -> None:
        self.clock = clock
        self._key = key or secrets.token_bytes(32)
        self._accounts: OrderedDict[str, _Failures] = OrderedDict()
        self._devices: OrderedDict[str, int] = OrderedDict()

    # --- devices ------------------------------------------------------------------------

    def device_token(self, username: str) -> str:
        """A token naming this device for ``username``, given after a successful login."""
        nonce = _b64(secrets.token_bytes(16))
        return f"{nonce}.{self._mac(username, nonce)}"

    def known_device(self, username: str, token: object) -> str | None:
        """The device's nonce when ``token`` was issued for ``username`` and is still
        trusted; else None."""
        if not isinstance(token, str):
            return None
        nonce, _, mac = token.partition(".")
        if not nonce or not hmac.compare_digest(mac, self._mac(username, nonce)):
            return None
        return nonce if self._devices.get(nonce, 0) < DEVICE_FAILURES else None

    def _mac(self, username: str, nonce: str) -> str:
        message = f"{len(username)}:{username}:{nonce}".encode()
        return _b64(hmac.new(self._key, message, hashlib.sha256).digest())

    # --- accounts -----------------------------------------------------------------------

    def account_wait(self, username: str) -> float:
        """0 when ``username`` may try a password now, else the seconds its lock lasts."""
        state = self._accounts.get(username)
        return 0.0 if state is None else max(0.0, state.locked_until - self.clock())

    def failed(self, username: str, device: str | None) -> None:
        """A wrong password: against the device when one was presented, else the account."""
        if device is not None:
            self._devices[device] = self._devices.pop(device, 0) + 1
            _trim(self._devices)
            return
        state = self._accounts.pop(username, None) or _Failures()
        state.count += 1
        if state.count >= FREE_FAILURES:
            backoff = FIRST_BACKOFF_S * 2 ** (state.count - FREE_FAILURES)
            state.locked_until = self.clock() + min(MAX_BACKOFF_S, backoff)
        self._accounts[username] = state
        _trim(self._accounts)

    def succeeded(self, username: str, device: str | None) -> None:
        self._accounts.pop(username, None)
        if device is not None:
            self._devices.pop(device, None)


def _trim(table: OrderedDict[str, Any]) -> None:
    while len(table) > MAX_KEYS:
        table.popitem(last=False)  # the least recently touched
