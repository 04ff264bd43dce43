"""Figures the summary charts draw, aggregated to small frames (never a point per event).

Pure pandas over the snapshot: the same numbers whatever draws them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

import pandas as pd

from sync_monitor.dotoro.models import JobState

from .snapshot import Finished, Snapshot

STATES = ["Syncing", "Queued", "Failed (24 h)"]


def state_counts(snap: Snapshot) -> pd.DataFrame:
    """Syncs by state and platform, now."""
    counts: Counter[tuple[str, str]] = Counter()
    for state, items in (
        ("Syncing", snap.active),
        ("Queued", snap.pending),
        ("Failed (24 h)", snap.failed),
    ):
        for item in items:
            counts[(state, item.platform.label)] += 1
    rows = [{"state": s, "platform": p, "syncs": n} for (s, p), n in counts.items()]
    return pd.DataFrame(rows, columns=["state", "platform", "syncs"])


def _recent(finished: Iterable[Finished], now: datetime, hours: int) -> list[Finished]:
    since = now - timedelta(hours=hours)
    return [
        f for f in finished if f.at >= since and f.outcome in (JobState.COMPLETED, JobState.FAILED)
    ]


def failure_rates(finished: Iterable[Finished], now: datetime, hours: int = 24) -> pd.DataFrame:
    """Per platform: syncs finished in the last `hours`, how many failed, and the rate."""
    total: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for f in _recent(finished, now, hours):
        total[f.platform.label] += 1
        failed[f.platform.label] += f.outcome is JobState.FAILED
    rows = [
        {"platform": p, "finished": total[p], "failed": failed[p], "rate": failed[p] / total[p]}
        for p in sorted(total)
    ]
    return pd.DataFrame(rows, columns=["platform", "finished", "failed", "rate"])


def throughput(finished: Iterable[Finished], now: datetime, hours: int = 12) -> pd.DataFrame:
    """Syncs finished per hour and platform over the last `hours` (whole hours, zero-filled);
    empty when nothing finished in that time."""
    end = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    start = end - timedelta(hours=hours)
    counts: Counter[tuple[datetime, str]] = Counter()
    for f in finished:
        if start <= f.at < end and f.outcome in (JobState.COMPLETED, JobState.FAILED):
            counts[(f.at.replace(minute=0, second=0, microsecond=0), f.platform.label)] += 1
    if not counts:
        return pd.DataFrame(columns=["hour", "label", "platform", "syncs"])
    platforms = sorted({p for _, p in counts})
    rows = []
    for h in range(hours):
        hour = start + timedelta(hours=h)
        label = hour.strftime("%H:00")
        rows += [
            {"hour": hour, "label": label, "platform": p, "syncs": counts[(hour, p)]}
            for p in platforms
        ]
    return pd.DataFrame(rows, columns=["hour", "label", "platform", "syncs"])
