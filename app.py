"""Sync Monitor: run with `streamlit run app.py`.

Streamlit runs this file twice over. Its server imports it as a module and finds `app`, an st.App
that adds the push route (issue 9) to Streamlit's own server. It does so before it answers
anything, its health check included, so that import loads the route alone; the services, the
sign-in gate and the pages load with the first page view, which runs this file as the script
(`__main__`) and hands over to `sync_monitor.entry`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from sync_monitor.push import route

# Shipped with the app (sent inline as a data URI): a :material/…: page icon is an image the
# browser fetches from Google's font CDN, which fails where there is no internet.
ICON = Path(__file__).resolve().parent / "static" / "sync-monitor.svg"

if __name__ == "__main__":
    from sync_monitor import entry

    entry.main(ICON)
else:  # imported by `streamlit run`, which then serves this st.App
    app = st.App(__file__, routes=route.routes())
