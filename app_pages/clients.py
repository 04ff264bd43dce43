"""Clients: "is my client up to date?", for account managers, on a phone first.

Each client's campaign sets in plain words (sync_monitor/clients/), searched as you type;
`/clients?client=<key>` opens only that client, a link to send someone.
"""

from __future__ import annotations

import streamlit as st

from sync_monitor import runtime
from sync_monitor.text import escape_markdown
from sync_monitor.ui import clients, problems, viewer

services = runtime.services()
st.title("Clients")


@st.fragment(run_every=10)
@problems.reported("the Clients page")
def board() -> None:
    viewer.still_admitted(runtime.settings(), services.signins, services.push_secret)
    tz = viewer.zone()
    found = services.clients.get()
    snap = services.live.snapshot()
    recorder = services.recorder
    if recorder.fault:  # a bug, by its id (never as the database's doing)
        problems.logged(recorder.fault)
    problem = recorder.problem if recorder.history is None and not recorder.fault else None
    clients.freshness(snap, found, services.clients.loaded, tz, problem)
    wanted = st.query_params.get(clients.PARAM)
    if wanted:
        client = found.client(wanted)
        if client is None:
            st.warning(
                f"No client is called {escape_markdown(wanted, 80)} here (any more): "
                "here are all of them.",
                icon=":material/search_off:",
            )
        else:
            clients.one_client(client, found.at, tz)
            return
    words = st.text_input(
        "Search clients and campaign sets",
        key="search",
        type="search",
        live=True,
        placeholder="Client or campaign name",
    )
    shown = [c for c in found.clients if clients.matches(c, words or "")]
    if not found.clients:
        st.info("No campaign sets yet: they appear once Dotoro lists them.")
        return
    if not shown:
        st.info(f"No client or campaign set matches {escape_markdown(words, 80)}.")
        return
    st.caption(clients.counted(len(shown), len(found.clients)))
    for client in shown[: clients.AT_MOST]:
        clients.draw_client(client, found.at, tz, expanded=len(shown) <= clients.OPEN_UP_TO)


board()
