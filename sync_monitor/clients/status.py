"""A campaign set's state as an account manager asks it: "is my client up to date?" (pure).

The states, first that holds: syncing now; waiting to sync; failing (its last finished
attempt failed and nothing succeeded since); late (its last success is more than one usual
interval past when the next was due: older than twice the set's usual interval, as Airbyte
calls a connection late); up to date; not synced yet (no success known). The usual interval
is learned from the set's own history: the mean gap between its successes of the last 30 days,
known once it has `MIN_SUCCESSES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum

from sync_monitor.dotoro.models import Platform
from sync_monitor.text import relative, zone_name
from sync_monitor.words.categories import CategoryKind, categorize

MIN_SUCCESSES = 3  # successes (30 days) before a usual interval is trusted
LATE_AFTER = 2.0  # × the usual interval since the last success: late


class SetState(StrEnum):
    SYNCING = "syncing"
    WAITING = "waiting"
    FAILING = "failing"
    LATE = "late"
    UP_TO_DATE = "up to date"
    NEVER = "not synced yet"

    @property
    def trouble(self) -> bool:
        return self in (SetState.FAILING, SetState.LATE)


@dataclass(frozen=True)
class SetStatus:
    set_id: str
    name: str
    platform: Platform
    state: SetState
    words: str  # the state in a sentence, times in UTC (say() words it for a viewer)
    last_success: datetime | None = None
    usual_s: float | None = None  # the set's usual interval between successful syncs
    failing_since: datetime | None = None
    cause: str | None = None  # why it fails, in words ("Reddit needs the account reconnected")
    progress: float | None = None  # 0..1 while syncing, when the backend says
    position: int | None = None  # 1-based, while waiting


@dataclass(frozen=True)
class Client:
    key: str  # the URL's: /clients?client=<key>
    name: str
    sets: tuple[SetStatus, ...]

    def count(self, state: SetState) -> int:
        return sum(1 for s in self.sets if s.state is state)

    @property
    def trouble(self) -> int:
        return sum(1 for s in self.sets if s.state.trouble)


@dataclass(frozen=True)
class Board:
    at: datetime
    clients: tuple[Client, ...]

    def client(self, key: str) -> Client | None:
        return next((c for c in self.clients if c.key == key), None)

    def late(self) -> list[tuple[Client, SetStatus]]:
        return [(c, s) for c in self.clients for s in c.sets if s.state is SetState.LATE]

    def failing(self) -> list[tuple[Client, SetStatus]]:
        return [(c, s) for c in self.clients for s in c.sets if s.state is SetState.FAILING]


def cause(error: str | None, platform: Platform) -> str:
    """Why a set fails, as a client's account manager can repeat it."""
    where = platform.label if platform is not Platform.OTHER else "The ad platform"
    kind = categorize(error).kind
    if error is None or not error.strip():
        return "the reason was not given"
    return {
        CategoryKind.CREDENTIALS: f"{where} needs the account reconnected",
        CategoryKind.RATE_LIMIT: f"{where} is limiting requests (a later retry usually works)",
        CategoryKind.VALIDATION: f"{where} rejected a campaign's settings",
        CategoryKind.OUTAGE: f"{where} was unavailable",
        CategoryKind.TIMEOUT: "the sync took too long and was stopped",
    }.get(kind, f"{where} did not take the changes")


def every(seconds: float) -> str:
    """'every hour', 'every 30 min', 'every 6 h', 'every day', 'every 3 days'."""
    minutes = round(seconds / 60)
    if minutes < 55:
        return f"every {max(1, minutes)} min"
    hours = round(seconds / 3600)
    if hours <= 1:
        return "every hour"
    if hours < 22:
        return f"every {hours} h"
    days = round(seconds / 86400)
    return "every day" if days <= 1 else f"every {days} days"


def weekday_time(when: datetime, tz: tzinfo) -> str:
    """'Tue 14:02 UTC' in the viewer's zone."""
    local = when.astimezone(tz)
    return f"{local:%a %H:%M} {zone_name(local)}"


def say(status: SetStatus, now: datetime, tz: tzinfo = UTC) -> str:
    """The set's state in a sentence, its times in `tz`."""
    state = status.state
    if state is SetState.SYNCING:
        if status.progress is None:
            return "Syncing now"
        return f"Syncing now ({round(status.progress * 100)} %)"
    if state is SetState.WAITING:
        return "Waiting to sync" + (
            f" ({_ordinal(status.position)} in line)" if status.position else ""
        )
    if state is SetState.FAILING:
        since = f" since {weekday_time(status.failing_since, tz)}" if status.failing_since else ""
        return f"Failing{since}: {status.cause or 'the reason was not given'}"
    if state is SetState.LATE and status.usual_s is not None:
        return (
            f"Late: last synced {relative(status.last_success, now)}, "
            f"usually {every(status.usual_s)}"
        )
    if state is SetState.NEVER:
        return "Not synced yet"
    return f"Up to date (synced {relative(status.last_success, now)})"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
