"""Summary charts on aggregated data; Vega-Lite specs cached per distinct data."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

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
    cols = st.columns(3)
    with cols[0]:
        st.caption("Syncs by state and platform, now")
        frame = charts.state_counts(snap)
        if frame.empty:
            st.caption("No syncs to chart yet.")
        else:
            st.vega_lite_chart(
                spec=_spec("state", frame), width="stretch", height=CHART_HEIGHT, key="chart-state"
            )
    with cols[1]:
        st.caption("Failure rate by platform, last 24 h")
        rates = charts.failure_rates(snap.finished, snap.taken_at)
        if rates.empty:
            st.caption("No finished syncs in the last 24 hours yet.")
        else:
            st.vega_lite_chart(
                spec=_spec("failure_rate", rates),
                width="stretch",
                height=CHART_HEIGHT,
                key="chart-failure-rate",
            )
    with cols[2]:
        st.caption("Throughput, last 12 h")
        flow = charts.throughput(snap.finished, snap.taken_at)
        if flow["syncs"].sum() == 0:
            st.caption("No finished syncs seen yet.")
        else:
            st.vega_lite_chart(
                spec=_spec("throughput", flow),
                width="stretch",
                height=CHART_HEIGHT,
                key="chart-throughput",
            )
