"""Syncing now: a card per active job (the first MAX_CARDS), the rest in a lazy table."""

from __future__ import annotations

import streamlit as st

from sync_monitor.live.actions import Actions
from sync_monitor.live.snapshot import ActiveView, Snapshot
from sync_monitor.push.payload import (
    MAX_CARDS,  # beyond it, the rest of the active syncs go in a table
)
from sync_monitor.text import NAME_LIMIT, duration, escape_markdown, quoted
from sync_monitor.words.cards import CancelState, card_words, figures
from sync_monitor.words.status import first_answer_pending

from .clicks import Who, cancel_clicked
from .markup import badge, focus_order, progress_bar

TABLE_ROWS = 200  # rows of the overflow tables: enough to scan, cheap to send every refresh


def _card(
    card: ActiveView,
    snap: Snapshot,
    actions: Actions,
    who: Who,
    focus_next: tuple[str, ...],
) -> None:
    # Few elements per card: in the fallback this runs every second for every viewer.
    said = card_words(card, snap)
    with st.container(border=True, key=f"card-{card.key}"):
        st.markdown(f"**{escape_markdown(said.name, NAME_LIMIT)}** {badge(card.platform)}")
        if said.full_name is not None and st.toggle(
            f"Show all ({len(said.full_name):,} characters)", key=f"show-all-{card.key}"
        ):
            st.code(said.full_name, language=None, wrap_lines=True, height=320)
        # HTML, not st.progress: its bar is named "progress" whatever it measures (markup.py).
        st.html(progress_bar(said.bar_label, said.fraction, said.progress))
        details = figures(said, said.elapsed_s, said.eta_s)
        if said.failed:
            details.append(f":orange[{said.failed}]")
        if said.stream:
            details.append(escape_markdown(said.stream))
        st.caption(" · ".join(details))
        if said.stalled:
            st.warning(said.stalled, icon=":material/hourglass_disabled:")
        if said.cancel is CancelState.OFFERED and not who().may_act:
            st.caption("Cancel is for operators.")
        elif said.cancel is CancelState.OFFERED and card.job_id is not None:
            # Named after its sync: three cards, three "Cancel" buttons a screen reader can tell
            # apart.
            with st.popover(
                f"Cancel {quoted(card.name)}", icon=":material/cancel:", key=f"cancel-{card.key}"
            ):
                st.markdown("Stop this sync? Campaigns already synced stay synced.")
                st.button(
                    "Yes, cancel this sync",
                    key=f"confirm-cancel-{card.key}",
                    type="primary",
                    on_click=cancel_clicked,
                    args=(actions, who, card.job_id, card.name, focus_next),
                )
        elif said.cancel_note:
            st.caption(said.cancel_note)


def active(snap: Snapshot, actions: Actions, who: Who) -> None:
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
                _card(cards[i], snap, actions, who, focus_order(keys, i, "Syncing now"))
    overflow(snap)


def overflow(snap: Snapshot) -> None:
    """The active syncs beyond the cards, in a table opened on demand."""
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
