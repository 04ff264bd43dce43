"""The live page: what syncs now, what waits, what failed, and summary charts.

Live by push (issues 9 and 21): the header, cards, queue, failures and charts are a browser
component that the process's one publisher keeps up to date, with no rerun (what follows the clock
is worded in the browser); below it, Streamlit draws only the recent actions. Nothing reruns
unless the viewer does something. When push does not work from this browser (a proxy blocks the
route, an old browser), the page falls back by itself to fragments on timers, Streamlit drawing
everything: the header and cards every SYNC_MONITOR_REFRESH_SECONDS, the rest every few seconds.
A pause freezes what the viewer reads.
"""

from __future__ import annotations

import streamlit as st

from sync_monitor import runtime
from sync_monitor.access import Caller
from sync_monitor.live.snapshot import Snapshot
from sync_monitor.push.protocol import Key, Mode
from sync_monitor.text import escape_markdown
from sync_monitor.ui import (
    active,
    batch,
    clicks,
    failures,
    header,
    problems,
    push,
    queue,
    recent,
    viewer,
)

# Again here, not only in app.py: a page opened from a link (/live, /analysis?…) is drawn
# centered otherwise (Streamlit applies the entry script's layout only at the root URL).
st.set_page_config(layout="wide")
services = runtime.services()
live = services.live  # the hub; in a fleet, the collector's state as this replica follows it
publisher = services.publisher
sync_actions = live.actions  # the narrow interface the views act through

top = st.columns([6, 1])
top[0].title("Sync Monitor")
paused = top[1].toggle(
    "Pause",
    key="paused",
    help="Freeze the page to read it; live updates resume when you switch this off.",
)
mode = push.mode(services.settings.push)


def who() -> Caller:
    """Who the viewer is, asked again at each click (the hub checks it on every action) and
    each fragment run, with the lists as they are now."""
    return viewer.caller(runtime.settings(), services.signins, services.push_secret)


def still_admitted() -> None:
    viewer.still_admitted(runtime.settings(), services.signins, services.push_secret)


me = who()
if me.may_act:
    live.operator_here()  # cancel's probe (a write) may go now: see StatusPoller.operator_here
if viewer.sign_in_configured():
    signed = st.columns([6, 1])
    signed[0].caption(f"Signed in as {escape_markdown(me.who)} ({me.role.value}).")
    signed[1].button("Sign out", on_click=st.logout, key="sign-out")
elif not me.may_act:
    st.caption(me.why_read_only)
pushing = mode is Mode.PUSH


def current() -> Snapshot:
    """The snapshot to draw: the one frozen when the viewer paused, else the live one."""
    if paused:
        frozen: Snapshot = st.session_state.setdefault("frozen", live.snapshot())
        return frozen
    st.session_state.pop("frozen", None)
    return live.snapshot()


fast = None if paused or pushing else services.settings.refresh_seconds
refresh_note = (
    ""
    if pushing
    else (
        f"Live updates every {services.settings.refresh_seconds:g} s"
        + (" (push updates are not reaching this browser)." if services.settings.push else ".")
    )
)
slow = None if paused or pushing else max(3.0, services.settings.poll_seconds)


@st.fragment(run_every=fast, key=Key.LIVE)
@problems.reported("the live page's header and cards")
def live_now() -> None:
    still_admitted()
    clicks.report_actions()
    if services.settings.push:
        message = publisher.latest()
        now = push.live(
            # The state for the first paint, in push mode only: the fallback draws its own.
            None if message is None or not pushing else message.state,
            0 if message is None else message.seq,
            publisher.epoch,
            services.push_secret,
            sync_actions,
            who,
            services.batches,
            shown=mode,
            paused=paused,
            tz=viewer.zone(),
        )
        if now is not mode:
            st.rerun()  # the layout and the timers change with the mode: a full run
    batch.report()
    batch.dry_run_if_asked(live.snapshot, services.batches, who)
    if not pushing:
        snap = current()
        header.header(snap, viewer.zone(), refresh_note)
        active.active(snap, sync_actions, who)
        clicks.restore_focus()  # in the fragment that reruns (here: every second)


@st.fragment(run_every=slow, key=Key.SECTIONS)
@problems.reported("the live page's queue, failures and charts")
def sections() -> None:
    still_admitted()
    snap = current()
    tz = viewer.zone()
    clicks.report_actions()
    if not pushing:  # else the component draws all of it
        batch.progress(services.batches.latest(), snap, services.batches, who)
        batch.dry_run_if_asked(live.snapshot, services.batches, who)
        with st.container(key="section-failures"):
            failures.failed(snap, sync_actions, who, tz, services.group_states.get())
        with st.container(key="section-queue"):
            queue.pending(snap, tz)
        # Imported here, not at the top: Altair and pandas take a while to load in a new
        # process, and the header and skeleton above must not wait for them.
        from sync_monitor.ui import summary

        summary.summary_charts(snap, tz)
    recent.recent_actions(services.audit, snap, tz)
    if pushing:
        clicks.restore_focus()  # in the fragment that reruns on a click (in push mode: this one)


live_now()
sections()
if paused:
    st.caption("Paused: the page shows the moment you paused.")
