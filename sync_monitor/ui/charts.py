"""Summary charts: pure aggregation to small frames, then Altair specs (never a point per event)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

import altair as alt
import pandas as pd

from ..snapshot import Finished, Snapshot

# Brand-like, but far enough apart to tell Google from Meta; the legend always names them.
PLATFORM_COLORS = {"Reddit": "#ff4500", "Google": "#34a853", "Meta": "#0866ff", "Other": "#8c8c8c"}
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
    return [f for f in finished if f.at >= since and f.outcome in ("completed", "failed")]


def failure_rates(finished: Iterable[Finished], now: datetime, hours: int = 24) -> pd.DataFrame:
    """Per platform: syncs finished in the last `hours`, how many failed, and the rate."""
    total: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for f in _recent(finished, now, hours):
        total[f.platform.label] += 1
        failed[f.platform.label] += f.outcome == "failed"
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
        if start <= f.at < end and f.outcome in ("completed", "failed"):
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
