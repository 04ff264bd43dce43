"""The Alerts page's parts: the alerts firing now, those that ended, and the recent deliveries.
Read from the history database, so every replica shows the same. An alert's words may hold the
backend's (set names, errors): they are drawn as plain text, never as Markdown."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo

import streamlit as st

from sync_monitor.alerts.lifecycle import Alert, Notice
from sync_monitor.alerts.message import delivery_key
from sync_monitor.history.deliveries import Delivery
from sync_monitor.notify.channels import Channel
from sync_monitor.text import INLINE_LIMIT, clock, duration, escape_markdown, truncate

NOTICES = {
    Notice.SENT: "message sent",
    Notice.HELD: "message held back (over the hourly cap)",
    Notice.NONE: "no message (its start was held back)",
}
OUTCOMES = {"sent": "Sent", "failed": "Failed", "claimed": "Sending (or its sender stopped)"}


def channels(found: Sequence[Channel], per_hour: int, held: int) -> None:
    """Where alerts go (by the channels' names: their URLs are secrets), the cap, what it held."""
    if found:
        names = ", ".join(escape_markdown(c.name) for c in found)
        st.caption(f"Alerts go to {names}; at most {per_hour} messages an hour.")
    else:
        st.caption(
            "No alert channels are set up (SYNC_MONITOR_ALERT_CHANNELS): alerts are listed "
            "here only."
        )
    if held:
        st.warning(
            f"{held} alert message{'s' if held != 1 else ''} held back in the last 24 hours: "
            f"more than {per_hour} an hour. They are listed below, marked held back.",
            icon=":material/notifications_paused:",
        )


UNSENT = {**NOTICES, Notice.SENT: "listed here only (no channel is set up)"}


def _alert(alert: Alert, tz: tzinfo, now: datetime, notices: dict[Notice, str]) -> None:
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(alert.title)}**")
        started = f"Since {clock(alert.started_at, tz)}, {notices[alert.fired]}"
        if alert.ended_at is not None and alert.resolved is not None:
            lasted = duration((alert.ended_at - alert.started_at).total_seconds())
            started = (
                f"From {clock(alert.started_at, tz)} to {clock(alert.ended_at, tz)} ({lasted}); "
                f"start: {notices[alert.fired]}; end: {notices[alert.resolved]}"
            )
        else:
            started += f" ({duration((now - alert.started_at).total_seconds())} ago)"
        st.caption(started)
        st.text(truncate(alert.detail, 600))
        # Our own link (the public URL and an encoded query): a Markdown link is safe here.
        st.markdown(f"[Open the page filtered to it]({alert.link})")


def alerts(found: Sequence[Alert], tz: tzinfo, now: datetime, *, channels: bool = True) -> None:
    """The alerts firing first, then those that ended; `channels` False: none is set up, so
    nothing went anywhere (the page says so rather than "message sent")."""
    notices = NOTICES if channels else UNSENT
    firing = [a for a in found if a.firing]
    over = [a for a in found if not a.firing]
    st.subheader(f"Firing now ({len(firing)})")
    if not firing:
        st.success("Nothing is firing.", icon=":material/check_circle:")
    for alert in firing:
        _alert(alert, tz, now, notices)
    st.subheader("Resolved")
    if not over:
        st.caption("No alert has ended yet.")
    for alert in over:
        _alert(alert, tz, now, notices)


def deliveries(found: Sequence[Delivery], known: Sequence[Alert], tz: tzinfo) -> None:
    """Each message to each channel: when, which alert, sent or failed, and why."""
    st.subheader("Recent deliveries")
    if not found:
        st.caption("Nothing has been sent yet.")
        return
    titles = {delivery_key(a, end): (a.title, end) for a in known for end in (False, True)}
    rows = []
    for d in found:
        title, end = titles.get(d.key, (d.key.rsplit("@", 1)[0], d.key.endswith(":resolved")))
        rows.append(
            {
                "When": clock(d.at, tz),
                "Channel": d.channel,
                "Message": f"{'Resolved' if end else 'Alert'}: {truncate(title, INLINE_LIMIT)}",
                "Outcome": OUTCOMES.get(d.outcome, d.outcome),
                "Why it failed": truncate(d.message, INLINE_LIMIT),
            }
        )
    st.dataframe(rows, hide_index=True, key="alert-deliveries")
