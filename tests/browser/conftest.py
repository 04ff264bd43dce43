"""Browser tests: the real app under `streamlit run`, driven by Debian's Chromium (Playwright).

No Chromium: the tests are skipped on a workstation, and fail under CI (CI set), which must
never pass by skipping them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from sync_monitor.local_api import Contract
from tests.local_api_helpers import Api, quiet_config, running
from tests.streamlit_app import CHROMIUM_ARGS, chromium_path, streamlit_app

POLL_SECONDS = "0.5"
VIEWPORT = {"width": 1400, "height": 1800}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        reason = "Chromium not found (apt-get install chromium, or set CHROMIUM to its path)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the browser tests, not skip them")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


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


@pytest.fixture
def live(browser: Browser) -> Iterator[Callable[..., Live]]:
    """Start a local API (plan contract unless `contract=`), the app, and a fresh page."""
    with ExitStack() as stack:

        def start(contract: Contract = Contract.PLAN, **config: Any) -> Live:
            api = stack.enter_context(running(quiet_config(contract=contract, **config)))
            url, _ = stack.enter_context(
                streamlit_app(api.url, SYNC_MONITOR_POLL_SECONDS=POLL_SECONDS)
            )
            context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            stack.callback(context.close)
            context.set_default_timeout(20_000)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            return Live(api, url, page, errors)

        yield start
