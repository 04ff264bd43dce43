"""The analysis page's views: the view from the URL and the controls that change it, figures,
charts, the signatures and attempts tables, and their CSV downloads.

The view lives in the URL (`st.query_params`), so a pasted link reproduces it; the controls
write it there. Aggregates are computed once per process for a view and minute, whoever looks.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, tzinfo

import pandas as pd
import streamlit as st

from sync_monitor.history import Analysis, Figures, History, Outcome, View, Window
from sync_monitor.history.shared import Shared
from sync_monitor.history.view import LONGEST_CUSTOM, PLATFORMS, parse, to_query
from sync_monitor.text import duration, escape_markdown, spreadsheet_safe, truncate
from sync_monitor.ui import analysis_charts
from sync_monitor.words import categories

WINDOWS = {Window.DAY: "24 h", Window.WEEK: "7 d", Window.MONTH: "30 d", Window.QUARTER: "90 d"}
WINDOWS[Window.CUSTOM] = "Custom"
CATEGORY_LABELS = {
    c.kind.value: c.label
    for c in (
        categories.RATE_LIMIT,
        categories.CREDENTIALS,
        categories.VALIDATION,
        categories.OUTAGE,
        categories.TIMEOUT,
        categories.UNKNOWN,
    )
}
FINAL_STATES = (Outcome.COMPLETED, Outcome.FAILED, Outcome.CANCELLED)
SHOWN_ATTEMPTS = 500
EXPORTED_ATTEMPTS = 100_000
WHEN = "D MMM YYYY, HH:mm:ss [UTC]"  # the tables' times (momentjs), always in UTC as the URL's days
TIMES = ("at", "queued", "started", "finished")
NO_TEXT = "(the service gave no reason)"  # the signature of failures without an error text
SYNCED = "analysis-url"  # session key: the query the controls were last set from

_shared: Shared[tuple[object, ...], Analysis] = Shared(keep=32)


def view_from_url() -> tuple[View, list[str]]:
    """The view the page's URL asks for, and a note for each value it had to drop."""
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    parsed = parse(query, datetime.now(UTC).date())
    return parsed.view, parsed.notes


def controls(view: View, sets: list[tuple[str, str]]) -> None:
    """The window, filters and compare switch, set from the URL when it changed (a pasted
    link), writing the URL when the viewer changes them."""
    query = to_query(view)
    if st.session_state.get(SYNCED) != query:
        st.session_state[SYNCED] = query
        st.session_state["an-window"] = view.window
        st.session_state["an-days"] = (view.start, view.end) if view.start and view.end else ()
        st.session_state["an-platforms"] = list(view.platforms)
        st.session_state["an-set"] = view.set_id
        st.session_state["an-categories"] = list(view.categories)
        st.session_state["an-states"] = list(view.states)
        st.session_state["an-compare"] = view.compare
    top = st.columns([3, 2, 1])
    top[0].segmented_control(
        "Window",
        list(WINDOWS),
        format_func=lambda w: WINDOWS[w],
        key="an-window",
        on_change=_to_url,
    )
    if st.session_state.get("an-window") is Window.CUSTOM:
        today = datetime.now(UTC).date()
        top[1].date_input(
            "From – to (UTC)",
            max_value=today,
            min_value=today - LONGEST_CUSTOM,  # the bounds `parse` keeps a URL's dates in
            key="an-days",
            on_change=_to_url,
        )
    top[2].toggle(
        "Compare", key="an-compare", on_change=_to_url, help="With the period just before."
    )
    names = dict(sets)
    cols = st.columns(4)
    cols[0].multiselect(
        "Platform", PLATFORMS, format_func=lambda p: p.label, key="an-platforms", on_change=_to_url
    )
    cols[1].selectbox(
        "Campaign set",
        [None, *names],
        format_func=lambda s: "All" if s is None else truncate(names.get(s, s), 60),
        key="an-set",
        on_change=_to_url,
    )
    cols[2].multiselect(
        "Error category",
        list(CATEGORY_LABELS),
        format_func=lambda c: CATEGORY_LABELS[c],
        key="an-categories",
        on_change=_to_url,
    )
    cols[3].multiselect(
        "Final state",
        FINAL_STATES,
        format_func=lambda s: s.value,
        key="an-states",
        on_change=_to_url,
    )


def _to_url() -> None:
    """The controls' view into the URL (and only valid values: the widgets offer no others)."""
    state = st.session_state
    window = state.get("an-window") or Window.WEEK
    days = tuple(state.get("an-days") or ())
    if window is Window.CUSTOM and len(days) == 1:
        return  # the first click of a range: the second one sets the view
    start, end = (days[0], days[1]) if len(days) == 2 else (None, None)
    if window is Window.CUSTOM and not (isinstance(start, date) and isinstance(end, date)):
        today = datetime.now(UTC).date()
        start, end = today - timedelta(days=6), today
        state["an-days"] = (start, end)
    view = View(
        window=window,
        start=start if window is Window.CUSTOM else None,
        end=end if window is Window.CUSTOM else None,
        platforms=tuple(state.get("an-platforms") or ()),
        set_id=state.get("an-set"),
        categories=tuple(state.get("an-categories") or ()),
        states=tuple(state.get("an-states") or ()),
        compare=bool(state.get("an-compare")),
    )
    query = to_query(view)
    state[SYNCED] = query
    st.query_params.from_dict(query)


def analysis(history: History, view: View, now: datetime, version: int) -> Analysis:
    """The view's aggregates, computed once per process for each view, minute and `version`
    of the history (what this process has written to it), however many viewers ask at once."""
    minute = now.replace(second=0, microsecond=0)
    key = (history.token, view, minute, version)
    return _shared.get(key, lambda: history.analysis(view, now=minute))


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _delta(now: float | int | None, before: float | int | None, kind: str) -> str | None:
    if now is None or before is None:
        return None
    change = float(now) - float(before)
    if kind == "rate":
        return f"{change * 100:+.1f} pts"
    if kind == "time":
        return ("+" if change >= 0 else "−") + duration(abs(change))
    return f"{change:+,.0f}"


