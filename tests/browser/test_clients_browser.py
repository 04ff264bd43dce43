"""The Clients page (issue 24) in a real browser on a phone (375 px), on the data `make run`
shows (the bundled API's defaults: the workload simulator and its 30 seeded days): searched as
you type, a client opened alone at its own address, no UUID, nothing past the screen's edge,
nothing serious for axe-core."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dotoro_local import Contract
from tests.browser.test_analysis_browser import PAST_THE_EDGE, SIDEWAYS
from tests.support.browser import Live, serious
from tests.support.waiting import ms

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
SLOW = {"campaigns": 400, "seconds_per_campaign": 0.2}  # running for the whole test
STATE = re.compile(r"(Up to date \(synced|Late: last synced|Failing|Syncing now|Waiting to sync)")


def test_clients_on_a_phone_searched_as_you_type_and_linked_one_by_one(
    live: Start, tmp_path: Path
) -> None:
    env = {"SYNC_MONITOR_HISTORY_URL": f"sqlite:///{tmp_path / 'history.sqlite3'}"}
    m = live(defaults=True, app_env=env)
    m.page.goto(m.url)  # the services start; the recorder reads the backend's history
    with m.viewer(viewport={"width": 375, "height": 900}) as page:
        page.goto(f"{m.url}/clients")
        expect(page.get_by_role("heading", name="Clients")).to_be_visible(timeout=ms(30))
        clients = page.get_by_test_id("stExpander")
        expect(clients.first).to_be_visible(timeout=ms(30))
        # Once the history is read, the sets say when they last synced.
        expect(page.get_by_text("Reading the sync history")).to_have_count(0, timeout=ms(60))
        m.wait_idle(page=page)
        count = clients.count()
        assert count > 1
        # The summary's last line is its label (an icon's ligature comes before it).
        first = clients.first.locator("summary").inner_text().strip().splitlines()[-1]
        name = first.split(" — ")[0]
        assert page.evaluate(PAST_THE_EDGE) == []
        assert page.evaluate(SIDEWAYS) <= 0
        assert serious(page) == []  # axe-core: nothing serious for a screen reader or contrast
        assert not UUID.search(
            page.locator("section.stMain, [data-testid='stMain']").first.inner_text()
        )

        # Typed, no Enter: the list narrows to the clients it finds as the typing pauses.
        search = page.get_by_placeholder("Client or campaign name")
        search.press_sequentially(name.lower(), delay=30)
        found = clients.filter(has_text=f"{name} — ")
        expect(found).to_have_count(1)
        page.wait_for_function(
            "n => document.querySelectorAll('[data-testid=stExpander]').length < n", arg=count
        )
        m.wait_idle(page=page)
        shown = [c.locator("summary").inner_text() for c in clients.all()]
        assert all(name.lower() in label.lower() for label in shown), shown
        found.locator("summary").click() if len(shown) > 3 else None
        expect(found.get_by_text(STATE).first).to_be_visible()

        # Opened alone: its name as the heading, only its sets, and the address in the bar.
        found.get_by_role("button", name="Open this client alone").click()
        expect(page.get_by_role("heading", name=name)).to_be_visible(timeout=ms(20))
        page.wait_for_function("() => /^[?]client=[a-z0-9-]+$/.test(location.search)")
        expect(page.get_by_test_id("stExpander")).to_have_count(0)
        m.wait_idle(page=page)
        shared = page.url
        # ... and the address to send, as the browser reaches it.
        expect(page.get_by_test_id("stCode")).to_contain_text(shared)
        assert page.evaluate(SIDEWAYS) <= 0
        page.get_by_role("button", name="All clients").click()
        expect(page.get_by_test_id("stExpander").first).to_be_visible(timeout=ms(20))
        page.wait_for_function("() => location.search === ''")
    # Sent to someone: their browser opens the same client alone.
    with m.viewer(viewport={"width": 375, "height": 900}) as other:
        other.goto(shared)
        expect(other.get_by_role("heading", name=name)).to_be_visible(timeout=ms(30))
        expect(other.get_by_test_id("stExpander")).to_have_count(0)
    assert m.page_errors == []


def test_clients_against_the_service_as_deployed(live: Start, tmp_path: Path) -> None:
    """The head contract lists sets with no progress, reason, times or owner (dotoro-api.md
    §3.4): the page says what the polls and the history saw, on a phone."""
    env = {"SYNC_MONITOR_HISTORY_URL": f"sqlite:///{tmp_path / 'history.sqlite3'}"}
    m = live(contract=Contract.HEAD, workers=0, app_env=env)
    m.api.create_set(name="Acme – Search US", failed_error="Reddit Ads API error 401")
    m.api.create_set(name="Acme – Video UK", platform="meta", queue=True, behaviour=SLOW)
    m.api.start_next_job()
    m.page.goto(m.url)  # the services start
    with m.viewer(viewport={"width": 375, "height": 900}) as page:
        page.goto(f"{m.url}/clients")
        client = page.get_by_test_id("stExpander").filter(has_text="All campaign sets")
        expect(client).to_have_count(1, timeout=ms(30))
        expect(client.get_by_text("Syncing now")).to_be_visible(timeout=ms(30))
        expect(
            client.get_by_text(
                re.compile(r"Failing since \w{3} \d\d:\d\d \S+: the reason was not given")
            )
        ).to_be_visible(timeout=ms(30))
        expect(page.get_by_text(re.compile(r"Syncing now \("))).to_have_count(0)
        assert page.evaluate(SIDEWAYS) <= 0
    assert m.page_errors == []
