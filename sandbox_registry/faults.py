"""Fault injection: make the sandbox slow, flaky or down, on purpose, over its admin API.

``POST /_sandbox/faults`` with any of these fields (the others keep their values)::

    latency_ms   int    every search waits this long before answering (default 0)
    fail_rate    float  0..1: share of searches answered with HTTP ``fail_status`` (random,
                        reproducible with ``seed``)
    fail_status  int    the status of injected failures (default 503)
    fail_next    int    the next N searches fail, deterministically
    down         bool   every search fails (``down_mode``)
    down_after   int    after N more successful searches, behave as ``down``
    down_mode    str    "error" (HTTP ``fail_status``) or "hang" (never answer in time:
                        the client's timeout fires)
    seed         int    reseeds the random failures

``DELETE /_sandbox/faults`` clears them all.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

HANG_SECONDS = 3600.0


class FaultError(ValueError):
    pass


@dataclass
class Faults:
    latency_ms: int = 0
    fail_rate: float = 0.0
    fail_status: int = 503
    fail_next: int = 0
    down: bool = False
    down_after: int | None = None
    down_mode: str = "error"
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def update(self, changes: dict[str, Any]) -> None:
        known = {k for k in asdict(self) if not k.startswith("_")}
        unknown = set(changes) - known
        if unknown:
            raise FaultError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        candidate = Faults(**{**self.public(), **changes})
        candidate.validate()
        for name in known:
            setattr(self, name, getattr(candidate, name))
        if "seed" in changes:
            self._rng.seed(self.seed)

    def validate(self) -> None:
        if not isinstance(self.latency_ms, int) or self.latency_ms < 0:
            raise FaultError("latency_ms must be a whole number ≥ 0")
        if not isinstance(self.fail_rate, int | float) or not 0 <= self.fail_rate <= 1:
            raise FaultError("fail_rate must be between 0 and 1")
        if not isinstance(self.fail_status, int) or not 400 <= self.fail_status <= 599:
            raise FaultError("fail_status must be an HTTP error status (400–599)")
        if not isinstance(self.fail_next, int) or self.fail_next < 0:
            raise FaultError("fail_next must be a whole number ≥ 0")
        if self.down_after is not None and (not isinstance(self.down_after, int)
                                            or self.down_after < 0):
            raise FaultError("down_after must be a whole number ≥ 0 or null")
        if self.down_mode not in ("error", "hang"):
            raise FaultError("down_mode must be 'error' or 'hang'")
        if not isinstance(self.down, bool):
            raise FaultError("down must be true or false")

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if not k.startswith("_")}

    def decide(self) -> str | None:
        """For one search: None (serve it), "error" or "hang". Consumes counters."""
        if self.down_after is not None:
            if self.down_after == 0:
                self.down, self.down_after = True, None
            else:
                self.down_after -= 1
        if self.down:
            return self.down_mode
        if self.fail_next > 0:
            self.fail_next -= 1
            return "error"
        if self.fail_rate and self._rng.random() < self.fail_rate:
            return "error"
        return None
