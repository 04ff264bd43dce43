"""The alert rules (pure): each reads plain facts (counts, a snapshot, streaks, the clients'
board) and gives a `Verdict`, the conditions that hold now, or None when it cannot tell."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sync_monitor.dotoro.models import Platform
from sync_monitor.live.snapshot import Snapshot
from sync_monitor.text import duration, truncate

from .conditions import (
    Condition,
    Rule,
    Thresholds,
    Verdict,
    analysis_link,
    client_link,
    live_link,
)


def platform_name(platform: Platform) -> str:
    return platform.value.capitalize()


def named(name: str) -> str:
    """A set's or client's name in quotes, as plain text (the page and each channel escape it
    as they must: this text is the backend's)."""
    return f"“{truncate(name, 80)}”" if truncate(name) else "(unnamed)"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "–"


# -- failure rate well above its usual level ------------------------------------------------


@dataclass(frozen=True)
class PlatformCounts:
    """A platform's finished attempts: in the last hour, and in the 7 days before it."""

    platform: Platform
    hour_finished: int
    hour_failed: int
    usual_finished: int
    usual_failed: int

    @property
    def rate(self) -> float:
        return self.hour_failed / self.hour_finished if self.hour_finished else 0.0

    @property
    def usual(self) -> float:
        return self.usual_failed / self.usual_finished if self.usual_finished else 0.0


def rate_limits(usual: float, t: Thresholds) -> tuple[float, float]:
    """(fires at or above, ends below) for a platform whose usual failure rate is `usual`."""
    high = min(1.0, max(usual * t.rate_factor, usual + t.rate_points))
    low = min(high, max(usual * t.resolve_factor, usual + t.resolve_points))
    return high, low


def failure_rate(
    counts: Sequence[PlatformCounts], firing: Collection[str], t: Thresholds, public_url: str
) -> Verdict:
    """Per platform: the last hour's failure rate well above its usual level (the 7 days
    before), over at least `min_finished` finished attempts. A firing alert (its key in
    `firing`) holds until the rate falls below the lower limit, or until too few attempts
    finished in the hour to say it is still high."""
    found = []
    for c in counts:
        key = f"{Rule.FAILURE_RATE}:{c.platform.value}"
        high, low = rate_limits(c.usual, t)
        enough = c.hour_finished >= t.min_finished
        holds = enough and (c.rate >= high if key not in firing else c.rate >= low)
        if not holds:
            continue
        name = platform_name(c.platform)
        usual = (
            f"usually {percent(c.usual_failed, c.usual_finished)} "
            f"(of {c.usual_finished} over the 7 days before)"
            if c.usual_finished
            else "no finished syncs in the 7 days before to compare with"
        )
        found.append(
            Condition(
                key,
                Rule.FAILURE_RATE,
                f"{name} failure rate high: {percent(c.hour_failed, c.hour_finished)}",
                f"{name}: {c.hour_failed} of {c.hour_finished} syncs failed in the last hour "
                f"({percent(c.hour_failed, c.hour_finished)}); {usual}.",
                analysis_link(public_url, window="24h", platform=c.platform.value),
            )
        )
    return Verdict(Rule.FAILURE_RATE, tuple(found))


# -- the live state: nothing finishing, a long wait -------------------------------------------


def _live(snapshot: Snapshot) -> bool:
    """Can the live state tell? Not before the first poll, nor while it is stale (an outage's
    silence is not syncs stuck, and a frozen wait is not a wait that ended)."""
    return snapshot.loaded and snapshot.frozen_at is None and not snapshot.backend.stale


def nothing_finished(snapshot: Snapshot, t: Thresholds, public_url: str) -> Verdict | None:
    """Syncs running and none finished for `nothing_finished_minutes`: counted from the last
    finish, or from when the longest-running sync started if that is later (an idle night
    before the syncs began is not a silence)."""
    if not _live(snapshot):
        return None
    if not snapshot.active:
        return Verdict(Rule.NOTHING_FINISHED)
    now = snapshot.as_of
    running_s = max((a.elapsed_s or 0.0) for a in snapshot.active)
    last = max((f.at for f in snapshot.finished), default=None)
    quiet_s = running_s if last is None else min(running_s, (now - last).total_seconds())
    if quiet_s < t.nothing_finished_minutes * 60:
        return Verdict(Rule.NOTHING_FINISHED)
    longest = max(snapshot.active, key=lambda a: a.elapsed_s or 0.0)
    count = len(snapshot.active)
    syncs = "1 sync is" if count == 1 else f"{count} syncs are"
    return Verdict(
        Rule.NOTHING_FINISHED,
        (
            Condition(
                Rule.NOTHING_FINISHED.value,
                Rule.NOTHING_FINISHED,
                f"Nothing finished for {duration(quiet_s)}",
                f"{syncs} running and none has finished for {duration(quiet_s)}; the "
                f"longest running is {named(longest.name)} ({platform_name(longest.platform)}, "
                f"{duration(longest.elapsed_s)}).",
                live_link(public_url),
            ),
        ),
    )


def long_wait(snapshot: Snapshot, t: Thresholds, public_url: str) -> Verdict | None:
    """The longest queued sync waiting more than `wait_minutes`: one alert, whichever set it
    is (a backlog is one problem, not one per set)."""
    if not _live(snapshot):
        return None
    waiting = [p for p in snapshot.pending if not p.optimistic]
    longest = max(waiting, key=lambda p: p.waiting_s, default=None)
    if longest is None or longest.waiting_s < t.wait_minutes * 60:
        return Verdict(Rule.LONG_WAIT)
    over = sum(1 for p in waiting if p.waiting_s >= t.wait_minutes * 60)
    others = f"; {over - 1} more waiting over {duration(t.wait_minutes * 60)}" if over > 1 else ""
    return Verdict(
        Rule.LONG_WAIT,
        (
            Condition(
                Rule.LONG_WAIT.value,
                Rule.LONG_WAIT,
                f"A sync has waited {duration(longest.waiting_s)} to start",
                f"{named(longest.name)} ({platform_name(longest.platform)}) has waited "
                f"{duration(longest.waiting_s)} in the queue, {len(waiting)} queued in all"
                f"{others}.",
                live_link(public_url),
            ),
        ),
    )


# -- a set failing K times in a row ---------------------------------------------------------


@dataclass(frozen=True)
class Streak:
    """A campaign set's latest finished attempts that failed, one after another."""

    set_id: str
    name: str
    platform: Platform
    failures: int
    since: datetime  # when the first of them began
    last_error: str | None


def fails_in_a_row(streaks: Sequence[Streak], t: Thresholds, public_url: str) -> Verdict:
    found = []
    for s in streaks:
        if s.failures < t.fails_in_a_row:
            continue
        why = truncate(s.last_error, 200) if s.last_error else "the service did not say why"
        found.append(
            Condition(
                f"{Rule.FAILS_IN_A_ROW}:{s.set_id}",
                Rule.FAILS_IN_A_ROW,
                f"{truncate(s.name, 80)} failed {s.failures} times in a row",
                f"{named(s.name)} ({platform_name(s.platform)}) failed its last {s.failures} "
                f"syncs. The last error: {why}",
                analysis_link(public_url, window="7d", set=s.set_id),
            )
        )
    return Verdict(Rule.FAILS_IN_A_ROW, tuple(found))


# -- a client late (the clients' board) -----------------------------------------------------


class LateSet(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def words(self) -> str: ...  # "Late: last synced 3 h ago, usually every hour"


class LateClient(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...


class Board(Protocol):
    """What this rule reads of the clients' board (sync_monitor/clients/status.py)."""

    def late(self) -> Sequence[tuple[LateClient, LateSet]]: ...


def client_late(board: Board | None, public_url: str) -> Verdict | None:
    """One alert per client with a set late, naming its late sets; None before the board has
    been built."""
    if board is None:
        return None
    by_client: dict[str, tuple[LateClient, list[LateSet]]] = {}
    for client, status in board.late():
        by_client.setdefault(client.key, (client, []))[1].append(status)
    found = []
    for key, (client, late) in by_client.items():
        sets = "; ".join(f"{named(s.name)}: {s.words}" for s in late[:5])
        more = f" (and {len(late) - 5} more)" if len(late) > 5 else ""
        count = "a set" if len(late) == 1 else f"{len(late)} sets"
        found.append(
            Condition(
                f"{Rule.CLIENT_LATE}:{key}",
                Rule.CLIENT_LATE,
                f"{truncate(client.name, 80)}: {count} late",
                f"{truncate(client.name, 80)} has {count} late. {sets}{more}.",
                client_link(public_url, key),
            )
        )
    return Verdict(Rule.CLIENT_LATE, tuple(found))
