"""The live page: what syncs now, what waits, what failed, and summary charts.

Fast-changing cards refresh in their own small fragment every SYNC_MONITOR_REFRESH_SECONDS; the
queue, failures and charts in a slower one. Every fragment reads the shared hub's snapshot; a
pause freezes the one the viewer is reading.
"""

from __future__ import annotations

import streamlit as st

from sync_monitor import runtime
from sync_monitor.snapshot import Snapshot
from sync_monitor.ui import actions, active, failures, header, queue, viewer

services = runtime.services()
hub = services.hub
sync_actions = hub.actions  # the narrow interface the views act through

top = st.columns([6, 1])
top[0].title("Sync Monitor")
paused = top[1].toggle(
    "Pause",
    key="paused",
    help="Freeze the page to read it; live updates resume when you switch this off.",
)


def current() -> Snapshot:
    """The hub's snapshot, or the one frozen when the viewer paused."""
    if paused:
        frozen: Snapshot = st.session_state.setdefault("frozen", hub.snapshot())
        return frozen
    st.session_state.pop("frozen", None)
    return hub.snapshot()


fast = None if paused else services.settings.refresh_seconds
slow = None if paused else max(3.0, services.settings.poll_seconds)


@st.fragment(run_every=fast)
def live_now() -> None:
    snap = current()
    tz = viewer.zone()
    actions.report_actions()
    header.header(snap, tz)
    active.active(snap, sync_actions)
    actions.restore_focus()


@st.fragment(run_every=slow)
def queue_and_failures() -> None:
    snap = current()
    tz = viewer.zone()
    actions.report_actions()
    left, right = st.columns([2, 3])
    with left:
        queue.pending(snap)
    with right:
        failures.failed(snap, sync_actions, tz)
    # Imported here, not at the top: Altair and pandas take a while to load in a new process,
    # and the header and skeleton above must not wait for them.
    from sync_monitor.ui import summary

    summary.summary_charts(snap, tz)


live_now()
queue_and_failures()
if paused:
    st.caption("Paused: the page shows the moment you paused.")
