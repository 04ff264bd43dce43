"""The Dotoro session token never reaches a browser or the log (issue 10): every websocket frame
(Streamlit's and the push route's), the page's HTML (the component's shadow root included) and
the server's log at debug level are searched for it across a session in which the backend
answers 401 and 500, cannot be reached at all, and comes back answering 429."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocket, expect

from dotoro_local import Faults, LocalApiServer
from sync_monitor.push import route
from tests.support.browser import Live
from tests.support.waiting import ms

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
TOKEN = "dotoro-session-Zq7vX2-never-shown-0123456789abcdef"
TEAM = "6513270e-269e-4d37-b2a7-4de452e6b438"
SLOW = {"campaigns": 400, "seconds_per_campaign": 0.1}


def _html(page: Page) -> str:
    """The page's HTML with every open shadow root's inside it (page.content() has none)."""
    html: str = page.evaluate(
        """() => {
            const parts = [document.documentElement.outerHTML];
            const walk = (root) => {
                for (const el of root.querySelectorAll("*")) {
                    if (el.shadowRoot) {
                        parts.push(el.shadowRoot.innerHTML);
                        walk(el.shadowRoot);
                    }
                }
            };
            walk(document);
            return parts.join("\\n");
        }"""
    )
    return html


def test_the_session_token_reaches_no_browser_and_no_log(live: Start, tmp_path: Path) -> None:
    log = tmp_path / "streamlit.log"
    m = live(
        session_token=TOKEN,
        team_id=TEAM,
        app_env={"SYNC_MONITOR_SESSION_TOKEN": TOKEN, "SYNC_MONITOR_TEAM_ID": TEAM},
        app_log=log,
    )
    frames: list[bytes] = []
    sockets: list[str] = []

    def capture(ws: WebSocket) -> None:
        sockets.append(ws.url)
        for direction in ("framereceived", "framesent"):
            ws.on(direction, lambda f: frames.append(f.encode() if isinstance(f, str) else f))

    m.page.on("websocket", capture)
    m.api.create_set(name="Harbor Bank – Lead Gen", platform="google", failed_error="boom")
    m.api.create_set(name="Acme Outdoor – Q4", platform="meta", behaviour=SLOW, queue=True)
    page = m.open()
    expect(page.get_by_text(re.compile(r"\d+ of 400 campaigns synced"))).to_be_visible()
    pages = [_html(page)]

    # The backend refuses, breaks, goes away, comes back rate-limiting (last: the monitor then
    # waits the minute the service asks for); the page says so each time.
    for status, says in ((401, "session is not valid"), (500, "server error")):
        m.api.set_faults(error_rate=1.0, error_status=status)
        expect(page.get_by_text(says).first).to_be_visible(timeout=ms(30))
        pages.append(_html(page))
    m.api.server.stop()
    expect(page.get_by_text("could not be reached").first).to_be_visible(timeout=ms(30))
    pages.append(_html(page))
    config = replace(m.api.server.config, faults=Faults(error_rate=1.0, error_status=429))
    port = int(m.api.url.rsplit(":", 1)[1])
    with LocalApiServer(config, port=port):
        says = "rate-limiting this monitor until"  # the banner (a failure's Retry says why too)
        expect(page.get_by_text(says).first).to_be_visible(timeout=ms(30))
        pages.append(_html(page))

    # What was searched is the real thing: both sockets, many frames, a debug log that shows
    # the monitor calling the service (which accepted the token until the faults began).
    assert any("/_stcore/stream" in url for url in sockets), sockets
    assert any(route.PATH in url for url in sockets), sockets
    assert len(frames) > 20, len(frames)
    logged = log.read_bytes()
    assert b"DEBUG" in logged
    assert b"/api/v1/sync/status" in logged  # urllib3's debug line for each poll

    secret = TOKEN.encode()
    assert [f[:80] for f in frames if secret in f] == []
    assert [p[:80] for p in pages if TOKEN in p] == []
    assert secret not in logged
    assert m.page_errors == []
