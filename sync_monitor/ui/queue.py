"""The queue in order: position, name, platform, waiting time and estimated start."""

from __future__ import annotations

from datetime import UTC, tzinfo

import pandas as pd
import streamlit as st

from sync_monitor.live.snapshot import PendingView, Snapshot
from sync_monitor.text import (
    NAME_LIMIT,
    duration,
    escape_markdown,
    short_duration,
    short_range,
    wait_range,
)
from sync_monitor.words.cards import queue_note
from sync_monitor.words.status import first_answer_pending

from .markup import badge

QUEUE_SHOWN = 3  # the queue collapses past this many


def _queue_row(item: PendingView, tz: tzinfo) -> None:
    if item.optimistic:
        when = "queued again by your retry – confirming…"
    elif item.waiting_at_least:  # the backend gives no queue time (head, §3.4)
        when = f"queued for at least {duration(item.waiting_s)} (since the monitor saw it)"
    else:
        when = (
            f"waiting {duration(item.waiting_s)} · starts "
            f"{wait_range(item.wait_low_s, item.wait_high_s)}"
        )
    if extra := queue_note(item, tz):
        when = f"{when} · {extra}"
    fresh = " :blue-badge[queued by your retry]" if item.just_queued else ""
    st.markdown(
        f"**#{item.position}** {escape_markdown(item.name, NAME_LIMIT) or 'Unnamed set'} "
        f"{badge(item.platform)}{fresh}  \n{escape_markdown(when)}"
    )


def _table(rest: tuple[PendingView, ...]) -> None:
    """The rest of the queue as an HTML table: it wraps to the width it is given (1,024 or
    375 px), so every column stays in view and no value is cut; cells are escaped Markdown."""
    frame = pd.DataFrame(
        [
            {
                "\\#": str(p.position),  # cells are Markdown: a bare "#" is an empty heading
                "Campaign set": escape_markdown(p.name, NAME_LIMIT) or "Unnamed set",
                "Platform": p.platform.label,
                "Waiting": ("≥ " if p.waiting_at_least else "") + short_duration(p.waiting_s),
                "Starts": short_range(p.wait_low_s, p.wait_high_s)
                + (" (held)" if p.not_before is not None else ""),
            }
            for p in rest
        ]
    )
    # A name may be one long word: let it break anywhere rather than push the table wider than
    # a phone; and half the default left padding, so five columns fit in 375 px.
    # The rule goes inside the name's cell (column 1): Streamlit's Markdown there resets it.
    styled = (
        frame.style.hide(axis="index")
        .set_table_styles(
            [
                {"selector": "th", "props": [("padding-left", "0.5rem")]},
                {"selector": "td.col1 *", "props": [("overflow-wrap", "anywhere")]},
            ]
        )
        .set_properties(**{"padding-left": "0.5rem"})
    )
    st.table(styled, border="horizontal")


def pending(snap: Snapshot, tz: tzinfo = UTC) -> None:
    if not snap.loaded:
        if first_answer_pending(snap):  # else the header says why there is nothing to show
            st.subheader("Queue")
            st.caption("Loading the queue…")
        return
    st.subheader("Queue")
    if not snap.pending:
        st.caption("The queue is empty: new syncs start at once.")
        return
    # The head of the queue, and every set just queued by a retry wherever it lands: a
    # just-retried set is found without opening the table.
    pinned = [i < QUEUE_SHOWN or p.optimistic or p.just_queued for i, p in enumerate(snap.pending)]
    shown = [p for p, pin in zip(snap.pending, pinned, strict=True) if pin]
    rest = tuple(p for p, pin in zip(snap.pending, pinned, strict=True) if not pin)
    for item in shown:
        _queue_row(item, tz)
    if rest:
        st.caption(f"{len(rest)} more in the queue.")
        more = st.expander("The rest of the queue", key="queue-more", on_change="rerun")
        if more.open:  # lazy: the table is built only while someone looks at it
            with more:
                _table(rest)
    if all(p.waiting_at_least for p in snap.pending if not p.optimistic):
        st.caption(
            "This backend gives no queue times: the queue is in the order the monitor saw the "
            "syncs queued, and there are no start estimates."
        )
    else:
        st.caption(
            f"Estimates assume {snap.workers} worker{'s' if snap.workers != 1 else ''} "
            "and the durations seen per platform; ranges run from typical to slow."
        )
