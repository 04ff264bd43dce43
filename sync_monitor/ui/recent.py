"""Recent actions: the audit trail on the live page, newest first, and as a CSV download."""

from __future__ import annotations

import csv
import io
from datetime import tzinfo

import streamlit as st

from sync_monitor.access import Entry
from sync_monitor.history.audit import COLUMNS, AuditLog
from sync_monitor.live.snapshot import ActiveView, FailedView, PendingView, Snapshot
from sync_monitor.text import INLINE_LIMIT, NAME_LIMIT, clock, spreadsheet_safe, truncate

SHOWN = 20
EXPORTED = 5000


def _names(snap: Snapshot) -> dict[str, str]:
    """Set and job ids to names, from what the page knows now (the trail keeps only ids)."""
    names: dict[str, str] = {}
    items: list[ActiveView | PendingView | FailedView] = [*snap.active, *snap.pending, *snap.failed]
    for item in items:
        names[item.set_id] = item.name
        if item.job_id:
            names[item.job_id] = item.name
    return names


def _csv(entries: list[Entry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for e in entries:
        row = [e.at.isoformat(), e.who, e.role, e.action, e.target, e.outcome, e.message]
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()


def _table(entries: list[Entry], names: dict[str, str], tz: tzinfo, key: str) -> None:
    st.dataframe(
        [
            {
                "When": clock(e.at, tz),
                "Who": e.who,
                "Role": e.role,
                "Action": e.action,
                "Campaign set": truncate(names.get(e.target, e.target), NAME_LIMIT),
                "Result": e.outcome,
                "Message": truncate(e.message, INLINE_LIMIT),
            }
            for e in entries
        ],
        hide_index=True,
        key=key,
    )


def recent_actions(audit: AuditLog | None, snap: Snapshot, tz: tzinfo) -> None:
    if audit is None:
        return
    # Fixed label: the open state is keyed by it.
    box = st.expander("Recent actions", key="recent-actions", on_change="rerun")
    if not box.open:  # lazy: read only while someone looks
        return
    trail = audit.read(SHOWN)
    entries = trail.entries
    with box:
        if trail.problem:
            st.caption(
                f"Showing only the actions kept on this server: {trail.problem}. They join the "
                "trail in the history database when it is back."
            )
        names = _names(snap)
        if entries:
            _table(entries, names, tz, "recent-actions-table")
        else:
            st.caption("No retry or cancel yet.")
        if trail.refused:
            # Apart, so that attempts by people who may not act never crowd out the actions.
            st.caption("Refused attempts (newest first; a flood is summed up once a minute):")
            _table(trail.refused, names, tz, "recent-refusals-table")
        st.download_button(
            "Download the audit trail (CSV)",
            data=lambda: _csv(audit.recent(EXPORTED)),
            file_name="sync-monitor-audit.csv",
            mime="text/csv",
            key="recent-actions-csv",
            on_click="ignore",
        )
