"""Streamlit views of the live page: each section renders one snapshot, nothing else.

Backend text (set names, error messages) is shown with st.text / st.code, or escaped where
Streamlit reads Markdown (labels, toasts). Widgets and expanders have keys derived from job or
set ids, so a refresh never resets what a viewer opened.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Literal

import pandas as pd
import streamlit as st

from ..hub import ActionResult, Hub
from ..models import Platform
from ..snapshot import ActiveView, Backend, FailedView, PendingView, Snapshot
from . import charts
from .categories import categorize
from .text import clock, duration, escape_markdown, rate, relative, truncate, wait_range

BadgeColor = Literal["red", "orange", "yellow", "blue", "green", "violet", "gray", "primary"]
PLATFORM_BADGE: dict[Platform, BadgeColor] = {
    Platform.REDDIT: "orange",
    Platform.GOOGLE: "blue",
    Platform.META: "blue",
    Platform.OTHER: "gray",
}
MAX_CARDS = 24  # beyond this, the rest of the active syncs go in a table
QUEUE_SHOWN = 3  # the queue collapses past this many
FAILED_PAGE = 25
CHART_HEIGHT = 260  # pixels, legend included
TABLE_ROWS = 200  # rows of the overflow tables: enough to scan, cheap to send every refresh
ACTIONS = "sync_monitor_actions"  # session key: in-flight actions whose result needs a toast


def badge(platform: Platform) -> str:
    """The platform as a coloured badge in Markdown; the name is always in the text."""
    return f":{PLATFORM_BADGE[platform]}-badge[{platform.label}]"


# -- actions -------------------------------------------------------------------------------
def _track(future: Future[ActionResult], what: str) -> None:
    st.session_state.setdefault(ACTIONS, []).append((future, what))


def retry_clicked(hub: Hub, set_id: str, name: str) -> None:
    _track(hub.retry(set_id), f"Retry of {escape_markdown(name) or 'the sync'}")


def cancel_clicked(hub: Hub, job_id: str, name: str) -> None:
    _track(hub.cancel(job_id), f"Cancel of {escape_markdown(name) or 'the sync'}")


def report_actions() -> None:
    """Toast the result of every action that finished since the last run."""
    waiting = []
    for future, what in st.session_state.get(ACTIONS, []):
        if not future.done():
            waiting.append((future, what))
            continue
        result = future.result()
        if result.ok:
            st.toast(f"{what}: done.", icon=":material/check_circle:")
        else:
            st.toast(f"{what} failed: {escape_markdown(result.message)}", icon=":material/error:")
    st.session_state[ACTIONS] = waiting


# -- header --------------------------------------------------------------------------------
def backend_line(backend: Backend) -> str:
    """The connection state in words."""
    match backend.kind:
        case "live":
            return "Live"
        case "connecting":
            return "Connecting…"
        case "unreachable" if backend.attempt <= 1:
            return f"Reconnecting (attempt {backend.attempt})"
        case "unreachable":
            return f"Unreachable since {clock(backend.since)} (attempt {backend.attempt})"
        case "rate_limited":
            return f"Rate-limited until {clock(backend.until)}"
        case "denied":
            return "Access denied"
    return backend.kind


def header(snap: Snapshot) -> None:
    backend = snap.backend
    source = "Bundled local API (simulated workload)" if backend.is_local else "Dotoro API"
    icon = {"live": ":green[●]", "connecting": ":gray[●]"}.get(backend.kind, ":red[●]")
    refreshed = clock(snap.polled_at) if snap.polled_at else "not yet"
    st.markdown(
        f"{icon} **{escape_markdown(backend_line(backend))}** · data from "
        f"{escape_markdown(refreshed)} · {escape_markdown(source)} at "
        f"{escape_markdown(backend.url)}"
    )
    cols = st.columns(3)
    cols[0].metric("Syncing now", len(snap.active))
    cols[1].metric("Queued", len(snap.pending))
    cols[2].metric("Failed (24 h)", len(snap.failed))
    if backend.kind == "unreachable" and backend.attempt > 1:
        st.error(
            f"The Dotoro API has not answered since {clock(backend.since)}. "
            f"{escape_markdown(backend.message)} The figures below are from the last "
            "successful poll; the monitor keeps trying.",
            icon=":material/cloud_off:",
        )
    elif backend.kind == "rate_limited":
        st.warning(
            f"The Dotoro API is rate-limiting this monitor until {clock(backend.until)}. "
            "Updates resume by themselves; nothing is lost.",
            icon=":material/timer:",
        )
    elif backend.kind == "denied":
        st.error(f"{escape_markdown(backend.message)}", icon=":material/lock:")
    if snap.malformed_events:
        st.caption(f"{snap.malformed_events} unreadable stream events were skipped.")


# -- active --------------------------------------------------------------------------------
def _card(card: ActiveView, snap: Snapshot, hub: Hub) -> None:
    # Few elements per card: this runs every second for every viewer.
    with st.container(border=True, key=f"card-{card.key}"):
        st.markdown(f"**{escape_markdown(card.name) or 'Unnamed set'}** {badge(card.platform)}")
        p = card.progress
        if p.known and p.fraction is not None:
            pct = round(p.fraction * 100)
            st.progress(p.fraction, text=f"{pct}% · {p.done} of {p.total} campaigns synced")
        else:
            st.progress(0.0, text="Syncing – live progress not available from this backend")
        details = [f"Elapsed {duration(card.elapsed_s)}"]
        if p.known:
            details += [f"rate {rate(card.rate_per_min)}", f"ETA {duration(card.eta_s)}"]
        if p.failed:
            details.append(f":orange[:material/warning: {p.failed} failed]")
        stream = card.stream
        if stream is not None and stream.kind == "reconnecting":
            details.append(
                f":material/sync_problem: live updates reconnecting (attempt {stream.attempt})"
            )
        elif stream is not None and stream.kind == "failed":
            details.append(
                f":material/link_off: live updates unavailable: {escape_markdown(stream.reason)}"
            )
        st.caption(" · ".join(details))
        if card.stalled:
            st.warning(
                f"No progress for over {duration(hub.settings.stall_seconds)}: this sync "
                "may be stuck.",
                icon=":material/hourglass_disabled:",
            )
        _cancel(card, snap, hub)


def _cancel(card: ActiveView, snap: Snapshot, hub: Hub) -> None:
    if card.cancelling:
        st.caption("Cancelling…")
    elif not snap.features.cancel:
        st.caption("Cancel is not available on this backend.")
    elif card.job_id is None:
        st.caption("Cancel needs the job id, which this backend does not report.")
    else:
        with st.popover("Cancel", icon=":material/cancel:", key=f"cancel-{card.key}"):
            st.markdown("Stop this sync? Campaigns already synced stay synced.")
            st.button(
                "Yes, cancel this sync",
                key=f"confirm-cancel-{card.key}",
                type="primary",
                on_click=cancel_clicked,
                args=(hub, card.job_id, card.name),
            )


def active(snap: Snapshot, hub: Hub) -> None:
    st.subheader("Syncing now")
    if not snap.loaded:
        _skeleton()
        return
    if not snap.active:
        st.info("Nothing is syncing right now.", icon=":material/check_circle:")
        return
    cards = snap.active[:MAX_CARDS]
    for row in range(0, len(cards), 3):
        for col, card in zip(st.columns(3), cards[row : row + 3], strict=False):
            with col:
                _card(card, snap, hub)
    if len(snap.active) > MAX_CARDS:
        rest = snap.active[MAX_CARDS:]
        # Fixed label: the open state is keyed by it (a count in it would close it on change).
        st.caption(f"{len(rest)} more active syncs:")
        more = st.expander("The other active syncs", key="active-more", on_change="rerun")
        if more.open:  # lazy: the table is built only while someone looks at it
            more.dataframe(
                [
                    {
                        "Campaign set": a.name,
                        "Platform": a.platform.label,
                        "Progress": a.progress.fraction,
                        "Synced": a.progress.done,
                        "Total": a.progress.total or None,
                        "Elapsed": duration(a.elapsed_s),
                        "ETA": duration(a.eta_s),
                    }
                    for a in rest
                ],
                column_config={
                    "Progress": st.column_config.ProgressColumn(
                        "Progress", min_value=0.0, max_value=1.0, format="percent"
                    )
                },
                hide_index=True,
                key="active-table",
            )


def _skeleton() -> None:
    for col in st.columns(3):
        with col, st.container(border=True):
            st.caption("Loading syncs…")
            st.progress(0.0)


# -- pending -------------------------------------------------------------------------------
def _queue_row(item: PendingView) -> None:
    when = (
        "retry sent – confirming…"
        if item.optimistic
        else f"waiting {duration(item.waiting_s)} · starts "
        f"{wait_range(item.wait_low_s, item.wait_high_s)}"
    )
    st.markdown(
        f"**#{item.position}** {escape_markdown(item.name) or 'Unnamed set'} "
        f"{badge(item.platform)}  \n:gray[{escape_markdown(when)}]"
    )


def pending(snap: Snapshot) -> None:
    st.subheader("Queue")
    if not snap.loaded:
        st.caption("Loading the queue…")
        return
    if not snap.pending:
        st.caption("The queue is empty: new syncs start at once.")
        return
    for item in snap.pending[:QUEUE_SHOWN]:
        _queue_row(item)
    rest = snap.pending[QUEUE_SHOWN:]
    if rest:
        st.caption(f"{len(rest)} more in the queue.")
        more = st.expander("The rest of the queue", key="queue-more", on_change="rerun")
        if more.open:  # lazy: the table is built only while someone looks at it
            more.dataframe(
                [
                    {
                        "#": p.position,
                        "Campaign set": p.name,
                        "Platform": p.platform.label,
                        "Waiting": duration(p.waiting_s),
                        "Starts": "retry, confirming…"
                        if p.optimistic
                        else wait_range(p.wait_low_s, p.wait_high_s),
                    }
                    for p in rest
                ],
                hide_index=True,
                key="queue-table",
            )
    st.caption(
        f"Estimates assume {snap.workers} worker{'s' if snap.workers != 1 else ''} "
        "and the durations seen per platform; ranges run from typical to slow."
    )


# -- failed --------------------------------------------------------------------------------
def _failure(item: FailedView, snap: Snapshot, hub: Hub) -> None:
    category = categorize(item.error)
    preview = truncate(item.error, 80) if item.error else category.label
    # The label must not change between refreshes: Streamlit keys an expander's open state by
    # its label too, so a ticking "3 min ago" in it would close the expander every minute.
    label = (
        f":material/error: {escape_markdown(item.name) or 'Unnamed set'} · "
        f"{item.platform.label} · {escape_markdown(clock(item.failed_at))} — "
        f"{escape_markdown(preview)}"
    )
    # Keyed and untracked: the frontend keeps it open across refreshes (identity = key).
    with st.expander(label, key=f"failed-{item.key}"):
        st.markdown(
            f"**{category.label}.** {category.advice}  \n"
            f":gray[Failed {escape_markdown(relative(item.failed_at, snap.taken_at))}, at "
            f"{escape_markdown(clock(item.failed_at))}]"
        )
        if item.error:
            st.code(item.error, language=None, wrap_lines=True)
        if category.retry_helps:
            st.button(
                "Retry",
                key=f"retry-{item.set_id}",
                icon=":material/replay:",
                type="primary",
                on_click=retry_clicked,
                args=(hub, item.set_id, item.name),
            )
        else:
            st.button(
                "Retry anyway",
                key=f"retry-{item.set_id}",
                type="tertiary",
                on_click=retry_clicked,
                args=(hub, item.set_id, item.name),
                help="Only after the ad account has been reconnected.",
            )


def failed(snap: Snapshot, hub: Hub) -> None:
    st.subheader("Failed in the last 24 hours")
    if not snap.loaded:
        st.caption("Loading failures…")
        return
    if not snap.failed:
        st.success("No failed syncs in the last 24 hours.", icon=":material/check_circle:")
        return
    shown = st.session_state.get("failed-shown", FAILED_PAGE)
    for item in snap.failed[:shown]:
        _failure(item, snap, hub)
    if len(snap.failed) > shown:
        st.caption(f"Showing {shown} of {len(snap.failed)}, newest first.")
        st.button(
            f"Show {min(FAILED_PAGE, len(snap.failed) - shown)} more",
            key="failed-more",
            on_click=_show_more,
        )


def _show_more() -> None:
    st.session_state["failed-shown"] = st.session_state.get("failed-shown", FAILED_PAGE) + (
        FAILED_PAGE
    )


# -- charts --------------------------------------------------------------------------------
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
