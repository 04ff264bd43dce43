"""Alerts: those firing now, those that ended, and what was sent where (issue 24).

Read from the history database, where the evaluator (one per deployment, where the collector
runs) keeps them: every replica shows the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import streamlit as st

from sync_monitor import runtime
from sync_monitor.alerts import store
from sync_monitor.alerts.evaluator import channels_of
from sync_monitor.alerts.lifecycle import Notice
from sync_monitor.history import deliveries
from sync_monitor.history.engines import NOT_ANSWERING
from sync_monitor.history.store import describe
from sync_monitor.text import escape_markdown
from sync_monitor.ui import alerts, problems, viewer

services = runtime.services()
config = services.settings
st.title("Alerts")
history = problems.history_of(services.recorder, "It keeps the alerts.")
now = datetime.now(UTC)
try:
    found = store.recent(history.engine)
    sent = deliveries.recent(history.engine, "alert", limit=50)
    held = store.count_since(history.engine, now - timedelta(hours=24), Notice.HELD)
except NOT_ANSWERING as exc:
    st.error(
        f"The history database did not answer: {escape_markdown(describe(exc), 300)}. Reload "
        "this page in a moment.",
        icon=":material/database:",
    )
    st.stop()
tz = viewer.zone()
chosen = channels_of(config)
alerts.channels(chosen, config.alerts_per_hour, held)
alerts.alerts(found, tz, now, channels=bool(chosen))
alerts.deliveries(sent, found, tz)
