"""Pure estimates for the UI: throughput, ETA, job-duration quantiles, queue position and wait.

The service computes none of these (dotoro-api.md §3.6): the monitor derives them from what it
observes. Where there is too little data, the answer is None ("unknown") rather than invented.
"""

import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sync_monitor.dotoro.models import Platform, Progress

MIN_SAMPLES = 3
"""Fewest observed durations from which quantiles are reported."""


def rate_per_minute(
    samples: Sequence[tuple[float, int]], window: float = 60.0, min_span: float = 2.0
) -> float | None:
    """Campaigns done per minute over the last `window` seconds.

    `samples` are (monotonic seconds, done count), oldest first. None with fewer than two samples
    in the window or under `min_span` seconds between them: events replayed after a reconnect
    arrive in a burst, and their arrival times say nothing about speed. A count that went down
    (a retried job restarts at zero, §3.2) gives 0.0, not a negative rate.
    """
    if not samples:
        return None
    newest_t, newest_done = samples[-1]
    recent = [s for s in samples if s[0] >= newest_t - window]
    if len(recent) < 2:
        return None
    oldest_t, oldest_done = recent[0]
    elapsed = newest_t - oldest_t
    if elapsed <= 0 or elapsed < min_span:
        return None
    return max(0.0, (newest_done - oldest_done) * 60.0 / elapsed)


def eta_seconds(progress: Progress, rate_per_min: float | None) -> float | None:
    """Seconds until the job should finish; 0 when done, None when unknown.

    Unknown covers a zero total (the service's "don't know", §3.4) and a missing or zero rate.
    """
    if not progress.known:
        return None
    remaining = progress.total - progress.done
    if remaining <= 0:
        return 0.0
    if rate_per_min is None or not rate_per_min > 0:
        return None
    return remaining * 60.0 / rate_per_min


def _quantile(ordered: Sequence[float], q: float) -> float:
    # Linear interpolation between closest ranks (numpy's default, "inclusive").
    pos = q * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


@dataclass(frozen=True)
class DurationStats:
    """Observed job durations in seconds, per platform."""

    samples: tuple[tuple[Platform, float], ...] = ()

    @classmethod
    def from_samples(cls, samples: Iterable[tuple[Platform, float]]) -> "DurationStats":
        """Collect (platform, seconds) pairs, dropping negative and non-finite durations."""
        return cls(tuple((p, float(d)) for p, d in samples if math.isfinite(d) and d >= 0))

    def quantiles(self, platform: Platform | None = None) -> tuple[float, float] | None:
        """(p50, p90) for `platform`, or for all platforms when it has too few samples.

        `platform=None` asks for all platforms. None when fewer than MIN_SAMPLES in all.
        """
        return self._table.get(platform, self._table.get(None))

    @cached_property
    def _table(self) -> dict[Platform | None, tuple[float, float]]:
        # Computed once per stats object: a queue of a thousand jobs asks for it a thousand
        # times per snapshot.
        table: dict[Platform | None, tuple[float, float]] = {}
        overall = sorted(d for _, d in self.samples)
        if len(overall) >= MIN_SAMPLES:
            table[None] = (_quantile(overall, 0.5), _quantile(overall, 0.9))
        for platform in {p for p, _ in self.samples}:
            chosen = sorted(d for p, d in self.samples if p == platform)
            if len(chosen) >= MIN_SAMPLES:
                table[platform] = (_quantile(chosen, 0.5), _quantile(chosen, 0.9))
        return table


@dataclass(frozen=True)
class QueueEstimate:
    """Where a pending job stands: 1-based `position`, seconds until start (p50- and p90-based),
    and `index` of the job in the caller's `pending` sequence."""

    position: int
    wait_low: float | None
    wait_high: float | None
    index: int


def _simulate(
    order: Sequence[Platform],
    running: Sequence[float | None],
    slots: int,
    which: int,
    stats: DurationStats,
) -> list[float | None]:
    overall = stats.quantiles()
    fallback = overall[which] if overall else None
    # Known slots sit in a heap of (time it frees up, slot); slots whose time is unknown are
    # only counted. Idle slots are free now. A heap keeps a queue of thousands O(n log slots).
    initial = [max(0.0, r) if r is not None else fallback for r in running]
    initial += [0.0] * (slots - len(initial))
    known = [(t, i) for i, t in enumerate(initial) if t is not None]
    heapq.heapify(known)
    unknown = slots - len(known)
    waits: list[float | None] = []
    for platform in order:
        if not known:
            waits.append(None)
            continue
        start, slot = heapq.heappop(known)
        if start > 0 and unknown:
            # An unknown slot might free earlier than the earliest known one, so the start is
            # unknown; and the earliest known slot may be the one taken, so forget it too.
            waits.append(None)
            unknown += 1
            continue
        waits.append(start)
        duration = stats.quantiles(platform)
        if duration:
            heapq.heappush(known, (start + duration[which], slot))
        else:
            unknown += 1
    return waits


def estimate_queue(
    pending: Sequence[tuple[Platform, datetime]],
    running_remaining: Sequence[float | None],
    workers: int,
    stats: DurationStats,
    ranks: Sequence[int | None] | None = None,
) -> list[QueueEstimate]:
    """Queue position and wait of each pending job, in queue order (oldest `createdAt` first).

    `pending` holds (platform, createdAt), all aware or all naive; `running_remaining` the seconds
    each running job still needs (None = unknown: the all-platform p50/p90 is assumed). `workers`
    slots (at least 1, and at least as many as jobs running) take pending jobs in order as they
    free up. Waits are None when unknown, except 0 for a job that starts on an idle slot.
    `ranks`, where known (pg-boss's own fetch order, issue 12), come first and in that order.
    """
    known = ranks or [None] * len(pending)
    order = sorted(
        range(len(pending)),
        key=lambda i: (known[i] is None, known[i] or 0, pending[i][1]),
    )
    platforms = [pending[i][0] for i in order]
    slots = max(1, workers, len(running_remaining))
    low = _simulate(platforms, running_remaining, slots, 0, stats)
    high = _simulate(platforms, running_remaining, slots, 1, stats)
    return [
        QueueEstimate(position, low[n], high[n], index)
        for n, (position, index) in enumerate(enumerate(order, start=1))
    ]


def infer_workers(max_observed_concurrency: int, configured: int | None = None) -> int:
    """Worker slots of the service: the configured number if any, else the most jobs seen
    running at once (at least 1). pg-boss concurrency is not exposed by the API (§3.6)."""
    if configured is not None:
        return max(1, configured)
    return max(1, max_observed_concurrency)
