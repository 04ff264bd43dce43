"""Altair specs of the analysis page, from the history's aggregated frames (a few thousand rows
at most, whatever the number of attempts). When comparing, each chart draws the period before
in grey dashes: lines moved onto this period's days, outlines behind the bars.

Every chart takes the width it is given (a phone's 375 px too): no axis label of a fixed width,
and the causes are named above their bars, cut to the chart's width.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import altair as alt
import pandas as pd

from sync_monitor.dotoro.models import Platform
from sync_monitor.history.analysis import percentile
from sync_monitor.text import duration, truncate

from .charts import LIGHT_TEXT, count_axis, platform_color

TOP_SIGNATURES = 10
DURATION_BINS = 24
CLIP_AT = 0.99  # durations beyond this quantile share the last bar ...
STRETCH = 1.5  # ... when the longest is more than this many times as long
PREVIOUS = "#94a3b8"  # the period before: slate grey, dashed
DASH = [4, 3]
VOLUME = "#cbd5e1"
THIS, BEFORE = "this period", "previous period"
# Room on the right for the last axis label, which Vega centres on the plot's edge: within the
# chart's width (Streamlit's autosize contains the padding), not past the container.
PADDING = {"left": 5, "top": 5, "bottom": 5, "right": 14}


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["platform"] = [Platform.coerce(p).label for p in out["platform"]]
    return out


def rate_over_time(
    frame: pd.DataFrame, earlier: pd.DataFrame | None, bucket: timedelta
) -> alt.LayerChart:
    """Failure rate per bucket and platform (lines, broken where a bucket finished nothing),
    over the finished syncs per bucket (grey bars, right axis); the period before as dashed
    lines. Points sit in the middle of their bucket's bar."""
    hourly = bucket <= timedelta(hours=1)
    data = _labelled(frame).assign(period=THIS)
    if earlier is not None:
        data = pd.concat([data, _labelled(earlier).assign(period=BEFORE)], ignore_index=True)
    data["mid"] = data["bucket"] + bucket / 2
    data["end"] = data["bucket"] + bucket
    if "was" in data:
        data["was"] = data["was"].fillna(data["bucket"])
    else:
        data["was"] = data["bucket"]
    x = alt.X(
        "mid:T",
        title=None,
        axis=alt.Axis(
            format="%H:%M" if hourly else "%d %b",
            labelAngle=0,
            # Ticks on whole days (or hours) only; labels that would overlap are left out.
            tickCount=alt.TimeIntervalStep("hour" if hourly else "day", 1),
            labelOverlap=True,
        ),
    )
    volume = (
        alt.Chart(data[data["period"] == THIS])
        .transform_aggregate(finished="sum(finished)", groupby=["bucket", "end"])
        .mark_bar(color=VOLUME, opacity=0.6)
        .encode(
            x=alt.X("bucket:T"),
            x2="end:T",
            y=alt.Y(
                "finished:Q",
                title=None,  # the caption says what the grey bars count
                axis=alt.Axis(tickMinStep=1, format="d", orient="right"),
            ),
            y2=alt.datum(0),  # a bar from zero (with x2 alone, Vega-Lite lays it sideways)
            tooltip=[
                alt.Tooltip("bucket:T", title="From", format="%d %b %Y %H:%M UTC"),
                alt.Tooltip("finished:Q", title="finished syncs"),
            ],
        )
    )
    lines = (
        alt.Chart(data)
        # A bucket that finished nothing has no rate: the line breaks there.
        .mark_line(point=True, invalid="break-paths-filter-domains")
        .encode(
            x=x,
            y=alt.Y("failure_rate:Q", title="Failed", axis=alt.Axis(format=".0%")),
            color=platform_color(data),
            strokeDash=alt.StrokeDash(
                "period:N",
                scale=alt.Scale(domain=[THIS, BEFORE], range=[[1, 0], DASH]),
                legend=None,
            ),
            opacity=alt.Opacity(
                "period:N", scale=alt.Scale(domain=[THIS, BEFORE], range=[1, 0.5]), legend=None
            ),
            detail="period:N",
            tooltip=[
                "period",
                alt.Tooltip("was:T", title="From", format="%d %b %Y %H:%M UTC"),
                "platform",
                alt.Tooltip("failure_rate:Q", title="failure rate", format=".1%"),
                "failed",
                "finished",
            ],
        )
    )
    # The rate and the volume each on its own axis (left and right).
    resolve = alt.Resolve(scale=alt.ScaleResolveMap(y="independent"))
    return alt.LayerChart(layer=[volume, lines], height=240, resolve=resolve, padding=PADDING)


