"""The Weekly digest page's views: which digest (a choice, kept in the URL as `?digest=<name>`),
when it goes and to whom, the digest as it would be sent now, and its recent deliveries.

Every value from the backend or the settings (clients' and sets' names, the platforms' texts,
a mail server's answer) is shown as escaped Markdown: plain text, never a link or markup. No
campaign set id is shown."""

from __future__ import annotations

from datetime import datetime, time, tzinfo
from zoneinfo import ZoneInfo

import streamlit as st
from sqlalchemy import Engine

from sync_monitor.clients.status import weekday_time
from sync_monitor.digest import render, schedule
from sync_monitor.digest.compose import Cause, ClientWeek, Week
from sync_monitor.digest.config import SETTING, Digest, When
from sync_monitor.history import deliveries
from sync_monitor.text import clock, escape_markdown
from sync_monitor.ui.clients import PARAM as CLIENT_PARAM

PARAM = "digest"  # ?digest=<name>
CLIENTS_PAGE = "app_pages/clients.py"
CHOICE = "digest-choice"
EVERYONE = "All clients"
OUTCOMES = {deliveries.SENT: "sent", deliveries.FAILED: "not sent", deliveries.CLAIMED: "sending"}


def everyone(zone: ZoneInfo) -> Digest:
    """The digest of every client, shown where none is set up (it is sent nowhere)."""
    return Digest(EVERYONE, None, (), When(0, time(8)), zone)


def pick(digests: tuple[Digest, ...]) -> Digest:
    """The digest the URL names, else the first; a choice between them when there are several."""
    asked = st.query_params.get(PARAM)
    names = [d.name for d in digests]
    found = next((n for n in names if asked is not None and n.casefold() == asked.casefold()), None)
    if asked is not None and found is None:
        st.caption(
            f"No digest is named “{escape_markdown(asked, 60)}”: showing "
            f"“{escape_markdown(names[0], 60)}”."
        )
    if len(digests) == 1:
        return digests[0]
    name = st.selectbox(
        "Digest",
        names,
        index=names.index(found) if found else 0,
        key=CHOICE,
        format_func=lambda n: escape_markdown(n, 80),
        on_change=_remember,
    )
    return digests[names.index(name)] if name in names else digests[0]


def _remember() -> None:
    st.query_params[PARAM] = st.session_state[CHOICE]


def not_set_up() -> None:
    st.info(
        "No digest is set up, so nothing is sent: this is the digest of all clients. To send "
        f"one each week by e-mail or webhook, set {SETTING} (see “Weekly digest” in "
        "docs/operating.md), for example "
        '`[{"name": "Acme accounts", "clients": ["Acme Outdoor"], '
        '"to": "email=am@acme.com", "when": "mon 08:00"}]`.',
        icon=":material/info:",
    )


def when(digest: Digest, now: datetime, zone: tzinfo) -> None:
    """When it goes, to which channels (by name), and its next time in the viewer's zone."""
    channels = ", ".join(escape_markdown(c.name) for c in digest.channels)
    next_at = schedule.next_send(digest, now)
    st.markdown(
        f"Sent every {escape_markdown(str(digest.when))} "
        f"({escape_markdown(str(digest.zone))}) to {channels}. "
        f"Next: {escape_markdown(weekday_time(next_at, zone))}, "
        f"{next_at.astimezone(zone).day} {next_at.astimezone(zone):%b}."
    )


def week(found: Week) -> None:
    """The digest as it would be sent now."""
    st.subheader(f"The week of {found.days}")
    st.markdown(
        f"All its clients: {escape_markdown(render.rate(found))}"
        + (
            f", {found.late} {'set' if found.late == 1 else 'sets'} late now."
            if found.late
            else "."
        )
    )
    if not found.clients:
        st.write("No client of this digest is known to the monitor yet.")
    for client in found.clients:
        _client(client)
    if found.missing:
        names = ", ".join(f"“{escape_markdown(n, 60)}”" for n in found.missing)
        st.warning(f"Not found among the clients: {names}.", icon=":material/person_off:")
    st.markdown(f"[The week's failures in the failure analysis]({found.analysis})")


def _client(client: ClientWeek) -> None:
    st.markdown(f"#### {escape_markdown(client.name, 80)}")
    # In this tab (a Markdown link would open a new one).
    st.page_link(
        CLIENTS_PAGE,
        label=f"Open {escape_markdown(client.name, 80)}",
        icon=":material/person:",
        query_params={CLIENT_PARAM: client.key},
    )
    st.markdown(escape_markdown(render.summary(client), 200))
    if client.causes:
        st.markdown("**What failed and why**")
        st.markdown("\n".join(_cause(c) for c in client.causes))
    if client.late:
        st.markdown("**Late now**")
        st.markdown(
            "\n".join(
                f"- {escape_markdown(x.set_name, 80)} ({escape_markdown(x.platform)}): "
                f"{escape_markdown(x.words, 160)}"
                for x in client.late
            )
        )


def _cause(cause: Cause) -> str:
    sets = ", ".join(cause.sets)
    said = f" The platform said: {escape_markdown(cause.error, 200)}" if cause.error else ""
    count = f"{cause.failures} failure{'s' if cause.failures != 1 else ''}"
    return (
        f"- **{escape_markdown(cause.title)}**: {count} in {escape_markdown(sets, 200)}. "
        f"{escape_markdown(cause.category.advice, 300)}{said} "
        f"[In the analysis]({cause.link})"
    )


def recent(engine: Engine, digest: Digest, zone: tzinfo) -> None:
    """Its newest deliveries: when, which week, which channel, and what came of it."""
    st.subheader("Recent deliveries")
    prefix = f"digest:{digest.name}:"
    found = [d for d in deliveries.recent(engine, render.KIND) if d.key.startswith(prefix)][:20]
    if not found:
        st.write("None yet.")
        return
    lines = []
    for d in found:
        outcome = OUTCOMES.get(d.outcome, d.outcome)
        why = f": {escape_markdown(d.message, 200)}" if d.message else ""
        lines.append(
            f"- {escape_markdown(clock(d.at, zone))} · week {escape_markdown(d.key[len(prefix) :])}"
            f" · {escape_markdown(d.channel)}: **{outcome}**{why}"
        )
    st.markdown("\n".join(lines))
