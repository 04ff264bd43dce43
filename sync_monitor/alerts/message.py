"""An alert's two messages, as the channels take them (pure): plain text, the link to the page
filtered to what it is about, and the generic webhook's fields."""

from __future__ import annotations

from datetime import UTC

from sync_monitor.notify.send import Message
from sync_monitor.text import clock, duration

from .lifecycle import Alert

KIND = "alert"  # the deliveries' kind and the generic webhook's `kind`


def delivery_key(alert: Alert, end: bool) -> str:
    """The key a message is claimed under (once per deployment, whichever replica sends it)."""
    return f"{alert.uid}:{'resolved' if end else 'fired'}"


def message(alert: Alert, end: bool) -> Message:
    """The start of `alert` ("Alert: …"), or its end ("Resolved: …")."""
    started = clock(alert.started_at, UTC)
    data: dict[str, object] = {
        "state": "resolved" if end else "firing",
        "rule": alert.rule.value,
        "key": alert.key,
        "started_at": alert.started_at.isoformat(),
        "ended_at": alert.ended_at.isoformat() if alert.ended_at else None,
    }
    if end and alert.ended_at is not None:
        lasted = duration((alert.ended_at - alert.started_at).total_seconds())
        subject = f"Resolved: {alert.title}"
        text = (
            f"Over since {clock(alert.ended_at, UTC)}, after {lasted} (it started {started}).\n"
            f"When it was last seen: {alert.detail}"
        )
    else:
        subject = f"Alert: {alert.title}"
        text = f"{alert.detail}\nSince {started}."
    return Message(KIND, subject, text, link=alert.link, data=data)
