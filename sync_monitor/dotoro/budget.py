"""The process's request budget: every call to the service draws on one sliding window, kept
below the service's own limit (dotoro-api.md §1: 100 requests per minute per client), so the
monitor never earns a 429 by itself.

Pure: the caller passes the clock's reading; the client holds the lock and does the waiting.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

WINDOW = 60.0  # seconds: the service counts requests per minute


class Priority(StrEnum):
    """Who asks. The status poll and a person's action have room kept for them; stream opens,
    probes and listings take what is left, and wait their turn when it is gone."""

    POLL = "poll"
    ACTION = "action"
    BACKGROUND = "background"


ACTION_ROOM = 10  # requests per minute kept for retries and cancels


def reserve_for(per_minute: int, poll_seconds: float) -> int:
    """Requests per minute kept for the status poll (one per `poll_seconds`) and actions, never
    all of the budget: background work always gets at least a tenth."""
    polls = math.ceil(WINDOW / poll_seconds)
    return min(polls + ACTION_ROOM, per_minute - max(1, per_minute // 10))


@dataclass
class RequestBudget:
    """At most `per_minute` requests in any 60 s; background ones only up to `per_minute -
    reserved`, so the poll and actions always find room."""

    per_minute: int
    reserved: int = 0
    # ... of which the poll may not take: a person's click never waits behind the poller.
    for_actions: int = 0
    _sent: deque[float] = field(default_factory=deque)

    def __post_init__(self) -> None:
        if self.per_minute < 1:
            raise ValueError(f"per_minute must be >= 1, got {self.per_minute!r}")
        if not 0 <= self.reserved < self.per_minute:
            raise ValueError(f"reserved must be in [0, per_minute), got {self.reserved!r}")
        if not 0 <= self.for_actions < self.per_minute:
            raise ValueError(f"for_actions must be in [0, per_minute), got {self.for_actions!r}")

    def limit(self, priority: Priority) -> int:
        if priority is Priority.BACKGROUND:
            return self.per_minute - self.reserved
        if priority is Priority.POLL:
            return self.per_minute - self.for_actions
        return self.per_minute

    def wait(self, priority: Priority, now: float) -> float:
        """Seconds until a request of `priority` may go (0: now)."""
        self._expire(now)
        over = len(self._sent) - self.limit(priority)
        if over < 0:
            return 0.0
        # The request may go once enough of the oldest ones have left the window.
        return max(0.0, self._sent[over] + WINDOW - now)

    def take(self, priority: Priority, now: float) -> float:
        """Spend one request now if `priority` may (returns 0), else the seconds to wait."""
        wait = self.wait(priority, now)
        if wait == 0.0:
            self._sent.append(now)
        return wait

    def sent(self, now: float) -> list[float]:
        """When the requests of the last minute went (on the clock of `now`)."""
        self._expire(now)
        return list(self._sent)

    def assume(self, times: list[float], now: float) -> None:
        """Count requests sent by someone else at `times` (on this clock) as this budget's own:
        a new collector takes over the minute its predecessor spent (the service counts per
        client address, and the replicas share one)."""
        self._sent = deque(sorted([*self._sent, *(t for t in times if t > now - WINDOW)]))

    def sent_ms(self, now: float, wall: float) -> list[int]:
        """`sent` in epoch ms, `wall` being the epoch seconds at `now`."""
        return [round((wall - (now - t)) * 1000) for t in self.sent(now)]

    def assume_ms(self, moments_ms: list[int], now: float, wall: float) -> None:
        """`assume` for moments in epoch ms, `wall` being the epoch seconds at `now`."""
        self.assume([now - (wall - ms / 1000) for ms in moments_ms], now)

    def used(self, now: float) -> int:
        """Requests sent in the last minute."""
        self._expire(now)
        return len(self._sent)

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - WINDOW:
            self._sent.popleft()
