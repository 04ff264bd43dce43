"""The header: connection state in words, counts, and banners that say what to check."""

from __future__ import annotations

import streamlit as st

from ..snapshot import Backend, BackendKind, Snapshot
from .text import clock, escape_markdown, safe_url


def backend_line(backend: Backend) -> str:
    """The connection state in words."""
    match backend.kind:
        case BackendKind.LIVE:
            return "Live"
        case BackendKind.CONNECTING:
            return "Connecting…"
        case BackendKind.UNREACHABLE if backend.attempt <= 1:
            return f"Reconnecting (attempt {backend.attempt})"
        case BackendKind.UNREACHABLE:
            return f"Unreachable since {clock(backend.since)} (attempt {backend.attempt})"
        case BackendKind.RATE_LIMITED:
            return f"Rate-limited until {clock(backend.until)}"
        case BackendKind.DENIED:
            return "Access denied"


def header(snap: Snapshot) -> None:
    backend = snap.backend
    source = "Bundled local API (simulated workload)" if backend.is_local else "Dotoro API"
    icon = {BackendKind.LIVE: ":green[●]", BackendKind.CONNECTING: ":gray[●]"}.get(
        backend.kind, ":red[●]"
    )
    refreshed = clock(snap.polled_at) if snap.polled_at else "not yet"
    st.markdown(
        f"{icon} **{escape_markdown(backend_line(backend))}** · data from "
        f"{escape_markdown(refreshed)} · {escape_markdown(source)} at "
        f"{escape_markdown(safe_url(backend.url))}"
    )
    cols = st.columns(3)
    cols[0].metric("Syncing now", len(snap.active))
    cols[1].metric("Queued", len(snap.pending))
    cols[2].metric("Failed (24 h)", len(snap.failed))
    if backend.kind is BackendKind.UNREACHABLE and backend.attempt > 1:
        st.error(
            f"The Dotoro API has not answered since {clock(backend.since)}. "
            f"{escape_markdown(backend.message)} The figures below are from the last "
            "successful poll; the monitor keeps trying.",
            icon=":material/cloud_off:",
        )
    elif backend.kind is BackendKind.RATE_LIMITED:
        st.warning(
            f"The Dotoro API is rate-limiting this monitor until {clock(backend.until)}. "
            "Updates resume by themselves; nothing is lost.",
            icon=":material/timer:",
        )
    elif backend.kind is BackendKind.DENIED:
        st.error(f"{escape_markdown(backend.message)}", icon=":material/lock:")
    if snap.malformed_events:
        st.caption(f"{snap.malformed_events} unreadable stream events were skipped.")
