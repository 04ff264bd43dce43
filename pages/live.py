"""The live page: what syncs now, what waits, what failed, and summary charts.

Fast-changing cards refresh in their own small fragment every SYNC_MONITOR_REFRESH_SECONDS; the
queue, failures and charts in a slower one. Every fragment reads the shared hub's snapshot; a
pause freezes the one the viewer is reading.

One moment per page: the sections must never disagree (a set in two sections, counts that do not
add up). A fragment that finds the snapshot's membership changed since the page was drawn
(`Snapshot.membership`: which set is in which section) reruns the whole page instead of its own
part, so every section draws that one snapshot; between such changes the fragments refresh
figures only.
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


PINNED = "live-moment"  # session key: the snapshot the whole page was last drawn from
if not viewer.in_fragment_rerun():
    st.session_state[PINNED] = current()


def moment() -> Snapshot:
    """The snapshot a section draws: the page's own during a full run; in a fragment's rerun the
    newest, unless its membership changed, in which case the whole page reruns on it."""
    pinned: Snapshot | None = st.session_state.get(PINNED)
    if pinned is not None and not viewer.in_fragment_rerun():
        return pinned
    snap = current()
    st.session_state[PINNED] = snap
    if pinned is not None and snap.membership != pinned.membership:
        st.rerun()  # the app, not the fragment: every section draws the new moment
    return snap


fast = None if paused else services.settings.refresh_seconds
slow = None if paused else max(3.0, services.settings.poll_seconds)


@st.fragment(run_every=fast)
def live_now() -> None:
    snap = moment()
    tz = viewer.zone()
    actions.report_actions()
    header.header(snap, tz)
    active.active(snap, sync_actions)
    actions.restore_focus()


@st.fragment(run_every=slow)
def queue_and_failures() -> None:
    snap = moment()
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
