"""Live → Failure analysis → Live, by the menu and by links, over and over while syncs start,
finish and fail: never an error page (issue 17). The push component's reports can reach the
server after the viewer has left the live page; they once asked for a fragment that page no
longer had, and Streamlit showed its error page instead of the analysis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import Live
from tests.support.waiting import ms

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
ROUNDS = 20
STATES = ("completed", "failed")
# Short syncs, some failing, two at a time: for about 90 s, the queue, the cards and the
# failures change every few seconds.
QUICK = {"campaigns": 4, "seconds_per_campaign": 1.5}
FLAKY = {**QUICK, "fail_attempts": 3, "fail_after": 1, "fail_message": "Meta API error 503"}


def no_error_shown(page: Page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("encountered an error")).to_have_count(0)
    expect(page.get_by_text("Something went wrong")).to_have_count(0)
    expect(page.get_by_text("Page not found")).to_have_count(0)


def on_live(m: Live) -> None:
    page = m.page
    expect(page.get_by_role("heading", name="Sync Monitor", exact=True)).to_be_visible()
    expect(page.locator(".sm-count, [data-testid='stMetric']").first).to_be_visible(timeout=ms(20))
    m.wait_idle()
    no_error_shown(page)


def on_analysis(m: Live) -> None:
    page = m.page
    expect(page.get_by_role("heading", name="Failure analysis")).to_be_visible(timeout=ms(20))
    expect(page.get_by_test_id("stMetric").filter(has_text="Syncs attempted")).to_be_visible(
        timeout=ms(20)
    )
    m.wait_idle()
    no_error_shown(page)


def test_live_and_analysis_by_menu_and_by_link_twenty_times_while_syncs_change(
    live: Start,
) -> None:
    m = live(workers=2, seed_history=True)
    sets = {
        m.api.create_set(
            name=f"Round trip {n}", behaviour=FLAKY if n % 5 == 0 else QUICK, queue=True
        )["setId"]
        for n in range(30)
    }
    page = m.open()
    ended_before = ended(m, sets)
    menu = page.get_by_test_id("stHeader")  # st.navigation's top bar
    for _ in range(ROUNDS):
        menu.get_by_role("link", name="Failure analysis").click()
        on_analysis(m)
        menu.get_by_role("link", name="Live").click()
        on_live(m)
        page.goto(f"{m.url}/analysis")
        on_analysis(m)
        page.goto(f"{m.url}/live")  # a link to the live page: it is served at the root
        on_live(m)
        expect(page).to_have_url(f"{m.url}/")
    # Syncs did change meanwhile: some completed and some failed while the viewer went to and fro.
    after = ended(m, sets)
    assert all(after[state] > ended_before[state] for state in STATES), (ended_before, after)
    assert m.page_errors == []


def ended(m: Live, sets: set[str]) -> dict[str, int]:
    """How many of the syncs of `sets` have completed, and how many have failed."""
    jobs = m.api.ended_jobs(STATES)
    return {
        state: sum(1 for j in jobs if j.set_id in sets and j.state == state) for state in STATES
    }
