"""What the browser tests read of the pushed cards: a slow sync to watch, its progress, and a
count of the page's script runs (push moves the cards with none)."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.support.browser import until

PROGRESS = re.compile(r"(\d+) of 400 campaigns synced")
SLOW = {"campaigns": 400, "seconds_per_campaign": 0.1}  # a sync that runs for the whole test
FALLBACK = "Live updates every 1 s (push updates are not reaching this browser)."
COUNT_RUNS = """() => {
    window.__runs = 0;
    const app = document.querySelector("[data-test-script-state]");
    new MutationObserver(() => {
        if (app.getAttribute("data-test-script-state") === "running") window.__runs += 1;
    }).observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
}"""


def synced(page: Page) -> int:
    """The campaigns the first card says are synced."""
    match = PROGRESS.search(page.locator(".sm-progress-text").first.inner_text())
    assert match
    return int(match.group(1))


def wait_for_more(page: Page, than: int) -> int:
    until(page, lambda: synced(page) > than, f"more than {than} campaigns synced")
    return synced(page)
