"""Altair specs of the summary charts, drawn from the small frames of `aggregates`."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..aggregates import STATES

# Brand-like, but far enough apart to tell Google from Meta; the legend always names them.
PLATFORM_COLORS = {"Reddit": "#ff4500", "Google": "#34a853", "Meta": "#0866ff", "Other": "#8c8c8c"}


def _color(frame: pd.DataFrame) -> alt.Color:
    """Platform colours, with only the platforms that have data in the legend."""
    present = [p for p in PLATFORM_COLORS if p in set(frame["platform"])]
    color: alt.Color = alt.Color(
        "platform:N",
        title="Platform",
        scale=alt.Scale(domain=present, range=[PLATFORM_COLORS[p] for p in present]),
        legend=alt.Legend(orient="bottom"),
    )
    return color


def state_chart(frame: pd.DataFrame) -> alt.Chart:
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("syncs:Q", title="Syncs"),
            y=alt.Y("state:N", sort=STATES, title=None),
            color=_color(frame),
            tooltip=["state", "platform", "syncs"],
        )
        .properties(height=160)
    )
    return chart


def failure_rate_chart(frame: pd.DataFrame) -> alt.Chart:
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("platform:N", title=None),
            y=alt.Y(
                "rate:Q",
                title="Failure rate",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=_color(frame),
            tooltip=["platform", alt.Tooltip("rate:Q", format=".1%"), "failed", "finished"],
        )
        .properties(height=200)
    )
    return chart


def throughput_chart(frame: pd.DataFrame) -> alt.Chart:
    chart: alt.Chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            # Ordinal hours: one full-width bar per hour, none clipped at the edges.
            x=alt.X("label:O", sort=None, title=None, axis=alt.Axis(labelOverlap=True)),
            y=alt.Y("syncs:Q", stack=True, title="Syncs finished per hour"),
            color=_color(frame),
            tooltip=[alt.Tooltip("label:N", title="Hour"), "platform", "syncs"],
        )
        .properties(height=200)
    )
    return chart
