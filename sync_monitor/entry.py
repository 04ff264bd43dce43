"""The script every page view runs first (app.py hands over to `main`): the shared services, the
sign-in gate, and navigation to the pages in app_pages/."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import streamlit as st

from sync_monitor import runtime
from sync_monitor.history.params import PAGE as ANALYSIS
from sync_monitor.ui import keeper, problems, viewer

from .settings import SettingsError
from .text import escape_markdown


def main(icon: Path) -> None:
    """Draw the page this viewer asked for, once they are let in (`icon`: the page icon)."""
    st.set_page_config(page_title="Sync Monitor", page_icon=icon, layout="wide")

    try:
        services = runtime.services()
        admitted = _admitted(services)  # reads the secrets again: they can change while it runs
    except SettingsError as exc:
        st.error(
            f"The monitor is misconfigured: {escape_markdown(str(exc))}. Fix this setting "
            "(environment variable or .streamlit/secrets.toml) and restart.",
            icon=":material/settings:",
        )
        st.stop()
    except Exception as exc:  # a bug: a sentence with its error id, never a traceback
        problems.bug(exc, "starting the monitor")
        st.stop()

    if not admitted:
        st.stop()
    if viewer.sign_in_configured():
        keeper.keep(services.push_secret)  # checks in, so that a sign-out elsewhere ends this
    # The live page is the default, served at the root URL: Streamlit ignores a default page's
    # url_path, so /live gets a hidden page of its own that goes to the root (else a link or a
    # bookmark to /live opened under a "Page not found" dialog).
    live = st.Page("app_pages/live.py", title="Live", default=True, url_path="now")
    pages = [
        live,
        st.Page("app_pages/analysis.py", title="Failure analysis", url_path=ANALYSIS),
        st.Page("app_pages/clients.py", title="Clients", url_path="clients"),
        st.Page("app_pages/digest.py", title="Weekly digest", url_path="digest"),
        st.Page("app_pages/alerts.py", title="Alerts", url_path="alerts"),
        st.Page(partial(st.switch_page, live), title="Live", url_path="live", visibility="hidden"),
    ]
    # A top bar with the pages (config.toml turns the sidebar's off).
    page = st.navigation(pages, position="top")
    with problems.reported(f"the {page.title} page"):
        page.run()


def _admitted(services: runtime.Services) -> bool:
    """With sign-in configured, only signed-in people on the lists get past here: the others
    see a sign-in page, or a sentence saying why they are not let in, and nothing else.
    Where sign-in is required but not configured (a hosted image without its secrets), nobody
    gets past. No page script runs, and no push token is minted, before this says yes."""
    settings = runtime.settings()
    if not viewer.sign_in_configured():
        if not settings.require_sign_in:
            return True
        st.title("Sync Monitor")
        st.error(
            "This monitor requires sign-in (SYNC_MONITOR_REQUIRE_SIGN_IN), and none is set up: "
            "add an [auth] section to .streamlit/secrets.toml (see secrets.example.toml) and "
            "restart it.",
            icon=":material/lock:",
        )
        return False
    who = viewer.caller(settings, services.signins, services.push_secret)
    if who.admitted:
        return True
    st.title("Sync Monitor")
    if not st.user.is_logged_in:
        st.write("Sign in to see how the campaign syncs are going.")
        st.button("Sign in", type="primary", on_click=st.login, key="sign-in")
    elif who.confirming:
        st.info(who.refusal, icon=":material/hourglass_top:")
        keeper.keep(services.push_secret, confirming=True)  # its check-in lets the page back
    elif who.refusal:
        # This tab still holds the sign-in it connected with (Streamlit reads the cookie
        # once): a reload reads it again.
        st.error(escape_markdown(who.refusal), icon=":material/block:")
        st.button("Sign out", on_click=st.logout, key="sign-out")
    else:
        st.error(
            f"{escape_markdown(who.who)} is not on this monitor's lists of viewers and "
            "operators. Ask the ops team to add you, or sign in with another account.",
            icon=":material/block:",
        )
        st.button("Sign out", on_click=st.logout, key="sign-out")
    return False
