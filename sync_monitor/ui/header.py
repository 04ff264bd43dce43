"""The header: connection state in words, counts, and banners that say what to check."""

from __future__ import annotations

from datetime import UTC, tzinfo

import streamlit as st

from ..snapshot import Backend, BackendKind, Snapshot
from .text import clock, escape_markdown, safe_url


def backend_line(backend: Backend, tz: tzinfo = UTC) -> str:
    """The connection state in words."""
    match backend.kind:
        case BackendKind.LIVE:
            return "Live"
        case BackendKind.CONNECTING:
            return "Connecting…"
        case BackendKind.UNREACHABLE if backend.attempt <= 1:
            return f"Reconnecting (attempt {backend.attempt})"
        case BackendKind.UNREACHABLE:
            return (
                f"Unreachable since {clock(backend.since, tz, date=False)} "
                f"(attempt {backend.attempt})"
            )
        case BackendKind.RATE_LIMITED:
            return f"Rate-limited until {clock(backend.until, tz, date=False)}"
        case BackendKind.DENIED:
            return "Access denied"


def first_answer_pending(snap: Snapshot) -> bool:
    """No figures yet, and the first answer is still on its way: the sections show a skeleton.
    (Without figures and with the backend down, they show nothing: the header tells it all.)"""
    return not snap.loaded and snap.backend.kind in (BackendKind.CONNECTING, BackendKind.LIVE)


def is_stale(snap: Snapshot) -> bool:
    """The figures on the page are the last known ones: the backend has stopped answering."""
    backend = snap.backend
    return snap.loaded and (
        backend.kind in (BackendKind.RATE_LIMITED, BackendKind.DENIED)
        or (backend.kind is BackendKind.UNREACHABLE and backend.attempt > 1)
    )


def _source(backend: Backend) -> str:
    name = "the bundled local API" if backend.is_local else "the Dotoro API"
    return f"{name} at {safe_url(backend.url)}"


def _before_first_answer(backend: Backend, tz: tzinfo) -> None:
    """The page before any figures: one sentence on what is happening, never zeros."""
    source = escape_markdown(_source(backend))
    match backend.kind:
        case BackendKind.UNREACHABLE:
            hint = "" if backend.is_local else "If the address is wrong, set SYNC_MONITOR_API_URL."
            st.error(
                f"Can't reach {source} since {clock(backend.since, tz, date=False)}; retrying "
                f"(attempt {backend.attempt}). {escape_markdown(backend.message)} "
                f"{escape_markdown(hint)}".rstrip(),
                icon=":material/cloud_off:",
            )
        case BackendKind.RATE_LIMITED:
            st.warning(
                f"{source[0].upper()}{source[1:]} is rate-limiting this monitor until "
                f"{clock(backend.until, tz, date=False)}; the figures appear once it answers.",
                icon=":material/timer:",
            )
        case BackendKind.DENIED:
            st.error(escape_markdown(backend.message), icon=":material/lock:")
        case _:
            st.caption(f"Connecting to {source}…")


def header(snap: Snapshot, tz: tzinfo = UTC) -> None:
    backend = snap.backend
    if not snap.loaded:
        _before_first_answer(backend, tz)
        return
    stale = is_stale(snap)
    icon = {BackendKind.LIVE: ":green[●]"}.get(backend.kind, ":red[●]")
    updated = "" if stale else f" · updated {clock(snap.polled_at, tz, date=False)}"
    what = "Bundled local API (simulated workload)" if backend.is_local else "Dotoro API"
    st.markdown(
        f"{icon} **{backend_line(backend, tz)}**{updated} · "
        f"{escape_markdown(what)} at {escape_markdown(safe_url(backend.url))}"
    )
    if backend.kind is BackendKind.UNREACHABLE and backend.attempt > 1:
        # The message says what the fault is (no answer, timeout, server error, unreadable).
        st.error(
            f"Since {clock(backend.since, tz, date=False)}: {escape_markdown(backend.message)} "
            "The monitor keeps trying.",
            icon=":material/cloud_off:",
        )
    elif backend.kind is BackendKind.RATE_LIMITED:
        st.warning(
            "The Dotoro API is rate-limiting this monitor until "
            f"{clock(backend.until, tz, date=False)}. Updates resume by themselves; nothing is "
            "lost.",
            icon=":material/timer:",
        )
    elif backend.kind is BackendKind.DENIED:
        st.error(f"{escape_markdown(backend.message)}", icon=":material/lock:")
    if stale:
        st.caption(
            f"**Stale:** the last known figures, as of {clock(snap.polled_at, tz)}; "
            "everything below is from then."
        )
    cols = st.columns(3)
    cols[0].metric("Syncing now", len(snap.active))
    cols[1].metric("Queued", len(snap.pending))
    cols[2].metric("Failed (24 h)", len(snap.failed))
    notes = []
    if snap.streams_waiting:
        notes.append(
            f"Live updates for {snap.streams_live} of {snap.streams_wanted} syncs; the rest "
            "follow as the request budget allows."
        )
    if snap.malformed_events:
        notes.append(f"{snap.malformed_events} unreadable stream events were skipped.")
    if snap.unknown_events:
        notes.append(
            f"{snap.unknown_events} stream events of unknown types were ignored (newer service?)."
        )
    if notes:
        st.caption(" ".join(notes))
