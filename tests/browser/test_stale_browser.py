"""Honest when the data stops (issue 21), in a real browser: while the backend is down the cards
stop counting, Cancel and Retry say why they are unavailable and the page says the figures are
stale; when the backend is back, the page is live again by itself."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from dotoro_local import LocalApiServer
from tests.support.browser import Live
from tests.support.pushed import PROGRESS, SLOW
from tests.support.waiting import ms, seconds, wait_until

pytestmark = pytest.mark.browser

Start = Callable[..., Live]


def _attempt(page: Page) -> int:
    """The poll's attempt number in the header ("Unreachable since … (attempt n)"), or 0."""
    found = re.search(r"attempt (\d+)", page.locator(".sm-line").inner_text())
    return int(found.group(1)) if found else 0


def test_cards_freeze_while_the_backend_is_down_and_the_page_is_live_again_after(
    live: Start, tmp_path: Path
) -> None:
    m = live(db_path=tmp_path / "api.sqlite3")
    m.api.create_set(name="Long sync", platform="google", behaviour=SLOW, queue=True)
    broken = "Broken sync"
    m.api.create_set(name=broken, platform="reddit", failed_error="Reddit Ads API error 503")
    page = m.open()
    expect(page.locator(".sm-progress-text")).to_contain_text(PROGRESS, timeout=ms(20))
    expect(page.locator(".sm-cancel button")).to_be_visible()  # an operator, on loopback
    failure = m.failure(broken)
    failure.locator("summary").click()
    retry = failure.get_by_role("button", name=f"Retry “{broken}”", exact=True)
    expect(retry).to_be_enabled()
    port = urlsplit(m.api.url).port
    assert port is not None
    m.api.server.stop()

    stale = page.locator(".sm-note", has_text="Stale: the last known figures, as of")
    expect(stale).to_be_visible(timeout=ms(30))
    expect(page.locator(".sm-cancel")).to_have_text(
        "Cancel is unavailable: the Dotoro API is down."
    )
    # The failure's Retry, drawn by Streamlit: in its place, disabled, with the reason.
    expect(retry).to_be_disabled(timeout=ms(30))
    expect(failure).to_contain_text("Retry is unavailable: the Dotoro API is down.")
    # The outage stopped the stream, not the sync: it is not called stalled.
    expect(page.locator(".sm-stalled")).to_be_hidden()
    frozen = page.locator(".sm-elapsed").inner_text()
    # Two more failed polls: more than two seconds later, the running time has not moved.
    seen = _attempt(page)
    wait_until(lambda: _attempt(page) >= seen + 2, "two more failed polls", timeout=30)
    assert page.locator(".sm-elapsed").inner_text() == frozen

    again = LocalApiServer(m.api.server.config, port=port).start(timeout=seconds(20))
    try:
        expect(page.locator(".sm-line")).to_have_text("Live", timeout=ms(30))
        expect(stale).to_be_hidden()
        # The restart requeued the cut-off run; running again, it may be cancelled again.
        expect(page.locator(".sm-cancel button")).to_be_visible(timeout=ms(30))
        expect(retry).to_be_enabled(timeout=ms(30))
    finally:
        again.stop()
    assert m.page_errors == []
