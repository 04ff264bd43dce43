"""Summary charts on aggregated data, built once per snapshot for every viewer of the process.

Altair is slow to build a spec, and every viewer draws the same charts: the frames and specs are
kept per (snapshot version, minute, viewer zone, theme) in one small process-wide cache, so fifty
viewers rerunning on one change build each chart once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, tzinfo
from functools import partial
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from sync_monitor.live import aggregates
from sync_monitor.live.snapshot import Snapshot
from sync_monitor.text import zone_name
from sync_monitor.ui import charts

CHART_HEIGHT = 260  # pixels, legend included
KEEP = 64  # built frames and specs kept: a few snapshots' worth, for every zone and theme
T = TypeVar("T")
_built: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_lock = threading.Lock()


def _once(key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """`make()` once per key for the whole process (concurrent viewers wait for the first)."""
    with _lock:
        if key in _built:
            _built.move_to_end(key)
            value: T = _built[key]
            return value
        value = make()
        _built[key] = value
        while len(_built) > KEEP:
            _built.popitem(last=False)
        return value


def _spec(kind: str, frame: pd.DataFrame, dark: bool) -> dict[str, Any]:
    """The Vega-Lite spec of a chart."""
    if kind == "failure_rate":
        text = charts.DARK_TEXT if dark else charts.LIGHT_TEXT
        return dict(charts.failure_rate_chart(frame, text).to_dict())
    builder = {"state": charts.state_chart, "throughput": charts.throughput_chart}[kind]
    spec: dict[str, Any] = builder(frame).to_dict()
    return spec


def _local_hours(frame: pd.DataFrame, tz: tzinfo) -> pd.DataFrame:
    """The throughput frame with its hour labels in the viewer's zone."""
    if frame.empty:
        return frame
    return frame.assign(label=[h.astimezone(tz).strftime("%H:%M") for h in frame["hour"]])


def summary_charts(snap: Snapshot, tz: tzinfo = UTC) -> None:
    if not snap.loaded:
        return  # nothing to chart yet; the header says why
    st.subheader("Summary")
    # One snapshot, one minute: the same figures for everyone (windows move by the minute).
    moment = (snap.version, snap.taken_at.replace(second=0, microsecond=0))
    rates = _once(
        (*moment, "rates"), lambda: aggregates.failure_rates(snap.finished, snap.taken_at)
    )
    finished = int(rates["finished"].sum()) if not rates.empty else 0
    zone = zone_name(snap.taken_at.astimezone(tz))
    panels = (
        (
            "state",
            "Syncs right now, by state and platform (failed: in the last 24 h).",
            _once((*moment, "state"), lambda: aggregates.state_counts(snap)),
            "No syncs to chart yet.",
        ),
        (
            "failure_rate",
            f"Failed share of the {finished} sync{'s' if finished != 1 else ''} that finished "
            "in the last 24 h, by platform.",
            rates,
            "No finished syncs in the last 24 hours yet.",
        ),
        (
            "throughput",
            f"Syncs finished (completed or failed) per hour, last 12 h; hours in {zone}.",
            _once(
                (*moment, "throughput", zone),
                lambda: _local_hours(aggregates.throughput(snap.finished, snap.taken_at), tz),
            ),
            "No finished syncs seen yet.",
        ),
    )
    dark = st.context.theme.type == "dark"
    for col, (kind, title, frame, empty) in zip(st.columns(3), panels, strict=True):
        with col:
            st.caption(title)
            if frame.empty:
                st.caption(empty)
            else:
                st.vega_lite_chart(
                    spec=_once((*moment, kind, zone, dark), partial(_spec, kind, frame, dark)),
                    width="stretch",
                    height=CHART_HEIGHT,
                    key=f"chart-{kind}",
                )