def by_signature(
    pairs: pd.DataFrame,
    signatures: pd.DataFrame,
    earlier: pd.DataFrame | None,
    text_color: str = LIGHT_TEXT,
) -> alt.LayerChart:
    """Failures by cause (the most frequent signatures) and platform, stacked, each cause
    named above its bar; the period before as a dashed outline of its count per cause."""
    top = list(signatures["signature"].head(TOP_SIGNATURES))
    order = [_cause(s) for s in top]
    data = _labelled(pairs[pairs["signature"].isin(top)])
    data["cause"] = [_cause(s) for s in data["signature"]]
    # 44 px per cause: its name above, its bar below; no axis labels to squeeze the bars.
    y = alt.Y("cause:N", sort=order, title=None, axis=None, scale=alt.Scale(padding=0))
    axis = alt.Axis(tickMinStep=1, format="d", labelFlush=True)  # whole failures, within
    x_axis = alt.X("count:Q", title="Failures", axis=axis)
    bars = (
        alt.Chart(data)
        .mark_bar(size=16, yOffset=9)
        .encode(
            x=x_axis,
            y=y,
            color=platform_color(data),
            tooltip=[alt.Tooltip("signature:N", title="signature"), "platform", "count"],
        )
    )
    names = (
        alt.Chart(pd.DataFrame({"cause": order}))
        .mark_text(
            align="left", baseline="bottom", dy=1, color=text_color, limit=alt.ExprRef("width")
        )
        .encode(x=alt.datum(0), y=y, text="cause:N")
    )
    layers: list[alt.Chart] = [bars, names]
    if earlier is not None:
        before = earlier.groupby("signature", as_index=False)["count"].sum()
        before = before[before["signature"].isin(top)]
        before["cause"] = [_cause(s) for s in before["signature"]]
        outline = (
            alt.Chart(before.assign(period=BEFORE))
            .mark_bar(
                size=16, yOffset=9, fillOpacity=0, stroke=PREVIOUS, strokeDash=DASH, strokeWidth=1.5
            )
            .encode(
                x=x_axis,
                y=y,
                tooltip=[
                    alt.Tooltip("signature:N", title="signature"),
                    "period",
                    alt.Tooltip("count:Q", title="failures"),
                ],
            )
        )
        layers.insert(1, outline)
    return alt.LayerChart(layer=layers, height=alt.Step(44), padding=PADDING)


def _cause(signature: str) -> str:
    return truncate(signature, 60) or "(no error text)"


@dataclass(frozen=True)
class Binned:
    """A duration histogram in at most DURATION_BINS bars of `width` seconds; `over`: how many
    syncs ran longer than the bars reach (they are counted in the last bar), the longest."""

    bars: pd.DataFrame  # platform, period, from, to, count
    width: int
    over: int
    longest: int


def binned(current: pd.DataFrame, previous: pd.DataFrame | None) -> Binned:
    """The one-second histograms (platform, seconds, count) of both periods in the same bars,
    reaching the 99th percentile of both together when the longest is far beyond it: a few
    very long syncs share the last bar instead of squeezing every other bar into the first."""
    periods = [current.assign(period=THIS)]
    if previous is not None:
        periods.append(previous.assign(period=BEFORE))
    data = pd.concat(periods, ignore_index=True)
    if data.empty or int(data["count"].sum()) == 0:
        return Binned(data.assign(**{"from": 0, "to": 0}), 1, 0, 0)
    longest = int(data["seconds"].max())
    reach = int(percentile(data, CLIP_AT) or 0)
    if longest <= reach * STRETCH:  # nothing far out: every bar as it is
        reach = longest
    width = max(1, -(-max(reach, 1) // DURATION_BINS))
    last = reach // width * width  # the bar that holds `reach`
    beyond = (data["seconds"] >= last + width) & (data["period"] == THIS)
    over = int(data.loc[beyond, "count"].sum())
    data["from"] = (data["seconds"] // width * width).clip(upper=last)
    bars = data.groupby(["platform", "period", "from"], as_index=False)["count"].sum()
    bars["to"] = bars["from"] + width
    return Binned(bars, width, over, longest)


def durations(found: Binned) -> alt.LayerChart:
    """How long syncs ran, per platform (stacked bars); the period before as a dashed
    outline of its count per bar."""
    data = _labelled(found.bars)
    x = alt.X("from:Q", bin="binned", title="Duration (s)")
    current = (
        alt.Chart(data[data["period"] == THIS])
        .mark_bar()
        .encode(
            x=x,
            x2="to:Q",
            y=alt.Y("count:Q", stack=True, title="Syncs", axis=count_axis()),
            color=platform_color(data),
            tooltip=["platform", "from", "to", "count"],
        )
    )
    layers: list[alt.Chart] = [current]
    before = data[data["period"] == BEFORE]
    if not before.empty:
        totals = before.groupby(["from", "to"], as_index=False)["count"].sum()
        layers.append(
            alt.Chart(totals.assign(period=BEFORE))
            .mark_bar(fillOpacity=0, stroke=PREVIOUS, strokeDash=DASH, strokeWidth=1.5)
            .encode(x=x, x2="to:Q", y="count:Q", tooltip=["period", "from", "to", "count"])
        )
    return alt.LayerChart(layer=layers, height=220, padding=PADDING)


def clipped_note(found: Binned) -> str | None:
    """What the last bar holds beyond its range, when it holds any."""
    if found.over == 0:
        return None
    syncs = "sync" if found.over == 1 else "syncs"
    reach = duration(float(found.bars["to"].max()))
    return (
        f"The last bar also counts {found.over:,} {syncs} that ran {reach} or longer "
        f"(the longest: {duration(found.longest)}), so one outlier does not flatten the rest."
    )
