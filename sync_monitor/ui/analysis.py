"""The analysis page's views: the view from the URL and the controls that change it, the
figures with their change, when they are from, and the charts (the tables: analysis_tables.py).

The view lives in the URL (`st.query_params`), so a pasted link reproduces it; the controls
write it there. Aggregates are computed once per process for a view and minute, whoever looks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

import streamlit as st

from sync_monitor.history import Analysis, Figures, History, Outcome, View, Window
from sync_monitor.history.compare import Kind, chip
from sync_monitor.history.shared import Shared
from sync_monitor.history.view import LONGEST_CUSTOM, PLATFORMS, parse, to_query
from sync_monitor.text import duration, escape_markdown, truncate, zone_name
from sync_monitor.ui import analysis_charts
from sync_monitor.ui.charts import DARK_TEXT, LIGHT_TEXT
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
    of the history (what this process has written to it), however many viewers ask at once.
    They reach up to when they were computed (`Analysis.at`, which the page shows), not back
    to the minute's start: a sync recorded a second ago is in them."""
    minute = now.replace(second=0, microsecond=0)
    key = (history.token, view, minute, version)
    return _shared.get(key, lambda: history.analysis(view, now=now))


def _rate(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


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


FIRST_TRIES = (
    "Failure rate of first tries: attempts that were not a retry of a failure (the set's "
    "attempt before did not fail, or it had none)."
)


def figures(shown: Figures, previous: Figures | None) -> None:
    """Attempts, failure rates (all, first tries, final) and times, with their change: an
    arrow the way it went, red where worse, green where better."""
    items: list[tuple[str, str, str, Kind, str | None]] = [
        ("Syncs attempted", f"{shown.attempted:,}", "attempted", "count", None),
        ("Failure rate", _rate(shown.failure_rate), "failure_rate", "rate", None),
        ("First tries", _rate(shown.first_attempt_rate), "first_attempt_rate", "rate", FIRST_TRIES),
        ("After retries", _rate(shown.final_rate), "final_rate", "rate", None),
        ("Median duration", duration(shown.median_duration_s), "median_duration_s", "time", None),
        ("p90 duration", duration(shown.p90_duration_s), "p90_duration_s", "time", None),
        ("Median queue wait", duration(shown.median_wait_s), "median_wait_s", "time", None),
    ]
    columns = st.columns(len(items))
    for column, (label, text, name, kind, why) in zip(columns, items, strict=True):
        found = chip(getattr(shown, name), getattr(previous, name), kind) if previous else None
        column.metric(
            label,
            text,
            delta=found.text if found else None,
            delta_color=found.color if found else "off",
            delta_arrow=found.arrow if found else "auto",
            help=why,
        )


def as_of(at: datetime, tz: tzinfo) -> None:
    """When the figures were computed, in the viewer's zone."""
    local = at.astimezone(tz)
    st.caption(f"As of {local:%H:%M} {zone_name(local)}: the syncs that began before then.")


def charts(found: Analysis, view: View) -> None:
    earlier = found.earlier
    bucket = view.bucket(found.at)
    st.subheader("Failure rate over time")
    if found.over_time.empty and (earlier is None or earlier.over_time.empty):
        st.caption("No finished syncs in this window.")
    else:
        spec = analysis_charts.rate_over_time(
            found.over_time, earlier.over_time if earlier else None, bucket
        )
        st.altair_chart(spec, key="an-rate")
        per = "hour" if bucket <= timedelta(hours=1) else "day"
        st.caption(
            f"Lines: the failure rate per {per} and platform, broken where nothing finished; "
            f"grey bars: the syncs finished each {per} (right axis)."
            + (" Dashed: the period before, moved onto this one's time." if earlier else "")
        )
    dark = st.context.theme.type == "dark"
    text_color = DARK_TEXT if dark else LIGHT_TEXT
    left, right = st.columns(2)
    with left:
        st.subheader("Failures by cause")
        if found.by_signature.empty:
            before = int(earlier.by_signature["count"].sum()) if earlier else 0
            st.caption(
                "No failures in this window"
                + (f" ({before:,} in the period before)." if before else ".")
            )
        else:
            spec = analysis_charts.by_signature(
                found.by_signature,
                found.signatures,
                earlier.by_signature if earlier else None,
                text_color,
            )
            st.altair_chart(spec, key="an-causes")
            if earlier:
                st.caption("Dashed outline: the cause's failures in the period before.")
    with right:
        st.subheader("How long syncs ran")
        if found.durations.empty:
            st.caption("No timed syncs in this window.")
        else:
            binned = analysis_charts.binned(found.durations, earlier.durations if earlier else None)
            st.altair_chart(analysis_charts.durations(binned), key="an-durations")
            note = analysis_charts.clipped_note(binned)
            if earlier:
                note = " ".join(filter(None, ["Dashed outline: the period before.", note]))
            if note:
                st.caption(note)


def notes(found: list[str]) -> None:
    for note in found:
        st.warning(escape_markdown(note, 300), icon=":material/link_off:")
