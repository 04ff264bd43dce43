"""What Streamlit knows about the viewer: their browser's time zone, and who they are."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import streamlit as st

from ..access import Caller, without_sign_in


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


def caller(read_only: bool) -> Caller:
    """Who this viewer is to the hub's actions. Without sign-in: an operator only while
    Streamlit listens on loopback alone (`server.address`), never with `read_only`."""
    address = st.get_option("server.address")
    return without_sign_in(read_only, address if isinstance(address, str) else None)
