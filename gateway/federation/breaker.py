"""A circuit breaker per node: stop calling a node that keeps failing, try again later.

CLOSED: calls go through; ``failure_threshold`` consecutive failures open the circuit.
OPEN: calls are refused at once (``CIRCUIT_OPEN``) for ``reset_after_s``.
HALF_OPEN: one trial call goes through; success closes the circuit, failure reopens it.
Only failures of the node (unreachable, timed out, 5xx) count, not errors in the query.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class CircuitState(StrEnum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(slots=True)
class CircuitBreaker:
    failure_threshold: int = 5
    reset_after_s: float = 10.0
    clock: Callable[[], float] = time.monotonic
    _failures: int = field(default=0, init=False)
    _opened_at: float | None = field(default=None, init=False)
    _trial_in_flight: bool = field(default=False, init=False)

    @property
    def state(self) -> CircuitState:
        if self._opened_at is None:
            return CircuitState.CLOSED
        if self.clock() - self._opened_at >= self.reset_after_s:
            return CircuitState.HALF_OPEN
        return CircuitState.OPEN

    def allow(self) -> bool:
        """Whether a call may go out now; in HALF_OPEN only one trial at a time."""
        state = self.state
        if state is CircuitState.CLOSED:
            return True
        if state is CircuitState.HALF_OPEN and not self._trial_in_flight:
            self._trial_in_flight = True
            return True
        return False

    def record_success(self) -> None:
        self._failures = 0
        self._opened_at = None
        self._trial_in_flight = False

    def record_failure(self) -> None:
        self._trial_in_flight = False
        if self._opened_at is not None:  # the trial failed: open again, full wait
            self._opened_at = self.clock()
            return
        self._failures += 1
        if self._failures >= self.failure_threshold:
            self._opened_at = self.clock()

    def release(self) -> None:
        """A call ended without saying anything about the node's health (e.g. a query
        error): let the next trial go out."""
        self._trial_in_flight = False
