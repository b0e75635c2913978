"""One overall deadline per gateway request; every node call gets what remains of it.

The remaining budget is forwarded to the node in ``X-SIKS-Deadline-Ms`` (minus a small margin
for the network), so a node stops working on an answer nobody will wait for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

DEADLINE_HEADER = "X-SIKS-Deadline-Ms"
#: time kept back for the response to travel back and be merged
FORWARD_MARGIN_S = 0.02
#: below this there is no point starting a node call
MIN_USEFUL_S = 0.005


@dataclass(slots=True)
class Deadline:
    budget_s: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(init=False)

    def __post_init__(self) -> None:
        self.started = self.clock()

    @classmethod
    def after_ms(cls, milliseconds: int, clock: Callable[[], float] = time.monotonic
                 ) -> Deadline:
        return cls(milliseconds / 1000, clock)

    def remaining(self) -> float:
        return max(0.0, self.started + self.budget_s - self.clock())

    def expired(self) -> bool:
        return self.remaining() < MIN_USEFUL_S

    def forwarded_ms(self) -> int:
        """The budget a node is told about: what remains, minus the way back."""
        return max(1, round((self.remaining() - FORWARD_MARGIN_S) * 1000))
