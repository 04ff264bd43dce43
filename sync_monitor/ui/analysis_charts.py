"""Altair specs of the analysis page, from the history's aggregated frames (a few thousand rows
at most, whatever the number of attempts)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from sync_monitor.dotoro.models import Platform
from sync_monitor.text import truncate

from .charts import count_axis, platform_color

TOP_SIGNATURES = 10
DURATION_BINS = 24


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["platform"] = [Platform.coerce(p).label for p in out["platform"]]
    return out


def rate_over_time(frame: pd.DataFrame, hourly: bool) -> alt.Chart:
    """Failure rate per bucket and platform: where did it rise, and on which platform."""
    data = _labelled(frame.dropna(subset=["failure_rate"]))
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "bucket:T",
                title=None,
                axis=alt.Axis(
                    format="%d %b %H:%M" if hourly else "%d %b",
                    labelAngle=0,
                    # Daily buckets: ticks on days only (twice a day, each date was written
                    # twice); labels that would overlap are left out.
                    tickCount=alt.Undefined if hourly else alt.TimeIntervalStep("day", 1),
                    labelOverlap=True,
                ),
            ),
            y=alt.Y("failure_rate:Q", title="Failed", axis=alt.Axis(format=".0%")),
            color=platform_color(data),
            tooltip=[
                alt.Tooltip("bucket:T", title="From", format="%d %b %Y %H:%M UTC"),
                "platform",
                alt.Tooltip("failure_rate:Q", title="failure rate", format=".1%"),
                "failed",
                "finished",
            ],
        )
        .properties(height=240)
    )
    return chart


def by_signature(pairs: pd.DataFrame, signatures: pd.DataFrame) -> alt.Chart:
    """Failures by cause (the most frequent signatures) and platform, stacked."""
    top = list(signatures["signature"].head(TOP_SIGNATURES))
    data = _labelled(pairs[pairs["signature"].isin(top)])
    data["cause"] = [truncate(s, 60) or "(no error text)" for s in data["signature"]]
    order = [truncate(s, 60) or "(no error text)" for s in top]
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title="Failures", axis=count_axis()),
            y=alt.Y("cause:N", sort=order, title=None, axis=alt.Axis(labelLimit=360)),
            color=platform_color(data),
            tooltip=[alt.Tooltip("signature:N", title="signature"), "platform", "count"],
        )
        .properties(height=alt.Step(28))  # 28 px per cause, whatever the legend takes
    )
    return chart


def durations(histogram: pd.DataFrame) -> alt.Chart:
    """How long syncs ran, per platform: the one-second histogram in at most 24 bins."""
    data = _labelled(histogram)
    if not data.empty:
        top = max(1, int(data["seconds"].max()))
        width = max(1, -(-top // DURATION_BINS))
        data["from"] = data["seconds"] // width * width
        data = data.groupby(["platform", "from"], as_index=False)["count"].sum()
        data["to"] = data["from"] + width
    chart: alt.Chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("from:Q", bin="binned", title="Duration (s)"),
            x2="to:Q",
            y=alt.Y("count:Q", stack=True, title="Syncs", axis=count_axis()),
            color=platform_color(data),
            tooltip=["platform", "from", "to", "count"],
        )
        .properties(height=220)
    )
    return chart
