"""Honest when the data stops (issue 21), in a real browser: while the backend is down the cards
stop counting, Cancel and Retry say why they are unavailable and the page says the figures are
stale; when the backend is back, the page is live again by itself."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from dotoro_local import LocalApiServer
from tests.support.browser import Live, until
from tests.support.pushed import PROGRESS, SLOW
from tests.support.waiting import ms, seconds, wait_until

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
LONG = {"campaigns": 3000, "seconds_per_campaign": 0.1}  # five minutes: outlives a Retry-After


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


def _steady(page: Page, selector: str, seconds_: float) -> bool:
    """Whether the text at `selector` stays the same, sampled every 0.5 s for `seconds_`."""
    first = page.locator(selector).first.inner_text()
    end = time.monotonic() + seconds_
    while time.monotonic() < end:
        page.wait_for_timeout(500)  # a sampling rate: the property is that nothing moves
        if page.locator(selector).first.inner_text() != first:
            return False
    return True


def test_rate_limited_the_page_is_stale_and_says_why_and_recovers_after_retry_after(
    live: Start,
) -> None:
    """Rate-limited (429, Retry-After 60 s): stale with the reason, times frozen, Retry and
    Cancel unavailable with why, the note naming the backend, not the budget; live again once
    the service answers, without asking before its Retry-After."""
    m = live()
    m.api.create_set(name="Long sync", platform="google", behaviour=LONG, queue=True)
    broken = "Broken sync"
    m.api.create_set(name=broken, platform="reddit", failed_error="Reddit Ads API error 503")
    page = m.open()
    expect(page.locator(".sm-progress-text")).to_contain_text("of 3000 campaigns synced")
    failure = m.failure(broken)
    failure.locator("summary").click()
    retry = failure.get_by_role("button", name=f"Retry “{broken}”", exact=True)
    expect(retry).to_be_enabled()
    expect(page.locator(".sm-cancel button")).to_be_visible()  # cancel was probed: it works

    m.api.set_faults(error_rate=1.0, error_status=429)
    limited = "the Dotoro API is rate-limiting this monitor"
    expect(page.locator(".sm-header > .sm-banner")).to_contain_text(
        "rate-limiting this monitor until", timeout=ms(30)
    )
    expect(page.locator(".sm-note", has_text="Stale: the last known figures")).to_be_visible()
    expect(page.locator(".sm-cancel")).to_have_text(f"Cancel is unavailable: {limited}.")
    expect(retry).to_be_disabled()
    expect(failure).to_contain_text(f"Retry is unavailable: {limited}.")
    # The note names the cause: the backend, not the request budget.
    expect(page.locator(".sm-note", has_text=f"are paused: {limited}.")).to_be_visible()
    expect(page.get_by_text("request budget")).to_have_count(0)
    assert _steady(page, ".sm-elapsed", 3.0), "the running time went on while stale"

    m.api.set_faults(error_rate=0.0)
    # The service asked for 60 s: live again after that, and not long after.
    expect(page.locator(".sm-line")).to_have_text("Live", timeout=ms(90))
    expect(retry).to_be_enabled(timeout=ms(30))
    expect(page.locator(".sm-cancel button")).to_be_visible(timeout=ms(30))
    assert m.page_errors == []


RATE = re.compile(r"rate (\d+(?:\.\d)?)/min")


def test_after_a_restart_with_fewer_workers_the_estimates_follow(
    live: Start, tmp_path: Path
) -> None:
    """The service restarts with 2 workers where it had 3: the monitor learns the 2 (a worker
    count falls as well as rises), says "starts now" for no queued sync while both are busy,
    and rates each sync from its own recent progress (not a run's whole count over the few
    seconds it has been seen since the restart)."""
    m = live(workers=3, db_path=tmp_path / "api.sqlite3")
    # Three short syncs first, so that the monitor knows how long a sync takes; then six that
    # last the whole test (600 campaigns a minute each).
    for n in range(3):
        quick = {"campaigns": 20, "seconds_per_campaign": 0.1}
        m.api.create_set(name=f"Quick {n}", platform="google", behaviour=quick, queue=True)
    slow = {"campaigns": 3000, "seconds_per_campaign": 0.1}
    for n in range(6):
        m.api.create_set(name=f"Set {n}", platform="google", behaviour=slow, queue=True)
    page = m.open()
    expect(page.locator(".sm-card:not(.sm-placeholder)")).to_have_count(3, timeout=ms(30))
    expect(m.queue()).to_contain_text("Estimates assume 3 workers", timeout=ms(60))
    expect(m.queue()).to_contain_text("starts in ~", timeout=ms(60))
    port = urlsplit(m.api.url).port
    assert port is not None
    m.api.server.stop()
    expect(page.locator(".sm-note", has_text="Stale:")).to_be_visible(timeout=ms(30))

    config = replace(m.api.server.config, workers=2)
    again = LocalApiServer(config, port=port).start(timeout=seconds(20))
    try:
        expect(page.locator(".sm-line")).to_have_text("Live", timeout=ms(30))
        expect(page.locator(".sm-card:not(.sm-placeholder)")).to_have_count(2, timeout=ms(30))
        # From here, both workers are busy for minutes: no queued sync may start "now".
        said: list[str] = []

        def learned() -> bool:
            whens = page.locator(".sm-qwhen").all_inner_texts()
            said.extend(w for w in whens if "starts now" in w)
            return "Estimates assume 2 workers" in m.queue().inner_text()

        until(page, learned, "the monitor learns the 2 workers", timeout=60)
        assert said == [], f"'starts now' while every worker was busy: {said[:3]}"
        whens = page.locator(".sm-qwhen").all_inner_texts()
        assert all("starts in ~" in w for w in whens), whens
        # A rate comes back with each sync's own progress since the restart (none at first).
        rates: list[float] = []

        def rated() -> bool:
            details = " ".join(page.locator(".sm-card .sm-rest").all_inner_texts())
            rates[:] = [float(r) for r in RATE.findall(details)]
            return len(rates) == 2

        until(page, rated, "both cards say a rate", timeout=30)
        assert max(rates) < 1200, f"rates of {rates}/min for syncs that do 600/min"
    finally:
        again.stop()
    assert m.page_errors == []