def queue_reach(found: int, oldest: datetime | None, tz: tzinfo) -> None:
    reach = "held no ended job"
    if oldest is not None:
        jobs = "job" if found == 1 else "jobs"
        reach = f"held {found:,} ended {jobs}, back to {oldest.astimezone(tz):%a %d %b %H:%M}"
    st.caption(
        f"At start, the service's queue table (pg-boss) {reach}; pg-boss deletes ended jobs "
        "about a week after they end, so anything older comes from what this monitor recorded "
        "while it ran."
    )


def figures(shown: Figures, previous: Figures | None) -> None:
    """Attempts, failure rates (all, first attempts, final) and times, with their change."""
    items: list[tuple[str, str, float | int | None, str]] = [
        ("Syncs attempted", f"{shown.attempted:,}", shown.attempted, "count"),
        ("Failure rate", _rate(shown.failure_rate), shown.failure_rate, "rate"),
        ("First attempt", _rate(shown.first_attempt_rate), shown.first_attempt_rate, "rate"),
        ("After retries", _rate(shown.final_rate), shown.final_rate, "rate"),
        ("Median duration", duration(shown.median_duration_s), shown.median_duration_s, "time"),
        ("p90 duration", duration(shown.p90_duration_s), shown.p90_duration_s, "time"),
        ("Median queue wait", duration(shown.median_wait_s), shown.median_wait_s, "time"),
    ]
    befores: list[float | int | None] = (
        [
            previous.attempted,
            previous.failure_rate,
            previous.first_attempt_rate,
            previous.final_rate,
            previous.median_duration_s,
            previous.p90_duration_s,
            previous.median_wait_s,
        ]
        if previous
        else [None] * len(items)
    )
    columns = st.columns(len(items))
    for column, (label, text, now, kind), before in zip(columns, items, befores, strict=True):
        column.metric(
            label,
            text,
            delta=_delta(now, before, kind) if previous else None,
            # More failures, or slower: red. More syncs attempted: neither good nor bad.
            delta_color="inverse" if kind in ("rate", "time") else "off",
        )


def charts(found: Analysis, view: View, now: datetime) -> None:
    hourly = view.bucket(now) <= timedelta(hours=1)
    st.subheader("Failure rate over time")
    if found.over_time.empty:
        st.caption("No finished syncs in this window.")
    else:
        st.altair_chart(analysis_charts.rate_over_time(found.over_time, hourly), key="an-rate")
    left, right = st.columns(2)
    with left:
        st.subheader("Failures by cause")
        if found.by_signature.empty:
            st.caption("No failures in this window.")
        else:
            spec = analysis_charts.by_signature(found.by_signature, found.signatures)
            st.altair_chart(spec, key="an-causes")
    with right:
        st.subheader("How long syncs ran")
        if found.durations.empty:
            st.caption("No timed syncs in this window.")
        else:
            st.altair_chart(analysis_charts.durations(found.durations), key="an-durations")


def _csv(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow(["" if pd.isna(v) else spreadsheet_safe(str(v)) for v in row])
    return out.getvalue()


def tables(history: History, found: Analysis, view: View, now: datetime) -> None:
    st.subheader("Error signatures")
    signatures = found.signatures.assign(
        signature=[s or NO_TEXT for s in found.signatures["signature"]],
        category=[CATEGORY_LABELS.get(c, c) for c in found.signatures["category"]],
        sample=[truncate(s, 300) for s in found.signatures["sample"]],
    )
    if signatures.empty:
        st.caption("No failures in this window.")
    else:
        st.dataframe(
            signatures,
            hide_index=True,
            key="an-signatures",
            column_config={
                "share": st.column_config.NumberColumn("share", format="percent"),
                "first": st.column_config.DatetimeColumn("first seen", format=WHEN, timezone="UTC"),
                "last": st.column_config.DatetimeColumn("last seen", format=WHEN, timezone="UTC"),
                "sets": st.column_config.NumberColumn("campaign sets"),
            },
        )
    st.download_button(
        "Download the signatures (CSV)",
        data=lambda: _csv(found.signatures),
        file_name=f"{view.name()}-signatures.csv",
        mime="text/csv",
        key="an-signatures-csv",
        on_click="ignore",
    )
    st.subheader("Attempts")
    rows = history.attempts(view, now=now, limit=SHOWN_ATTEMPTS)
    total = found.figures.attempted
    if rows.empty:
        st.caption("No attempts in this window.")
    else:
        if total > len(rows):
            st.caption(f"The newest {len(rows):,} of {total:,}; the download has up to 100,000.")
        shown = rows.drop(columns=["key", "source"]).assign(
            set_name=[truncate(n, 120) for n in rows["set_name"]],
            error=[truncate(e, 300) if isinstance(e, str) else "" for e in rows["error"]],
        )
        times = {c: st.column_config.DatetimeColumn(c, format=WHEN, timezone="UTC") for c in TIMES}
        st.dataframe(shown, hide_index=True, key="an-attempts", column_config=times)
    st.download_button(
        "Download the attempts (CSV)",
        data=lambda: _csv(history.attempts(view, now=now, limit=EXPORTED_ATTEMPTS)),
        file_name=f"{view.name()}-attempts.csv",
        mime="text/csv",
        key="an-attempts-csv",
        on_click="ignore",
    )


def notes(found: list[str]) -> None:
    for note in found:
        st.warning(escape_markdown(note, 300), icon=":material/link_off:")
