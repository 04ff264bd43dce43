"""Which refused attempts the audit trail writes, so that nobody can flood it (issue 18). Pure,
and safe to share between threads.

A caller's refusals of one kind (say, a viewer's crafted cancels) are written one by one up to
`LISTED` per `WINDOW_SECONDS`; the rest of that window become one entry when it is over ("12
more refused cancels by alice@… within a minute"), written with the next refusal or read.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Generic, Protocol, TypeVar

LISTED = 3
WINDOW_SECONDS = 60.0
PLURALS = {"retry": "retries"}


class Refusal(Protocol):
    """What the limiter needs of an audit entry (a frozen dataclass)."""

    @property
    def at(self) -> datetime: ...
    @property
    def who(self) -> str: ...
    @property
    def action(self) -> str: ...


R = TypeVar("R", bound=Refusal)


@dataclass
class _Window(Generic[R]):
    start: datetime
    listed: int = 0
    held: int = 0
    last: R | None = None  # the newest held back


class Limiter(Generic[R]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], _Window[R]] = {}

    def admit(self, refusal: R) -> list[R]:
        """The entries to write now for `refusal`: the summaries of windows over by its time,
        then the refusal itself unless its caller is past `LISTED` in this window."""
        written = self.due(refusal.at)
        with self._lock:
            window = self._windows.setdefault((refusal.who, refusal.action), _Window(refusal.at))
            if window.listed < LISTED:
                window.listed += 1
                written.append(refusal)
            else:
                window.held += 1
                window.last = refusal
        return written

    def due(self, now: datetime | None) -> list[R]:
        """The summaries of the windows over by `now` (None: all of them), which end."""
        with self._lock:
            over = []
            for key, window in self._windows.items():  # oldest first: stop at the first open
                if now is not None and (now - window.start).total_seconds() < WINDOW_SECONDS:
                    break
                over.append(key)
            windows = [self._windows.pop(key) for key in over]
        return [_summary(w.last, w.held) for w in windows if w.last is not None]


def _summary(last: R, held: int) -> R:
    kind = last.action if held == 1 else PLURALS.get(last.action, f"{last.action}s")
    message = (
        f"{held} more refused {kind} by {last.who} within a minute "
        f"(the first {LISTED} are listed one by one)."
    )
    return replace(last, target="", message=message)  # type: ignore[type-var]
