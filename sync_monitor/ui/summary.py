"""Summary charts on aggregated data; Vega-Lite specs cached per distinct data."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from .. import aggregates
from ..snapshot import Snapshot
from . import charts

CHART_HEIGHT = 260  # pixels, legend included


@st.cache_data(max_entries=32, show_spinner=False)
def _spec(kind: str, frame: pd.DataFrame) -> dict[str, Any]:
    """The Vega-Lite spec of a chart, built once per distinct data (Altair is slow to build)."""
    builder = {
        "state": charts.state_chart,
        "failure_rate": charts.failure_rate_chart,
        "throughput": charts.throughput_chart,
    }[kind]
    spec: dict[str, Any] = builder(frame).to_dict()
    return spec


def summary_charts(snap: Snapshot) -> None:
    st.subheader("Summary")
    panels = (
        (
            "state",
            "Syncs by state and platform, now",
            aggregates.state_counts(snap),
            "No syncs to chart yet.",
        ),
        (
            "failure_rate",
            "Failure rate by platform, last 24 h",
            aggregates.failure_rates(snap.finished, snap.taken_at),
            "No finished syncs in the last 24 hours yet.",
        ),
        (
            "throughput",
            "Throughput, last 12 h",
            aggregates.throughput(snap.finished, snap.taken_at),
            "No finished syncs seen yet.",
        ),
    )
    for col, (kind, title, frame, empty) in zip(st.columns(3), panels, strict=True):
        with col:
            st.caption(title)
            if frame.empty:
                st.caption(empty)
            else:
                st.vega_lite_chart(
                    spec=_spec(kind, frame),
                    width="stretch",
                    height=CHART_HEIGHT,
                    key=f"chart-{kind}",
                )
