"""Failure-rate figures from the history's aggregates (pure pandas): the numbers the analysis
page shows, and what a notebook gets from `History.analysis`.

The store aggregates in SQL (counts per bucket, per signature, durations as one-second
histograms), so a 90-day window over a million attempts reaches Python as a few thousand rows;
this module turns those into rates, percentiles and changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import pandas as pd


@dataclass(frozen=True)
class Counts:
    attempted: int = 0
    finished: int = 0  # completed or failed (cancelled syncs are a decision, not an outcome)
    failed: int = 0
    first_finished: int = 0  # first tries that finished: attempts whose set's attempt just
    first_failed: int = 0  # before did not fail (or that have none): not retries of a failure
    sets_finished: int = 0  # sets with a finished attempt in the window ...
    sets_failed: int = 0  # ... whose latest finished attempt failed


@dataclass(frozen=True)
class Figures:
    attempted: int
    failed: int
    failure_rate: float | None  # failed ÷ finished; None: nothing finished
    first_attempt_rate: float | None  # the same, first tries only (not retries of a failure)
    final_rate: float | None  # sets whose latest attempt failed ÷ sets that finished one
    median_duration_s: float | None
    p90_duration_s: float | None
    median_wait_s: float | None


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percentile(histogram: pd.DataFrame, q: float) -> float | None:
    """The q-quantile (0..1) of values given as a histogram (columns `seconds`, `count`): the
    smallest value with at least q of the counts at or below it. None when empty."""
    if histogram.empty or int(histogram["count"].sum()) == 0:
        return None
    ordered = histogram.groupby("seconds", as_index=False)["count"].sum().sort_values("seconds")
    total = int(ordered["count"].sum())
    reached = ordered["count"].cumsum()
    rank = max(1, math.ceil(q * total))
    return float(ordered.loc[reached >= rank, "seconds"].iloc[0])


def figures(counts: Counts, durations: pd.DataFrame, waits: pd.DataFrame) -> Figures:
    return Figures(
        attempted=counts.attempted,
        failed=counts.failed,
        failure_rate=rate(counts.failed, counts.finished),
        first_attempt_rate=rate(counts.first_failed, counts.first_finished),
        final_rate=rate(counts.sets_failed, counts.sets_finished),
        median_duration_s=percentile(durations, 0.5),
        p90_duration_s=percentile(durations, 0.9),
        median_wait_s=percentile(waits, 0.5),
    )


def change(now: float | int | None, before: float | int | None) -> float | None:
    """The difference from the previous period (rates in points, counts and times as is)."""
    if now is None or before is None:
        return None
    return float(now) - float(before)


def over_time(buckets: pd.DataFrame) -> pd.DataFrame:
    """Failure rate per bucket and platform (columns bucket, platform, finished, failed)."""
    out = buckets.copy()
    out["failure_rate"] = out["failed"] / out["finished"].where(out["finished"] > 0)
    return out


def signature_table(signatures: pd.DataFrame, failed: int) -> pd.DataFrame:
    """Signatures, most frequent first, with their share of the window's failures."""
    out = signatures.sort_values(["count", "signature"], ascending=[False, True]).copy()
    out["share"] = out["count"] / failed if failed else 0.0
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Earlier:
    """The previous period's charts, when comparing."""

    over_time: pd.DataFrame  # as Analysis.over_time, moved onto this period's time; `was`: when
    by_signature: pd.DataFrame  # signature, platform, count
    durations: pd.DataFrame  # platform, seconds, count


@dataclass(frozen=True)
class Analysis:
    """Everything the analysis page draws, for one view."""

    figures: Figures
    previous: Figures | None  # the period before, when comparing
    # bucket, platform, finished, failed, failure_rate; every bucket of the window for each
    # platform with finished syncs, an empty one with finished 0 and no rate (a gap, not 0 %)
    over_time: pd.DataFrame
    by_signature: pd.DataFrame  # signature, platform, count
    durations: pd.DataFrame  # platform, seconds, count (a one-second histogram)
    # signature, category, count, share, first, last, sets, sample; comparing, also previous
    # (its failures in the period before) and change
    signatures: pd.DataFrame
    # platform, attempted, finished, failed, failure_rate; comparing, also previous_attempted,
    # previous_rate and change_pts (the rate's change in points)
    by_platform: pd.DataFrame
    at: datetime  # when the figures were computed: the attempts that began before it
    earlier: Earlier | None = None  # the period before's charts, when comparing
