"""Retry and cancel from the page: the click hands the action to the hub; its result becomes a
toast on a later run (the session keeps the futures)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future

import streamlit as st

from sync_monitor.access import Caller
from sync_monitor.live.actions import ActionResult, Actions
from sync_monitor.text import escape_markdown

from .markup import focus_script

ACTIONS = "sync_monitor_actions"  # session key: in-flight actions whose result needs a toast
FOCUS = "sync_monitor_focus"  # session key: where focus goes once the clicked button is gone
FOCUS_COUNT = "sync_monitor_focus_token"  # ... and a counter: the newest focus script wins
FOCUS_FOR = 30.0  # seconds the focus script stays on the page after an action


def _track(future: Future[ActionResult], what: str) -> None:
    tracked = st.session_state.setdefault(ACTIONS, [])
    if all(f is not future for f, _ in tracked):  # a replayed click: one toast, not two
        tracked.append((future, what))


Who = Callable[[], Caller]  # who the viewer is, asked at the click (not when drawn)


def retry_clicked(
    actions: Actions, who: Who, set_id: str, name: str, focus_next: tuple[str, ...] = ()
) -> None:
    """Send the retry as `who()` is now (the hub refuses a viewer, even for an event replayed
    from when they were not one); the clicked button leaves with its failure, so focus then
    moves to the first of the CSS selectors `focus_next` still on the page (`restore_focus`)."""
    _track(actions.retry(set_id, who()), f"Retry of {escape_markdown(name) or 'the sync'}")
    _focus_after(focus_next)


def cancel_clicked(
    actions: Actions, who: Who, job_id: str, name: str, focus_next: tuple[str, ...] = ()
) -> None:
    """Send the cancel as `who()` is now; focus then moves as after a retry."""
    _track(actions.cancel(job_id, who()), f"Cancel of {escape_markdown(name) or 'the sync'}")
    _focus_after(focus_next)


def _focus_after(focus_next: tuple[str, ...]) -> None:
    token = st.session_state[FOCUS_COUNT] = st.session_state.get(FOCUS_COUNT, 0) + 1
    st.session_state[FOCUS] = (list(focus_next), token, time.monotonic() + FOCUS_FOR)


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
            st.toast(
                f"{what} failed: {escape_markdown(result.message, limit=400)}",
                icon=":material/error:",
            )
    st.session_state[ACTIONS] = waiting


def restore_focus() -> None:
    """After an action, put focus where the click asked once the clicked button has gone.

    The script is drawn on every run for FOCUS_FOR seconds, not once: a run that redraws the
    page (a section's membership changed, see app_pages/live.py) would otherwise take it away
    before the button it watches has gone."""
    entry = st.session_state.get(FOCUS)
    if entry is None:
        return
    selectors, token, until = entry
    if time.monotonic() > until:
        del st.session_state[FOCUS]
        return
    if selectors:
        st.html(focus_script(selectors, token), unsafe_allow_javascript=True, width="content")
