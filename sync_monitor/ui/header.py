"""The header drawn by Streamlit (the fallback when the push channel is unreachable, and AppTest):
connection state in words, counts, and banners that say what to check. The words are
`words.status`'s, the same the browser component shows."""

from __future__ import annotations

from datetime import UTC, tzinfo

import streamlit as st

from sync_monitor.live.snapshot import BackendKind, Snapshot
from sync_monitor.text import clock, escape_markdown
from sync_monitor.words.status import (
    Banner,
    Level,
    banner,
    before_first_answer,
    counts,
    is_live,
    notes,
    say,
    source,
    stale_note,
    status_line,
)

ICONS = {
    BackendKind.UNREACHABLE: ":material/cloud_off:",
    BackendKind.RATE_LIMITED: ":material/timer:",
    BackendKind.DENIED: ":material/lock:",
}


def _banner(said: Banner, kind: BackendKind, tz: tzinfo) -> None:
    text = say(said.words, tz, escape_markdown)
    icon = ICONS.get(kind, ":material/info:")
    if said.level is Level.ERROR:
        st.error(text, icon=icon)
    elif said.level is Level.WARNING:
        st.warning(text, icon=icon)
    else:
        st.caption(text)


def header(snap: Snapshot, tz: tzinfo = UTC, refresh: str = "") -> None:
    """`refresh`: how this page is kept up to date, when it is not by push."""
    backend = snap.backend
    if not snap.loaded:
        _banner(before_first_answer(backend), backend.kind, tz)
        return
    stale = stale_note(snap)
    icon = ":green[●]" if is_live(snap) else ":red[●]"
    updated = "" if stale else f" · updated {clock(snap.polled_at, tz, date=False)}"
    st.markdown(
        f"{icon} **{say(status_line(snap), tz, escape_markdown)}**{updated} · "
        f"{say(source(backend, snap.collector), tz, escape_markdown)}"
    )
    trouble = banner(snap)
    if trouble is not None:
        _banner(trouble, backend.kind, tz)
    if stale:
        st.caption(say(stale, tz, escape_markdown))
    for col, (label, n) in zip(st.columns(3), counts(snap), strict=True):
        col.metric(label, n)
    said = " ".join(n for n in (refresh, notes(snap)) if n)
    if said:
        st.caption(escape_markdown(said, limit=1_000))  # our sentences: not cut like a name
