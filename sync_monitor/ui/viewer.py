"""What Streamlit knows about the viewer: their browser's time zone, and who they are."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from sync_monitor import cookies
from sync_monitor.access import SIGNED_OUT, Caller, Role, proxy_evidence, signed_in, without_sign_in
from sync_monitor.settings import Settings
from sync_monitor.signins import SignIns


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


CONFIRMING = (
    "Confirming your sign-in: this page has not checked in with the monitor for a while (a tab "
    "in the background, or the connection dropped)."
)


def sign_in_configured() -> bool:
    """Is Streamlit's OIDC sign-in set up (an [auth] section in the secrets)?"""
    return cookies.sign_in_configured()


def browser(secret: bytes) -> str:
    """This viewer's browser, as the push route will know it again from its own cookies."""
    return cookies.browser_of(secret, st.context.cookies)


def still_admitted(settings: Settings, signins: SignIns, secret: bytes) -> None:
    """A fragment's run passes no gate (entry.py's): it asks again, and a viewer who is no
    longer let in (signed out elsewhere, taken off the lists) gets a full run, whose gate says
    why, instead of the fragment's data."""
    if not caller(settings, signins, secret).admitted:
        st.rerun()


def caller(settings: Settings, signins: SignIns, secret: bytes) -> Caller:
    """Who this viewer is to the hub's actions, as the server knows them now. With sign-in:
    from their e-mail and the lists of operators and viewers (not admitted: signed out, not
    listed, an address the provider has not verified, or a sign-in that has ended since this
    page connected, in this tab or another: see signins.py). Without: an operator only while
    Streamlit listens on loopback alone (`server.address`) and the page came straight from this
    machine (no proxy); never an operator with SYNC_MONITOR_READ_ONLY."""
    if sign_in_configured():
        if not st.user.is_logged_in:
            return SIGNED_OUT
        email = st.user.get("email")
        who = str(email or "unknown")
        me = browser(secret)
        ended = signins.ended(me)  # signed out, in this tab or another, or its cookie gone
        if ended is not None:
            refusal = f"{ended} Reload the page to sign in again."
            return Caller(who, Role.VIEWER, admitted=False, refusal=refusal)
        known = signed_in(  # the lists as they are now
            email if isinstance(email, str) else None,
            settings.operators,
            settings.viewers,
            settings.read_only,
            st.user.get("email_verified"),
        )
        if known is None or not known.admitted:
            return known or Caller(who, Role.VIEWER, "Not allowed.", False)
        ctx = get_script_run_ctx()
        if ctx is not None:  # a session's first run has just shown its cookies
            signins.first_run(ctx.session_id, me)
        if signins.standing(me) is not None:  # its pages stopped checking in
            return Caller(who, Role.VIEWER, admitted=False, refusal=CONFIRMING, confirming=True)
        return known
    address = st.get_option("server.address")
    headers = {name.lower(): value for name, value in st.context.headers.items()}
    return without_sign_in(
        settings.read_only,
        address if isinstance(address, str) else None,
        proxy_evidence(headers),
    )
