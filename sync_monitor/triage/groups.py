"""Failures grouped by cause, and what needs attention first (issue 23). Pure.

A cause is a category × error signature × platform: "Reddit Ads API error 429: retry after 6 s
(request 9f2c…)" on two Reddit sets is one cause, seen twice; the same text on Meta is another
(the fix is made per platform). Forty failures read as three lines, each with its category.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sync_monitor.dotoro.models import Platform
from sync_monitor.history.groups import Cause
from sync_monitor.history.signature import signature
from sync_monitor.live.snapshot import FailedView, PendingView, Snapshot
from sync_monitor.text import truncate
from sync_monitor.words.categories import NO_REASON, CategoryKind, categorize

NO_TEXT_LABEL = "No reason given"  # as a failure row says it (push/rows.py)


@dataclass(frozen=True)
class CauseState:
    """What the history says of a cause (triage/states.py reads it once a minute)."""

    state: str  # history/groups.py GroupState: new, ongoing, regressed, escalating, resolved
    recovery: timedelta | None  # the median time its sets took to recover, if any did


@dataclass(frozen=True)
class FailureGroup:
    """The failures of one cause, newest first."""

    key: str  # stable while the cause is listed: "<category>.<platform>.<hash of signature>"
    kind: CategoryKind
    label: str  # the category, in words
    advice: str
    retry_helps: bool
    platform: Platform
    signature: str  # "" when the service gave no text
    example: str  # the newest failure's error, cut short (or NO_REASON)
    failures: tuple[FailedView, ...]

    @property
    def cause(self) -> Cause:
        """As the history keys it: its states come from there (triage/states.py)."""
        return Cause(self.kind.value, self.signature, self.platform.value)

    @property
    def count(self) -> int:
        return len(self.failures)

    @property
    def set_ids(self) -> tuple[str, ...]:
        """The sets that failed with this cause, each once, newest failure first."""
        return tuple(dict.fromkeys(f.set_id for f in self.failures))

    @property
    def first_at(self) -> datetime | None:
        times = [f.failed_at for f in self.failures if f.failed_at is not None]
        return min(times) if times else None

    @property
    def last_at(self) -> datetime | None:
        times = [f.failed_at for f in self.failures if f.failed_at is not None]
        return max(times) if times else None


def group_key(kind: CategoryKind, platform: Platform, cause: str) -> str:
    digest = hashlib.sha256(cause.encode()).hexdigest()[:12]
    return f"{kind.value}.{platform.value}.{digest}"


def _newest_first(failure: FailedView) -> tuple[bool, float]:
    at = failure.failed_at
    return (at is None, -at.timestamp() if at is not None else 0.0)


def failure_groups(failed: Iterable[FailedView]) -> tuple[FailureGroup, ...]:
    """The failures grouped by cause: the most failures first, then the most recent."""
    members: dict[tuple[CategoryKind, Platform, str], list[FailedView]] = {}
    for failure in failed:
        category = categorize(failure.error)
        cause = signature(failure.error)
        members.setdefault((category.kind, failure.platform, cause), []).append(failure)
    groups = []
    for (kind, platform, cause), found in members.items():
        found.sort(key=_newest_first)
        newest = found[0]
        category = categorize(newest.error)
        groups.append(
            FailureGroup(
                key=group_key(kind, platform, cause),
                kind=kind,
                label=category.label if newest.error else NO_TEXT_LABEL,
                advice=category.advice,
                retry_helps=category.retry_helps,
                platform=platform,
                signature=cause,
                example=truncate(newest.error, 160) if newest.error else NO_REASON,
                failures=tuple(found),
            )
        )
    groups.sort(key=lambda g: (-g.count, _newest_first(g.failures[0]), g.key))
    return tuple(groups)


@dataclass(frozen=True)
class Attention:
    """The triage line's facts: what is failing, what is stuck, what waits longest."""

    causes: int  # failure groups
    failures: int
    stalled: int  # running syncs with no progress for the stall time
    longest: PendingView | None  # the sync that has waited longest in the queue

    @property
    def calm(self) -> bool:
        return not (self.causes or self.stalled)


def attention(snap: Snapshot, groups: tuple[FailureGroup, ...]) -> Attention:
    longest = max(snap.pending, key=lambda p: p.waiting_s, default=None)
    return Attention(
        causes=len(groups),
        failures=sum(g.count for g in groups),
        stalled=sum(1 for a in snap.active if a.stalled),
        longest=longest,
    )
