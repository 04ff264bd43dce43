"""The Clients page's views: a search as you type, each client's sets in plain words, and a
link that opens only that client. Names come from Dotoro (untrusted): escaped, never markup."""

from __future__ import annotations

from datetime import datetime, tzinfo
from urllib.parse import urlencode

import streamlit as st

from sync_monitor.clients.build import ORDER
from sync_monitor.clients.status import Board, Client, SetState, SetStatus, say
from sync_monitor.live.snapshot import Snapshot
from sync_monitor.text import clock, escape_markdown, plain, relative
from sync_monitor.words import status as status_words

PARAM = "client"  # /clients?client=<key>
OPEN_UP_TO = 3  # clients shown open when the search leaves this many or fewer
AT_MOST = 50  # clients drawn at once (those in trouble first): the search finds the others
ICONS = {
    SetState.FAILING: ":red[:material/error:]",
    SetState.LATE: ":orange[:material/schedule:]",
    SetState.SYNCING: ":blue[:material/sync:]",
    SetState.WAITING: ":blue[:material/hourglass_top:]",
    SetState.NEVER: ":gray[:material/radio_button_unchecked:]",
    SetState.UP_TO_DATE: ":green[:material/check_circle:]",
}


def matches(client: Client, words: str) -> bool:
    """Does the search (every word, any case) find this client by its name or a set's?"""
    wanted = plain(words).lower().split()
    text = " ".join([client.name, *(s.name for s in client.sets)]).lower()
    return all(w in text for w in wanted)


def counted(shown: int, known: int) -> str:
    """'12 of 40 clients', or, past what is drawn at once, how to find the others."""
    if shown <= AT_MOST:
        return f"{shown} of {known} clients"
    return (
        f"The first {AT_MOST} of {shown} clients (those with trouble first): "
        "search to find the others"
    )


def summary(client: Client) -> str:
    """'1 failing · 2 late · 5 up to date' (states with sets only, in the board's order)."""
    parts = []
    for state in ORDER:
        n = client.count(state)
        if n:
            parts.append(f"{n} {state.value}")
    return " · ".join(parts) or "no campaign sets"


def freshness(
    snap: Snapshot, board: Board, loaded: bool, tz: tzinfo, history_problem: str | None = None
) -> None:
    """Say what the states stand on: live, or stale since when; the history read, being read,
    or not readable (`history_problem`: why)."""
    if status_words.is_stale(snap):
        since = snap.frozen_at or snap.backend.since
        st.warning(
            f"Live updates stopped {relative(since, board.at)} ({clock(since, tz)}): what is "
            "syncing now may have changed. The rest comes from the recorded history.",
            icon=":material/cloud_off:",
        )
    if history_problem is not None:
        st.warning(
            f"The sync history cannot be read ({escape_markdown(history_problem, 200)}): "
            "when each set last synced and how often it usually does are missing; what runs "
            "now is shown.",
            icon=":material/database:",
        )
    elif not loaded:
        st.info(
            "Reading the sync history: the last syncs and usual intervals appear in a moment.",
            icon=":material/hourglass_top:",
        )


def _open(key: str | None) -> None:
    if key is None:
        del st.query_params[PARAM]
    else:
        st.query_params[PARAM] = key


def address(key: str) -> str:
    """This page's address for one client, as the viewer's browser reaches it."""
    here = st.context.url or ""
    base = here.split("?", 1)[0].split("#", 1)[0]
    return f"{base}?{urlencode({PARAM: key})}"


def draw_set(status: SetStatus, now: datetime, tz: tzinfo) -> None:
    words = escape_markdown(say(status, now, tz), 300)
    st.markdown(
        f"{ICONS[status.state]} **{escape_markdown(status.name, 120) or '(unnamed)'}** "
        f"· {status.platform.label}  \n{words}"
    )


def draw_client(client: Client, now: datetime, tz: tzinfo, *, expanded: bool) -> None:
    label = f"{plain(client.name)} — {summary(client)}"
    with st.expander(escape_markdown(label, 200), expanded=expanded):
        for status in client.sets:
            draw_set(status, now, tz)
        # A button, not a link: a link to this same page would leave the address bar behind.
        st.button(
            "Open this client alone",
            key=f"open-{client.key}",
            icon=":material/open_in_full:",
            on_click=_open,
            args=(client.key,),
        )


def one_client(client: Client, now: datetime, tz: tzinfo) -> None:
    st.subheader(escape_markdown(client.name, 120))
    st.caption(escape_markdown(summary(client)))
    for status in client.sets:
        draw_set(status, now, tz)
    st.caption("The address to send (it opens this client alone):")
    st.code(address(client.key), language=None, wrap_lines=True)
    st.button("All clients", icon=":material/arrow_back:", on_click=_open, args=(None,))
