"""Failure analysis: failure rates over the history, by any cut, as a shareable link.

The view (window, filters, compare) is in the URL; the numbers come from the history store
(`sync_monitor.history`), aggregated there, the same as `History.analysis` gives a notebook.
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from sync_monitor import runtime
from sync_monitor.history.engines import NOT_ANSWERING
from sync_monitor.history.store import describe
from sync_monitor.text import escape_markdown
from sync_monitor.ui import analysis, analysis_groups, analysis_tables, problems, viewer

# Again here, not only in app.py: a page opened from a link (/live, /analysis?…) is drawn
# centered otherwise (Streamlit applies the entry script's layout only at the root URL).
st.set_page_config(layout="wide")
services = runtime.services()
st.title("Failure analysis")
view, notes = analysis.view_from_url()
analysis.notes(notes)
history = problems.history_of(services.recorder, "The live page is not affected.")
now = datetime.now(UTC)
try:
    analysis_groups.prefetch(history, view, now, services.recorder.recorded)
    found = analysis.analysis(history, view, now, services.recorder.recorded)
    sets = history.sets()
except NOT_ANSWERING as exc:  # a database gone away mid-session (anything else is a bug)
    st.error(
        f"The history database did not answer: {escape_markdown(describe(exc), 300)}. The live "
        "page is not affected; reload this page in a moment.",
        icon=":material/database:",
    )
    st.stop()
analysis.controls(view, sets)
if services.recorder.problem:
    why = (
        f"a fault of the monitor (error id {services.recorder.fault})"
        if services.recorder.fault
        else escape_markdown(services.recorder.problem, 300)
    )
    st.warning(f"New syncs are not being recorded: {why}.", icon=":material/database:")
if services.recorder.queue_reach is not None:
    analysis.queue_reach(*services.recorder.queue_reach, viewer.zone())
analysis.as_of(found.at, viewer.zone())
analysis.figures(found.figures, found.previous)
analysis_tables.platforms(found)
analysis.charts(found, view)
try:
    analysis_groups.section(history, view, now, services.recorder.recorded)
    analysis_tables.tables(history, found, analysis.CATEGORY_LABELS, view)
except NOT_ANSWERING as exc:  # the database went away between the figures and the tables
    st.error(
        f"The history database did not answer: {escape_markdown(describe(exc), 300)}; the "
        "tables are missing. Reload this page in a moment.",
        icon=":material/database:",
    )
