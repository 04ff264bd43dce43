"""Weekly digest: each digest as it would be sent now, when it goes, and what was sent.

The digests come from SYNC_MONITOR_DIGESTS (checked at start); the week from the history, what
is late from the clients' board. Without any digest set up, the digest of all clients.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import streamlit as st

from sync_monitor import runtime
from sync_monitor.digest import config
from sync_monitor.digest.scheduler import week_of
from sync_monitor.history.engines import NOT_ANSWERING
from sync_monitor.history.store import describe
from sync_monitor.text import escape_markdown
from sync_monitor.ui import digest, problems, viewer

st.set_page_config(layout="wide")
services = runtime.services()
settings = services.settings
st.title("Weekly digest")
digests = config.from_settings(settings)
zone = viewer.zone()
now = datetime.now(UTC)
if digests:
    chosen = digest.pick(digests)
    digest.when(chosen, now, zone)
else:
    digest.not_set_up()
    chosen = digest.everyone(ZoneInfo(settings.digest_timezone))
history = problems.history_of(services.recorder, "The digest is made from it.")
if not services.clients.loaded:
    st.info(
        "The history is still being read: the digest shows once it is (reload in a moment).",
        icon=":material/hourglass_top:",
    )
    st.stop()
try:
    # Links relative to this monitor: the viewer is on it (the messages' start with the
    # public URL).
    digest.week(week_of(chosen, services.clients.get(), history.engine, now, ""))
    if digests:
        digest.recent(history.engine, chosen, zone)
except NOT_ANSWERING as exc:  # a database gone away mid-session (anything else is a bug)
    st.error(
        f"The history database did not answer: {escape_markdown(describe(exc), 300)}. "
        "Reload this page in a moment.",
        icon=":material/database:",
    )
