"""The time, as the service layer sees it: the system clock, or one a test (or a demo) moves.

Use cases that depend on the date (due dates, expiry) take ``now`` from a :class:`Clock`, so
a 14-day expiry can be tested without waiting 14 days.
"""

from __future__ import annotations

import datetime as dt


class Clock:
    """The system clock in UTC, shifted by :attr:`offset` (zero unless moved)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._fixed = start
        self.offset = dt.timedelta(0)

    def now(self) -> dt.datetime:
        base = self._fixed if self._fixed is not None else dt.datetime.now(dt.UTC)
        return (base + self.offset).astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta) -> None:
        self.offset += delta


SYSTEM_CLOCK = Clock()
