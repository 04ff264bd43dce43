"""The queue in order: position, name, platform, waiting time and estimated start."""

from __future__ import annotations

import streamlit as st

from ..snapshot import PendingView, Snapshot
from .text import badge, duration, escape_markdown, wait_range

QUEUE_SHOWN = 3  # the queue collapses past this many


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
