"""An in-memory token bucket per key (a client address), for logins and public operations.

Per process: behind several replicas each holds its own buckets (documented in security.md).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    per_minute: float
    burst: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """``"30/10"``: 30 requests a minute, bursts of 10 (``"30"``: bursts of 30).
        ValueError unless the rate is positive and finite and the burst at least one."""
        per_minute, _, burst = text.strip().partition("/")
        rate = cls(float(per_minute), int(burst or per_minute))
        if not (math.isfinite(rate.per_minute) and rate.per_minute > 0 and rate.burst >= 1):
            raise ValueError(f"not a rate: {text!r}")
        return rate


class TokenBuckets:
    def __init__(self, rate: Rate, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> float:
        """0 when allowed (one token spent), else the seconds until a token is back."""
        now = self._clock()
        tokens, stamp = self._buckets.pop(key, (float(self.rate.burst), now))
        refill = self.rate.per_minute / 60.0
        tokens = min(float(self.rate.burst), tokens + (now - stamp) * refill)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / refill if refill > 0 else 60.0
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)  # the least recently seen client
        return wait
