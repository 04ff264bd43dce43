"""Reconnect delays for the sync stream: exponential, capped, with jitter, as a pure value object.

The service sends no `retry:` hint, so reconnect timing is the client's: 1 s, 2 s, 4 s … capped at
30 s, with jitter (dotoro-api.md §3.2). Jitter keeps many monitors from reconnecting in step.
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """Delay policy; `jitter` is the fraction by which a delay may move up or down."""

    base: float = 1.0
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if not (math.isfinite(self.base) and self.base > 0):
            raise ValueError(f"base must be > 0 and finite, got {self.base!r}")
        if not (math.isfinite(self.factor) and self.factor >= 1):
            raise ValueError(f"factor must be >= 1 and finite, got {self.factor!r}")
        if not (math.isfinite(self.cap) and self.cap >= self.base):
            raise ValueError(f"cap must be >= base and finite, got {self.cap!r}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {self.jitter!r}")

    def delay(self, attempt: int, rand: float) -> float:
        """Seconds to wait before reconnect `attempt` (1 for the first), given `rand` in [0, 1).

        `rand` is injected (e.g. `random.random()`) so the function stays pure and testable.
        """
        if attempt < 1:
            raise ValueError(f"attempt must be >= 1, got {attempt!r}")
        if not 0 <= rand < 1:
            raise ValueError(f"rand must be in [0, 1), got {rand!r}")
        # Compare in log space: factor ** attempt overflows a float long before attempts run out.
        steps = attempt - 1
        if self.factor > 1 and steps * math.log(self.factor) >= math.log(self.cap / self.base):
            raw = self.cap
        else:
            raw = min(self.cap, self.base * self.factor**steps)
        jittered = raw * (1 + self.jitter * (2 * rand - 1))
        return max(0.0, min(jittered, self.cap * (1 + self.jitter)))
