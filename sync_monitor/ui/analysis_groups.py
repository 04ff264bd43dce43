"""The analysis page's error groups over time (issue 23): one row per cause with its state in
words, as a sortable table. Every cell is plain text (a dataframe reads no Markdown), and the
signature is cleaned as any backend text (`truncate`)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pandas as pd
import streamlit as st

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import History, View
from sync_monitor.history.groups import ESCALATION_FACTOR, ESCALATION_MIN, LOOKBACK, Group
from sync_monitor.history.shared import Shared
from sync_monitor.text import truncate
from sync_monitor.ui.analysis import CATEGORY_LABELS
from sync_monitor.ui.analysis_tables import NO_TEXT

CAUSE_LIMIT = 120  # characters of a signature in a cell: the cause, not the whole message
SHORT_WHEN = "D MMM, HH:mm"  # the 375 px table has no room for the year and seconds
EXPLAINED = (
    "**regressed**: a campaign set failed this way again after it had succeeded; "
    f"**escalating**: at least {ESCALATION_MIN} failures in the last 24 h and "
    f"{ESCALATION_FACTOR:g}× its daily level over the 7 days before; "
    f"**new**: not seen in the {LOOKBACK.days} days before this window; **resolved**: every "
    "set it hit has succeeded since; **ongoing**: the rest. Recovery: the median time from a "
    "set's failure to its next success."
)

_shared: Shared[tuple[object, ...], tuple[Group, ...]] = Shared(keep=32)
# One thread per process starts a view's groups ahead (a second viewer's waits in `_shared`).
_ahead = ThreadPoolExecutor(max_workers=1, thread_name_prefix="error-groups")


def frame(groups: Sequence[Group]) -> pd.DataFrame:
    """The table's rows: words and numbers only, times as UTC timestamps."""
    return pd.DataFrame(
        {
            "state": [g.state.value for g in groups],
            "cause": [truncate(g.cause.signature, CAUSE_LIMIT) or NO_TEXT for g in groups],
            "platform": [Platform.coerce(g.cause.platform).label for g in groups],
            "category": [CATEGORY_LABELS.get(g.cause.category, g.cause.category) for g in groups],
            "failures": [g.tally.failures for g in groups],
            "today": [g.tally.today for g in groups],
            "sets": [g.tally.sets for g in groups],
            "failing": [g.failing_sets for g in groups],
            # Minutes as a number, so that the column sorts by time (text would sort "10 s"
            # before "2 min").
            "recovery": [
                None if g.time_to_recovery is None else g.time_to_recovery.total_seconds() / 60
                for g in groups
            ],
            "first": pd.to_datetime([g.tally.first for g in groups], utc=True),
            "last": pd.to_datetime([g.tally.last for g in groups], utc=True),
        }
    )


def _groups(history: History, view: View, now: datetime, version: int) -> tuple[Group, ...]:
    minute = now.replace(second=0, microsecond=0)
    key = (history.token, view, minute, version)
    return _shared.get(key, lambda: tuple(history.error_groups(view, now=minute)))


def prefetch(history: History, view: View, now: datetime, version: int) -> None:
    """Start the groups' queries now, beside the figures' and charts' (the page draws them
    after those): the section then waits only for what is left of them. A failure is raised
    where the section asks for them, not here."""
    _ahead.submit(_groups, history, view, now, version)


def section(history: History, view: View, now: datetime, version: int) -> None:
    """The error groups of `view`, computed once per process for each view, minute and
    `version` of the history, as the analysis is (ui/analysis.py)."""
    groups = _groups(history, view, now, version)
    st.subheader("Error groups over time")
    if not groups:
        st.caption("No failures in this window.")
        return
    st.dataframe(
        frame(groups),
        hide_index=True,
        key="an-groups",
        column_config={
            "state": st.column_config.TextColumn("state", width="small"),
            "cause": st.column_config.TextColumn("cause", help="The error signature"),
            "failures": st.column_config.NumberColumn("failures", help="In this window"),
            "today": st.column_config.NumberColumn("last 24 h", help="Before the window's end"),
            "sets": st.column_config.NumberColumn("sets", help="Campaign sets it hit"),
            "failing": st.column_config.NumberColumn(
                "still failing", help="Of those sets, the ones whose latest sync failed"
            ),
            "recovery": st.column_config.NumberColumn(
                "recovery", format="%.1f min", help="Median time from a failure to success"
            ),
            "first": st.column_config.DatetimeColumn(
                "first seen", format=SHORT_WHEN, timezone="UTC", help="UTC"
            ),
            "last": st.column_config.DatetimeColumn(
                "last seen", format=SHORT_WHEN, timezone="UTC", help="UTC"
            ),
        },
    )
    st.caption(EXPLAINED)
