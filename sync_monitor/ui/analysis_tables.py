"""The analysis page's tables: by platform, the error signatures (with their change from the
period before, when comparing) and the attempts, and their CSV downloads.

Backend text (signatures, messages, set names) reaches them only as dataframe cells: plain
text, never Markdown or HTML.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import streamlit as st

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Analysis, History, View
from sync_monitor.text import spreadsheet_safe, truncate

SHOWN_ATTEMPTS = 500
EXPORTED_ATTEMPTS = 100_000
WHEN = "D MMM YYYY, HH:mm:ss [UTC]"  # the tables' times (momentjs), always in UTC as the URL's days
TIMES = ("at", "queued", "started", "finished")
NO_TEXT = "(the service gave no reason)"  # the signature of failures without an error text
NUMBER = st.column_config.NumberColumn
ORDER = ["signature", "category", "count", "previous", "change", "share", "first", "last", "sets"]
SIGNED = "%+d"  # a change in failures: "+3", "-2", "+0"
POINTS = "%+.1f pts"  # a failure rate's change in percentage points


def _csv(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(frame.columns)
    for row in frame.itertuples(index=False):
        writer.writerow(["" if pd.isna(v) else spreadsheet_safe(str(v)) for v in row])
    return out.getvalue()


def platforms(found: Analysis) -> None:
    """Attempts, failures and failure rate per platform, and the rate's change."""
    st.subheader("By platform")
    table = found.by_platform
    if table.empty:
        st.caption("No attempts in this window.")
        return
    shown = table.assign(platform=[Platform.coerce(p).label for p in table["platform"]])
    st.dataframe(
        shown,
        hide_index=True,
        key="an-platforms-table",
        column_config={
            "attempted": NUMBER("attempts"),
            "finished": NUMBER("finished"),
            "failed": NUMBER("failures"),
            "failure_rate": NUMBER("failure rate", format="percent"),
            "previous_attempted": NUMBER("attempts before"),
            "previous_rate": NUMBER("rate before", format="percent"),
            "change_pts": NUMBER("change", format=POINTS, help="The failure rate's change."),
        },
    )


def tables(history: History, found: Analysis, labels: dict[str, str], view: View) -> None:
    """The signatures (categories shown through `labels`) and the attempts, with downloads."""
    st.subheader("Error signatures")
    signatures = found.signatures.assign(
        signature=[s or NO_TEXT for s in found.signatures["signature"]],
        category=[labels.get(c, c) for c in found.signatures["category"]],
        sample=[truncate(s, 300) for s in found.signatures["sample"]],
    )
    if signatures.empty:
        st.caption("No failures in this window.")
    else:
        st.dataframe(
            signatures,
            hide_index=True,
            key="an-signatures",
            column_order=[c for c in [*ORDER, "sample"] if c in signatures],
            column_config={
                "share": NUMBER("share", format="percent"),
                "first": st.column_config.DatetimeColumn("first seen", format=WHEN, timezone="UTC"),
                "last": st.column_config.DatetimeColumn("last seen", format=WHEN, timezone="UTC"),
                "sets": NUMBER("campaign sets"),
                "previous": NUMBER("before", help="Its failures in the period before."),
                "change": NUMBER("change", format=SIGNED, help="Failures now less before."),
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
    rows = history.attempts(view, now=found.at, limit=SHOWN_ATTEMPTS)
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
        data=lambda: _csv(history.attempts(view, now=found.at, limit=EXPORTED_ATTEMPTS)),
        file_name=f"{view.name()}-attempts.csv",
        mime="text/csv",
        key="an-attempts-csv",
        on_click="ignore",
    )
