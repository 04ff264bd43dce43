"""Figures the summary charts draw, aggregated to a few rows (never a point per event).

Pure: plain rows, which the push component draws (push/payload.py), and the same rows as small
pandas frames, which the Altair charts of the fallback draw: the same numbers whatever draws them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from sync_monitor.dotoro.models import JobState

from .snapshot import Finished, Snapshot

STATES = ["Syncing", "Queued", "Failed (24 h)"]


@dataclass(frozen=True)
class StateRow:
    state: str  # one of STATES
    platform: str  # the platform's label
    syncs: int


@dataclass(frozen=True)
class RateRow:
    platform: str
    finished: int  # completed or failed in the window
    failed: int

    @property
    def rate(self) -> float:
        return self.failed / self.finished


@dataclass(frozen=True)
class HourRow:
    hour: datetime  # the hour's start
    platform: str
    syncs: int


def state_rows(snap: Snapshot) -> list[StateRow]:
    """Syncs by state and platform, now (only the pairs that have any)."""
    counts: Counter[tuple[str, str]] = Counter()
    syncing, queued, failed = STATES
    counts.update((syncing, a.platform.label) for a in snap.active)
    counts.update((queued, p.platform.label) for p in snap.pending)
    counts.update((failed, f.platform.label) for f in snap.failed)
    return [StateRow(s, p, n) for (s, p), n in counts.items()]


def _recent(finished: Iterable[Finished], now: datetime, hours: int) -> list[Finished]:
    since = now - timedelta(hours=hours)
    return [
        f for f in finished if f.at >= since and f.outcome in (JobState.COMPLETED, JobState.FAILED)
    ]


def rate_rows(finished: Iterable[Finished], now: datetime, hours: int = 24) -> list[RateRow]:
    """Per platform: syncs finished in the last `hours`, and how many failed."""
    total: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for f in _recent(finished, now, hours):
        total[f.platform.label] += 1
        failed[f.platform.label] += f.outcome is JobState.FAILED
    return [RateRow(p, total[p], failed[p]) for p in sorted(total)]


def hour_rows(finished: Iterable[Finished], now: datetime, hours: int = 12) -> list[HourRow]:
    """Syncs finished per hour and platform over the last `hours` (whole hours, zero-filled for
    the platforms seen); empty when nothing finished in that time."""
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    counts: Counter[tuple[datetime, str]] = Counter()
    for f in finished:
        if start <= f.at < end and f.outcome in (JobState.COMPLETED, JobState.FAILED):
            counts[(f.at.replace(minute=0, second=0, microsecond=0), f.platform.label)] += 1
    if not counts:
        return []
    platforms = sorted({p for _, p in counts})
    hours_ = [start + timedelta(hours=h) for h in range(hours)]
    return [HourRow(h, p, counts[(h, p)]) for h in hours_ for p in platforms]


def state_counts(snap: Snapshot) -> pd.DataFrame:
    """`state_rows` as a frame."""
    rows = [{"state": r.state, "platform": r.platform, "syncs": r.syncs} for r in state_rows(snap)]
    return pd.DataFrame(rows, columns=["state", "platform", "syncs"])


def failure_rates(finished: Iterable[Finished], now: datetime, hours: int = 24) -> pd.DataFrame:
    """`rate_rows` as a frame, with the rate."""
    rows = [
        {"platform": r.platform, "finished": r.finished, "failed": r.failed, "rate": r.rate}
        for r in rate_rows(finished, now, hours)
    ]
    return pd.DataFrame(rows, columns=["platform", "finished", "failed", "rate"])


def throughput(finished: Iterable[Finished], now: datetime, hours: int = 12) -> pd.DataFrame:
    """`hour_rows` as a frame, each hour labelled ("14:00", UTC: the page relabels it)."""
    rows = [
        {
            "hour": r.hour,
            "label": r.hour.strftime("%H:00"),
            "platform": r.platform,
            "syncs": r.syncs,
        }
        for r in hour_rows(finished, now, hours)
    ]
    return pd.DataFrame(rows, columns=["hour", "label", "platform", "syncs"])
