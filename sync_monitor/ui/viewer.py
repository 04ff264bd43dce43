"""What Streamlit knows about the viewer's session: its browser's time zone, and whether this
run is a fragment's own rerun."""

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


def in_fragment_rerun() -> bool:
    """True when only fragments run (their timer or their widgets), False in a full run.

    Streamlit tells it through its run context (`fragment_ids_this_run`, set for a fragment
    rerun); where that is missing, say True: the caller then checks for a change it would
    otherwise take on trust.
    """
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
    except ImportError:  # pragma: no cover - a Streamlit that moved it
        return True
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or not hasattr(ctx, "fragment_ids_this_run"):
        return True
    return bool(ctx.fragment_ids_this_run)  # None or [] in a full run
