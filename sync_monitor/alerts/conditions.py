"""What an alert is about (pure): a condition a rule found, a rule's verdict, the thresholds,
and the links into the monitor's pages that an alert carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlencode


class Rule(StrEnum):
    FAILURE_RATE = "failure-rate"
    NOTHING_FINISHED = "nothing-finished"
    LONG_WAIT = "long-wait"
    FAILS_IN_A_ROW = "fails-in-a-row"
    CLIENT_LATE = "client-late"


@dataclass(frozen=True)
class Condition:
    """Something wrong now. `key` names what it is about (`failure-rate:reddit`,
    `fails-in-a-row:<set id>`): one alert per key at a time. Title and detail are plain text
    (they may hold the backend's words: whoever shows them escapes them)."""

    key: str
    rule: Rule
    title: str
    detail: str
    link: str


@dataclass(frozen=True)
class Verdict:
    """What one rule found: the conditions that hold now. A rule that cannot tell (no history,
    a stale live state, no clients' board yet) gives no verdict, so that its firing alerts stay
    firing rather than end for want of evidence."""

    rule: Rule
    conditions: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Thresholds:
    """The rules' limits (the SYNC_MONITOR_ALERT_* settings)."""

    nothing_finished_minutes: float = 30.0
    wait_minutes: float = 30.0
    fails_in_a_row: int = 3
    min_finished: int = 10  # finished attempts in the hour before a failure rate counts
    # The failure rate fires at or above max(usual × RATE_FACTOR, usual + RATE_POINTS) and
    # ends only below max(usual × RESOLVE_FACTOR, usual + RESOLVE_POINTS): hysteresis, so a
    # rate hovering at the line does not fire again and again.
    rate_factor: float = 2.0
    rate_points: float = 0.20
    resolve_factor: float = 1.5
    resolve_points: float = 0.10


def analysis_link(public_url: str, **query: str) -> str:
    """The analysis page filtered to `query` (its URL's names: window, platform, set, state)."""
    return f"{public_url}/analysis?{urlencode(query)}"


def client_link(public_url: str, key: str) -> str:
    """The clients page opened on one client."""
    return f"{public_url}/clients?{urlencode({'client': key})}"


def live_link(public_url: str) -> str:
    """The live page (the root URL): where the running and queued syncs are."""
    return f"{public_url}/"
