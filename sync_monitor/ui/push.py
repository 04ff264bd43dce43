"""The live header, cards, queue, failures and charts as a browser component fed by the push channel
(issues 9 and 21), and what the page does with what the component reports.

The component (component/live.js) draws from the pushed state with no rerun. It reports whether
push works; the page falls back to timed reruns while it does not (`Mode`). And it hands over a
confirmed cancel and a retry, which go through the same hub actions as the server-drawn buttons
(the hub checks the viewer's role and writes the audit trail). Nothing else reruns the page.
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
from sync_monitor.push.protocol import (
    NAMES,
    ComponentData,
    Key,
    Mode,
    Payload,
    Report,
    Works,
    Zone,
)
from sync_monitor.text import zone_name
from sync_monitor.triage.batches import Batches
from sync_monitor.ui import batch, viewer

from .clicks import Who, cancel_clicked, retry_clicked
from .markup import PLATFORM_COLORS

HERE = Path(__file__).resolve().parent / "component"
LIVE_PARTS = (
    "shared.js",
    "live.js",
    "live_socket.js",
    "live_cards.js",
    "live_cancel.js",
    "live_queue.js",
    "live_failures.js",
    "live_summary.js",
    "live_triage.js",
)
MODE = "sync_monitor_push_mode"  # session key: how this viewer's page is live now
__all__ = ["live", "mode"]

_live = st.components.v2.component(
    "sync_monitor_live",
    html="",
    css=(HERE / "live.css").read_text(),
    # One module, in this order (live.js says what each part holds).
    js="\n".join((HERE / name).read_text() for name in LIVE_PARTS),
)


def mode(enabled: bool) -> Mode:
    if not enabled:
        return Mode.FALLBACK
    return Mode(st.session_state.setdefault(MODE, Mode.PUSH.value))


def _push_reported() -> None:
    reported = st.session_state.get(Key.COMPONENT, {}).get(Report.PUSH)
    if reported in (Works.ON, Works.OFF):
        st.session_state[MODE] = (Mode.PUSH if reported == Works.ON else Mode.FALLBACK).value


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
    batches: Batches,
    *,
    shown: Mode,
    paused: bool,
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
        "zone": zone,
        "colors": PLATFORM_COLORS,
        "canAct": who().may_act,
        "names": NAMES,
    }
    callbacks: dict[str, Any] = {
        f"on_{Report.PUSH}_change": _push_reported,
        f"on_{Report.CANCEL}_change": partial(_cancel_asked, actions, who),
        f"on_{Report.RETRY}_change": partial(_retry_asked, actions, who),
        f"on_{Report.GROUP}_change": batch.group_asked,
        f"on_{Report.BATCH}_change": partial(batch.batch_asked, batches, who),
        f"on_{Report.TOKEN}_change": _token_asked,
    }
    _live(key=Key.COMPONENT, data=data, default={Report.PUSH.value: None}, **callbacks)
    return Mode(st.session_state.get(MODE, shown.value))
