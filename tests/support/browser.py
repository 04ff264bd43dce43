"""The browser harness: a local API, the app under `streamlit run`, and a Chromium page on it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from tests.support.local_api import Api


@dataclass
class Live:
    """A local API, the app served against it, and a browser page on the app."""

    api: Api
    url: str
    page: Page
    page_errors: list[str]

    def open(self) -> Page:
        """Load the app and wait until its first run has finished and the data is in."""
        self.page.goto(self.url)
        self.page.wait_for_selector("[data-testid='stApp']")
        self.wait_idle()
        # The header's metrics exist once the hub has a snapshot; "Syncing now" is the first.
        expect(self.page.get_by_test_id("stMetric").first).to_be_visible(timeout=20_000)
        return self.page

    def wait_idle(self, timeout: float = 20_000) -> None:
        """Wait until no script (or fragment) run is in progress."""
        self.page.wait_for_selector(
            "[data-test-script-state='notRunning']", state="attached", timeout=timeout
        )

    def section(self, title: str) -> Locator:
        """The page column under the subheading `title` (e.g. "Queue")."""
        heading = self.page.get_by_role("heading", name=title, exact=True)
        return self.page.get_by_test_id("stColumn").filter(has=heading).last

    def failures(self) -> Locator:
        """The expanders of the failed-syncs list."""
        return self.section("Failed in the last 24 hours").get_by_test_id("stExpander")

    def failure(self, name: str) -> Locator:
        """The failed-sync expander whose label contains `name`."""
        return self.failures().filter(has_text=name)

    def queue(self) -> Locator:
        return self.section("Queue")

    def retries_sent(self) -> dict[str, int]:
        stats: dict[str, int] = self.api.get("/_local/stats").json()
        return {k: v for k, v in stats.items() if re.fullmatch(r"POST /api/v1/sync/.+/retry", k)}
