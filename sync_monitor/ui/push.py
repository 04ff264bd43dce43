"""The live header, cards, queue and failures as a browser component fed by the push channel
(issues 9 and 21), and what the page does with what the component reports.

The component (component/live.js) draws from the pushed state with no rerun. It reports whether
push works; the page falls back to timed reruns while it does not (`Mode`). It reports when the
charts changed (at most every 10 s): only their fragment reruns. And it hands over a confirmed
cancel and a retry, which go through the same hub actions as the server-drawn buttons (the hub
checks the viewer's role and writes the audit trail).
"""

from __future__ import annotations

import time
from datetime import datetime, tzinfo
from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from sync_monitor.live.actions import Actions
from sync_monitor.push import route, token
from sync_monitor.push.payload import sections_digest as digest
from sync_monitor.push.protocol import (
    NAMES,
    ComponentData,
    Key,
    Mode,
    Payload,
    Report,
    SignalData,
    Works,
    Zone,
)
from sync_monitor.text import zone_name
from sync_monitor.ui import viewer

from .clicks import Who, cancel_clicked, retry_clicked

HERE = Path(__file__).resolve().parent / "component"
LIVE_PARTS = (
    "shared.js",
    "live.js",
    "live_socket.js",
    "live_charts.js",
    "live_cards.js",
    "live_cancel.js",
    "live_queue.js",
    "live_failures.js",
)
MODE = "sync_monitor_push_mode"  # session key: how this viewer's page is live now
DRAWN = "sync_monitor_push_drawn"  # session key: the digest of the charts last drawn
__all__ = [
    "DRAWN",
    "digest",
    "live",
    "mode",
    "sections_signal",
]

_live = st.components.v2.component(
    "sync_monitor_live",
    html="",
    css=(HERE / "live.css").read_text(),
    # One module, in this order (live.js says what each part holds).
    js="\n".join((HERE / name).read_text() for name in LIVE_PARTS),
)
_signal = st.components.v2.component(
    "sync_monitor_sections", html="", js=(HERE / "sections.js").read_text()
)


def mode(enabled: bool) -> Mode:
    if not enabled:
        return Mode.FALLBACK
    return Mode(st.session_state.setdefault(MODE, Mode.PUSH.value))


def _push_reported() -> None:
    reported = st.session_state.get(Key.COMPONENT, {}).get(Report.PUSH)
    if reported in (Works.ON, Works.OFF):
        st.session_state[MODE] = (Mode.PUSH if reported == Works.ON else Mode.FALLBACK).value


def _charts_asked() -> None:
    """The charts' signal asked: they rerun (the signal is theirs, so its change reruns their
    fragment alone) and draw the latest snapshot."""


def sections_signal(drawn: str) -> None:
    """Mount, in the charts' fragment, the signal through which the component asks them to
    rerun (component/sections.js); `drawn`: the digest of what they draw now.

    The rerun is the fragment's own, sent by the browser in order with the viewer's clicks. A
    rerun asked for by the server, from a callback (`st.rerun(scope=...)`), is merged by
    Streamlit with whatever the browser asked for meanwhile, and the later one names the page:
    a menu click to another page during that callback was lost, the live page coming back."""
    data: SignalData = {"drawn": drawn, "names": NAMES}
    # Streamlit names a callback after the state it watches: on_<name>_change.
    callbacks: dict[str, Any] = {f"on_{Report.ASKED}_change": _charts_asked}
    _signal(key=Key.SIGNAL, data=data, default={Report.ASKED.value: None}, **callbacks)


def _token_asked() -> None:
    """The component needs a fresh token: the rerun this causes hands it one."""


def _cancel_asked(actions: Actions, who: Who) -> None:
    """A cancel from the component: as the server knows the viewer, whatever the message says."""
    asked = st.session_state.get(Key.COMPONENT, {}).get(Report.CANCEL) or {}
    job, name = asked.get("job"), asked.get("name")
    if isinstance(job, str) and job:
        cancel_clicked(actions, who, job, name if isinstance(name, str) else "")


def _retry_asked(actions: Actions, who: Who) -> None:
    """A retry from the component: as the server knows the viewer, whatever the message says."""
    asked = st.session_state.get(Key.COMPONENT, {}).get(Report.RETRY) or {}
    set_id, name = asked.get("set"), asked.get("name")
    if isinstance(set_id, str) and set_id:
        retry_clicked(actions, who, set_id, name if isinstance(name, str) else "")


def live(
    publisher_state: Payload | None,
    seq: int,
    epoch: str,
    secret: bytes,
    actions: Actions,
    who: Who,
    *,
    shown: Mode,
    paused: bool,
    sections: str | None,
    tz: tzinfo,
) -> Mode:
    """Mount the component; the mode the page should now be in (a change needs a full rerun)."""
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx is not None else "none"
    now = time.time()
    local = datetime.now(tz)
    offset = local.utcoffset()
    # The viewer's zone named as the server-drawn sections name it ("AEDT"), for the browser.
    zone: Zone = {
        "name": zone_name(local),
        "offset": 0 if offset is None else round(offset.total_seconds() / 60),
    }
    data: ComponentData = {
        "enabled": True,
        "mode": shown.value,
        "paused": paused,
        "path": route.PATH,
        "token": token.mint(secret, session, viewer.browser(secret), now),
        "tokenExpires": round((now + token.TTL_SECONDS) * 1000),
        "state": publisher_state,
        "seq": seq,
        "epoch": epoch,
        "sections": sections,
        "zone": zone,
        "canAct": who().may_act,
        "names": NAMES,
    }
    callbacks: dict[str, Any] = {
        f"on_{Report.PUSH}_change": _push_reported,
        f"on_{Report.CANCEL}_change": partial(_cancel_asked, actions, who),
        f"on_{Report.RETRY}_change": partial(_retry_asked, actions, who),
        f"on_{Report.TOKEN}_change": _token_asked,
    }
    _live(key=Key.COMPONENT, data=data, default={Report.PUSH.value: None}, **callbacks)
    return Mode(st.session_state.get(MODE, shown.value))
