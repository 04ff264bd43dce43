"""Failures of the last 24 hours as the fallback draws them: grouped by cause, then an expander
each, with category, advice, full text and Retry."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, tzinfo
from typing import Literal

import streamlit as st

from sync_monitor.history.groups import Cause
from sync_monitor.live.actions import Actions
from sync_monitor.live.snapshot import FailedView, Snapshot
from sync_monitor.text import (
    NAME_LIMIT,
    clock,
    duration,
    escape_markdown,
    is_cut,
    quoted,
    relative,
    truncate,
)
from sync_monitor.triage.groups import CauseState, FailureGroup, failure_groups
from sync_monitor.words.categories import NO_REASON, categorize
from sync_monitor.words.status import first_answer_pending, held_back_by

from .batch import ASKED
from .clicks import Who, retry_clicked
from .markup import focus_order

FAILED_PAGE = 25
ERROR_LIMIT = 2_000  # characters of an error shown at first; "Show all" gives the rest


def _failure(
    item: FailedView,
    snap: Snapshot,
    actions: Actions,
    who: Who,
    tz: tzinfo,
    focus_next: tuple[str, ...],
) -> None:
    category = categorize(item.error)
    # The service as deployed gives neither (§3.4): say so in words, never "unknown — Unknown".
    preview = truncate(item.error, 80) if item.error else NO_REASON
    when = clock(item.failed_at, tz) if item.failed_at else "time not given"
    # The label must not change between refreshes: Streamlit keys an expander's open state by
    # its label too, so a ticking "3 min ago" in it would close the expander every minute.
    label = (
        f"{escape_markdown(item.name, NAME_LIMIT) or 'Unnamed set'} · "
        f"{item.platform.label} · {when} — {escape_markdown(preview)}"
    )
    # Keyed and untracked: the frontend keeps it open across refreshes (identity = key). The
    # icon as a parameter, not in the label: there it would be read out ("error icon").
    with st.expander(label, key=f"failed-{item.key}", icon=":material/error:"):
        failed = (
            f"Failed {relative(item.failed_at, snap.taken_at)}, at {clock(item.failed_at, tz)}"
            if item.failed_at
            else "The service did not say when it failed."
        )
        kind = category.label if item.error else "No reason given"
        # pg-boss's own count of tries (issue 12), where its table is read.
        tried = f"  \nTried {item.tries[0]} of {item.tries[1]} times." if item.tries else ""
        st.markdown(f"**{kind}.** {category.advice}  \n{failed}{tried}")
        _full_text(item)
        if item.stack and st.toggle("Show the stack trace", key=f"stack-{item.key}"):
            st.code(item.stack, language=None, wrap_lines=True, height=_scrolling(item.stack))
        # Named after its sync, so a screen reader's list of buttons tells them apart.
        # Stale, the service cannot be reached: the button stays in its place, disabled, with
        # the reason beside it.
        unreachable = held_back_by(snap.backend) if snap.frozen_at is not None else None
        if not who().may_act:
            st.caption("Retry is for operators.")
        elif category.retry_helps:
            st.button(
                f"Retry {quoted(item.name)}",
                key=f"retry-{item.set_id}",
                icon=":material/replay:",
                type="primary",
                on_click=retry_clicked,
                args=(actions, who, item.set_id, item.name, focus_next),
                disabled=unreachable is not None,
            )
        else:
            st.button(
                f"Retry {quoted(item.name)} anyway",
                key=f"retry-{item.set_id}",
                type="secondary",
                on_click=retry_clicked,
                args=(actions, who, item.set_id, item.name, focus_next),
                help="Only after the ad account has been reconnected.",
                disabled=unreachable is not None,
            )
        if unreachable is not None and who().may_act:
            st.caption(f"Retry is unavailable: {unreachable}.")
        # After the button, so that it keeps its place (and the viewer's focus) as these come
        # and go; enabled while retrying: a second click sends nothing more.
        if item.retrying:
            st.caption("Retrying… waiting for the service to queue it.")
        if item.refused:
            st.warning(f"The retry was refused. {escape_markdown(item.refused)}")


def _full_text(item: FailedView) -> None:
    """The error as the service sent it, in a code block (plain text, exact when copied), and,
    where the label cut the name or the error is very long, a "Show all" switch for the rest:
    a 200 KB error must not make the expander a mile long, nor be lost."""
    error = item.error or ""
    long_name, long_error = is_cut(item.name, NAME_LIMIT), len(error) > ERROR_LIMIT
    show_all = (long_name or long_error) and st.toggle(
        f"Show all ({len(item.name) + len(error):,} characters)",
        key=f"show-all-{item.key}",
        help="The full name and error, as the service sent them.",
    )
    if show_all and long_name:
        st.code(item.name, language=None, wrap_lines=True, height=_scrolling(item.name))
    if error:
        shown = error if show_all or not long_error else error[:ERROR_LIMIT] + "…"
        st.code(shown, language=None, wrap_lines=True, height=_scrolling(shown))


def _scrolling(text: str) -> int | Literal["content"]:
    """A long text scrolls inside its block rather than stretching the page."""
    return 320 if len(text) > ERROR_LIMIT else "content"


def failed(
    snap: Snapshot,
    actions: Actions,
    who: Who,
    tz: tzinfo = UTC,
    states: Mapping[Cause, CauseState] | None = None,
) -> None:
    """The failures grouped by cause (issue 23): a line per cause with its category, platform,
    counts and times, and "Retry this group…" (the dry run); its failures under it."""
    if not snap.loaded:
        if first_answer_pending(snap):  # else the header says why there is nothing to show
            st.subheader("Failed in the last 24 hours")
            st.caption("Loading failures…")
        return
    st.subheader("Failed in the last 24 hours")
    if not snap.failed:
        st.success("No failed syncs in the last 24 hours.", icon=":material/check_circle:")
        return
    groups = failure_groups(snap.failed)
    shown = st.session_state.get("failed-shown", FAILED_PAGE)
    items = [f for g in groups[:shown] for f in g.failures]
    keys = [f"failed-{item.key}" for item in items]
    at = 0
    for group in groups[:shown]:
        _group(group, snap, who, tz, (states or {}).get(group.cause))
        for item in group.failures:
            # A retried failure leaves the list once queued: focus then moves to the one beside it.
            focus_next = focus_order(keys, at, "Failed in the last 24 hours")
            _failure(item, snap, actions, who, tz, focus_next)
            at += 1
    if len(groups) > shown:
        st.caption(f"Showing {shown} of {len(groups)} causes, the most failures first.")
        st.button(
            f"Show {min(FAILED_PAGE, len(groups) - shown)} more causes",
            key="failed-more",
            on_click=_show_more,
        )


def _group(
    group: FailureGroup, snap: Snapshot, who: Who, tz: tzinfo, known: CauseState | None
) -> None:
    sets = len(group.set_ids)
    count = f"{group.count} {'failure' if group.count == 1 else 'failures'}"
    in_sets = "" if sets == group.count else f" in {sets} {'set' if sets == 1 else 'sets'}"
    when = (
        f", first {clock(group.first_at, tz)}, last {clock(group.last_at, tz)}"
        if group.first_at and group.last_at
        else ""
    )
    state = f" · {known.state}" if known else ""
    recovered = (
        f" Sets recovered from it in {duration(known.recovery.total_seconds())} (median)."
        if known and known.recovery
        else ""
    )
    st.markdown(
        f"**{escape_markdown(group.label)} · {group.platform.label}** — {count}{in_sets}{when}"
        f"{state}{recovered}  \n{escape_markdown(group.example)}"
    )
    if who().may_act:
        # Stale: the service cannot be reached, so neither can a batch (the failures' own
        # Retry buttons say why).
        st.button(
            "Retry this group…",
            key=f"group-{group.key}",
            on_click=_group_asked,
            args=(group.key,),
            disabled=snap.frozen_at is not None and held_back_by(snap.backend) is not None,
        )


def _group_asked(key: str) -> None:
    st.session_state[ASKED] = [key]


def _show_more() -> None:
    st.session_state["failed-shown"] = st.session_state.get("failed-shown", FAILED_PAGE) + (
        FAILED_PAGE
    )
