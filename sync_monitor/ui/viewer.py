"""What Streamlit knows about the viewer's browser: its time zone."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import streamlit as st


def zone() -> tzinfo:
    """The viewer's time zone as the browser reports it (`st.context.timezone`), else its UTC
    offset, else UTC. The name comes from the browser, so a bad one falls back, never fails."""
    name = st.context.timezone
    if name:
        try:
            return ZoneInfo(name)
        except (KeyError, ValueError, OSError):  # unknown (ZoneInfoNotFoundError) or malformed
            pass
    offset = st.context.timezone_offset  # minutes behind UTC, as JavaScript's getTimezoneOffset
    if isinstance(offset, int) and abs(offset) < 24 * 60:
        return timezone(-timedelta(minutes=offset)) if offset else UTC
    return UTC
