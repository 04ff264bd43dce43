"""The sign-in keeper: a component on every page of a signed-in viewer that checks in with the
server every few seconds (component/keeper.js, push/route.py `check_in`), so that a sign-in
that ends elsewhere (another tab, a deleted cookie, the lists) ends here too within seconds."""

from __future__ import annotations

import time
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from sync_monitor.push import route, token
from sync_monitor.push.protocol import Event
from sync_monitor.signins import CHECK_IN_SECONDS
from sync_monitor.ui import viewer

HERE = Path(__file__).resolve().parent / "component"
KEY = "sign-in-keeper"

_keeper = st.components.v2.component(
    "sync_monitor_keeper", html="", js=(HERE / "keeper.js").read_text()
)


def _asked() -> None:
    """The check-in found the sign-in over, or its token expired, or it confirmed the sign-in of
    a page that waited for it: this run says so, hands out a new token, or draws the page."""


def keep(secret: bytes, confirming: bool = False) -> None:
    """Mount the keeper with a token for this session and browser; `confirming`: the page
    waits for a check-in to let it back in (it checks in at once, and asks for a run when the
    check-in succeeds)."""
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx is not None else "none"
    _keeper(
        key=KEY,
        data={
            "path": route.CHECK_IN_PATH,
            "token": token.mint(secret, session, viewer.browser(secret), time.time()),
            "every": round(CHECK_IN_SECONDS * 1000),
            "confirming": confirming,
            "beat": Event.BEAT.value,
        },
        on_ended_change=_asked,
        on_expired_change=_asked,
        on_confirmed_change=_asked,
    )
