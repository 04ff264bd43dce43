"""Altair specs of the summary charts, drawn from the small frames of `live.aggregates`."""

from __future__ import annotations

import altair as alt
import pandas as pd

from sync_monitor.live.aggregates import STATES

from .markup import PLATFORM_COLORS


def platform_color(frame: pd.DataFrame) -> alt.Color:
    """Platform colours, with only the platforms that have data in the legend."""
    present = [p for p in PLATFORM_COLORS if p in set(frame["platform"])]
    color: alt.Color = alt.Color(
        "platform:N",
        title="Platform",
        scale=alt.Scale(domain=present, range=[PLATFORM_COLORS[p] for p in present]),
        legend=alt.Legend(orient="bottom"),
    )
    return color


def count_axis() -> alt.Axis:
    """Counts are whole syncs: ticks at whole numbers only (never 0.2, 0.4 …), as integers."""
    axis: alt.Axis = alt.Axis(tickMinStep=1, format="d")
    return axis


LIGHT_TEXT, DARK_TEXT = "#0f172a", "#fafafa"  # the body text of each theme (config.toml)


def state_chart(frame: pd.DataFrame) -> alt.Chart:
    """Syncs by state (one bar each) and platform (stacked), now."""
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("syncs:Q", title="Syncs", axis=count_axis()),
            y=alt.Y("state:N", sort=STATES, title=None),
            color=platform_color(frame),
            tooltip=["state", "platform", "syncs"],
        )
        .properties(height=160)
    )
    return chart


def failure_rate_chart(frame: pd.DataFrame, text_color: str = LIGHT_TEXT) -> alt.LayerChart:
    """Failed share of finished syncs per platform, on an axis scaled to the data (2.5 % and
    2.9 % must look different), each bar labelled with its value."""
    base = alt.Chart(frame).encode(
        x=alt.X("platform:N", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y(
            "rate:Q",
            title="Failed",
            axis=alt.Axis(format=".1~%"),  # 0.5 %, 1 %: never three ticks all reading 0 %
            scale=alt.Scale(zero=True, nice=True),
        ),
    )
    bars = base.mark_bar().encode(
        color=platform_color(frame),
        tooltip=[
            "platform",
            alt.Tooltip("rate:Q", title="failure rate", format=".1%"),
            "failed",
            "finished",
        ],
    )
    labels = base.mark_text(baseline="bottom", dy=-3, color=text_color).encode(
        text=alt.Text("rate:Q", format=".1%")
    )
    return alt.LayerChart(layer=[bars, labels], height=200)


def throughput_chart(frame: pd.DataFrame) -> alt.Chart:
    """Syncs finished per hour and platform (stacked)."""
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            # Ordinal hours: one full-width bar per hour, none clipped at the edges.
            x=alt.X(
                "label:O", sort=None, title=None, axis=alt.Axis(labelAngle=0, labelOverlap=True)
            ),
            y=alt.Y("syncs:Q", stack=True, title="Syncs finished", axis=count_axis()),
            color=platform_color(frame),
            tooltip=[alt.Tooltip("label:N", title="Hour"), "platform", "syncs"],
        )
        .properties(height=200)
    )
    return chart
