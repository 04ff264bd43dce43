"""Failures of the last 24 hours: an expander each, with category, advice, full text and Retry."""

from __future__ import annotations

import streamlit as st

from ..actions import Actions
from ..categories import categorize
from ..snapshot import FailedView, Snapshot
from .actions import retry_clicked
from .text import clock, escape_markdown, relative, truncate

FAILED_PAGE = 25


def _failure(item: FailedView, snap: Snapshot, actions: Actions) -> None:
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
                args=(actions, item.set_id, item.name),
            )
        else:
            st.button(
                "Retry anyway",
                key=f"retry-{item.set_id}",
                type="tertiary",
                on_click=retry_clicked,
                args=(actions, item.set_id, item.name),
                help="Only after the ad account has been reconnected.",
            )


def failed(snap: Snapshot, actions: Actions) -> None:
    st.subheader("Failed in the last 24 hours")
    if not snap.loaded:
        st.caption("Loading failures…")
        return
    if not snap.failed:
        st.success("No failed syncs in the last 24 hours.", icon=":material/check_circle:")
        return
    shown = st.session_state.get("failed-shown", FAILED_PAGE)
    for item in snap.failed[:shown]:
        _failure(item, snap, actions)
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
