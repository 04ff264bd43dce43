"""Syncing now: a card per active job (the first MAX_CARDS), the rest in a lazy table."""

from __future__ import annotations

import streamlit as st

from ..actions import Actions
from ..jobstate import StreamKind
from ..snapshot import ActiveView, Snapshot
from .actions import cancel_clicked
from .header import first_answer_pending
from .markup import focus_order, progress_bar
from .text import badge, duration, escape_markdown, quoted, rate

MAX_CARDS = 24  # beyond this, the rest of the active syncs go in a table
TABLE_ROWS = 200  # rows of the overflow tables: enough to scan, cheap to send every refresh


def _card(card: ActiveView, snap: Snapshot, actions: Actions, focus_next: tuple[str, ...]) -> None:
    # Few elements per card: this runs every second for every viewer.
    with st.container(border=True, key=f"card-{card.key}"):
        st.markdown(f"**{escape_markdown(card.name) or 'Unnamed set'}** {badge(card.platform)}")
        p = card.progress
        # HTML, not st.progress: its bar is named "progress" whatever it measures (markup.py).
        if p.known and p.fraction is not None:
            pct = round(p.fraction * 100)
            text = f"{pct}% · {p.done} of {p.total} campaigns synced"
            st.html(progress_bar(card.name, p.fraction, text))
        else:
            text = "Syncing – live progress not available from this backend"
            st.html(progress_bar(card.name, None, text))
        details = [
            f"Running for at least {duration(card.elapsed_s)}"  # no start time from the backend
            if card.elapsed_at_least
            else f"Elapsed {duration(card.elapsed_s)}"
        ]
        if p.known:
            details += [f"rate {rate(card.rate_per_min)}", f"ETA {duration(card.eta_s)}"]
        if p.failed:
            details.append(f":orange[{p.failed} failed]")
        stream = card.stream
        if stream is not None and stream.kind is StreamKind.RECONNECTING:
            details.append(f"live updates reconnecting (attempt {stream.attempt})")
        elif stream is not None and stream.kind is StreamKind.FAILED:
            details.append(f"live updates unavailable: {escape_markdown(stream.reason)}")
        st.caption(" · ".join(details))
        if card.stalled:
            st.warning(
                f"No progress for over {duration(snap.stall_seconds)}: this sync may be stuck.",
                icon=":material/hourglass_disabled:",
            )
        _cancel(card, snap, actions, focus_next)


def _cancel(
    card: ActiveView, snap: Snapshot, actions: Actions, focus_next: tuple[str, ...]
) -> None:
    if card.cancelling:
        st.caption("Cancelling…")
    elif not snap.features.cancel:
        st.caption("Cancel is not available on this backend.")
    elif card.job_id is None:
        st.caption("Cancel needs the job id, which this backend does not report.")
    else:
        # Named after its sync: three cards, three "Cancel" buttons a screen reader can tell apart.
        with st.popover(
            f"Cancel {quoted(card.name)}", icon=":material/cancel:", key=f"cancel-{card.key}"
        ):
            st.markdown("Stop this sync? Campaigns already synced stay synced.")
            st.button(
                "Yes, cancel this sync",
                key=f"confirm-cancel-{card.key}",
                type="primary",
                on_click=cancel_clicked,
                args=(actions, card.job_id, card.name, focus_next),
            )


def active(snap: Snapshot, actions: Actions) -> None:
    if not snap.loaded:
        if first_answer_pending(snap):  # else the header says why there is nothing to show
            st.subheader("Syncing now")
            _skeleton()
        return
    st.subheader("Syncing now")
    if not snap.active:
        st.info("Nothing is syncing right now.", icon=":material/check_circle:")
        return
    cards = snap.active[:MAX_CARDS]
    keys = [f"card-{c.key}" for c in cards]
    for row in range(0, len(cards), 3):
        for col, i in zip(st.columns(3), range(row, min(row + 3, len(cards))), strict=False):
            with col:
                # A cancelled card goes: focus then moves to it, then to the card beside it.
                _card(cards[i], snap, actions, focus_order(keys, i, "Syncing now"))
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
        with col, st.container(border=True, height=120):
            st.caption("Loading syncs…")
