"""What Streamlit knows about the viewer: their browser's time zone, and who they are."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from ..access import SIGNED_OUT, Caller, Role, signed_in, without_sign_in
from ..settings import Settings, SettingsError


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


NO_SECRETS = "no-secrets-found"  # Streamlit's error id when there is no secrets file at all


def sign_in_configured() -> bool:
    """Is Streamlit's OIDC sign-in set up (an [auth] section in the secrets)?"""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError as exc:
        if exc.error_id == NO_SECRETS:  # no secrets file at all
            return False
        # A file that cannot be read: its [auth] must not be taken for absent.
        raise SettingsError(f"the secrets file cannot be read ({exc})") from None


def caller(settings: Settings) -> Caller:
    """Who this viewer is to the hub's actions, as the server knows them. With sign-in: from
    their e-mail and the lists of operators and viewers (not admitted: signed out, or not
    listed). Without: an operator only while Streamlit listens on loopback alone
    (`server.address`); never an operator with SYNC_MONITOR_READ_ONLY."""
    if sign_in_configured():
        if not st.user.is_logged_in:
            return SIGNED_OUT
        email = st.user.get("email")
        known = signed_in(
            email if isinstance(email, str) else None,
            settings.operators,
            settings.viewers,
            settings.read_only,
        )
        return known or Caller(str(email or "unknown"), Role.VIEWER, "Not allowed.", False)
    address = st.get_option("server.address")
    return without_sign_in(settings.read_only, address if isinstance(address, str) else None)
