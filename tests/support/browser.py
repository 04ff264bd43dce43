"""The browser harness: a local API, the app under `streamlit run`, and a Chromium page on it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Locator, Page, expect

from tests.support.local_api import Api
from tests.support.waiting import ms, seconds


def until(page: Page, check: Callable[[], bool], what: str, timeout: float = 15) -> None:
    """Wait until `check` (which reads the page) holds, asking every 0.1 s while Playwright's
    loop keeps the page's events coming; fail after `seconds(timeout)`. For what the page
    shows that no locator can wait for (a number that must grow)."""
    deadline = time.monotonic() + seconds(timeout)
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds(timeout):g} s")
        page.wait_for_timeout(100)


@dataclass
class Live:
    """A local API, the app served against it, and a browser page on the app."""

    api: Api
    url: str
    page: Page
    page_errors: list[str]

    def open(self, page: Page | None = None) -> Page:
        """Load the app and wait until its first run has finished and the data is in."""
        page = page or self.page
        page.goto(self.url)
        page.wait_for_selector("[data-testid='stApp']")
        self.wait_idle(page=page)
        # The header's counts exist once the hub has a snapshot: drawn by the push component,
        # or by Streamlit in the fallback.
        expect(page.locator(".sm-count, [data-testid='stMetric']").first).to_be_visible(
            timeout=ms(20)
        )
        return page

    @contextmanager
    def viewer(self, **options: Any) -> Iterator[Page]:
        """Another viewer of the same app: a fresh browser context with `options` (viewport,
        color_scheme, timezone_id …), its page opened as `open` does."""
        browser = self.page.context.browser
        assert browser is not None
        context = browser.new_context(**options)
        try:
            context.set_default_timeout(ms(20))
            page = context.new_page()
            page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
            yield self.open(page)
        finally:
            context.close()

    def pause(self, page: Page | None = None) -> None:
        """Switch on Pause (nothing reruns any more) and wait until the page has settled."""
        page = page or self.page
        page.get_by_test_id("stCheckbox").filter(has_text="Pause").locator("label").click()
        paused = page.get_by_text("Paused: the page shows the moment you paused.")
        expect(paused).to_be_visible(timeout=ms(20))  # a full run: slow on a busy machine
        self.wait_idle(page=page)

    def wait_idle(self, timeout: float = 20, page: Page | None = None) -> None:
        """Wait until no script (or fragment) run is in progress."""
        (page or self.page).wait_for_selector(
            "[data-test-script-state='notRunning']", state="attached", timeout=ms(timeout)
        )

    def section(self, title: str, page: Page | None = None) -> Locator:
        """The part of the page under the subheading `title` (e.g. "Queue"): drawn by the live
        component, or by Streamlit in a column (the fallback)."""
        page = page or self.page
        heading = page.get_by_role("heading", name=title, exact=True)
        parts = page.locator(
            ".sm-section:visible, [data-testid='stColumn'], [class*='st-key-section-']"
        )
        return parts.filter(has=heading).last

    def failures(self, page: Page | None = None) -> Locator:
        """The disclosures of the failed-syncs list, one per failure (the component's, inside
        their cause's group, or Streamlit's expanders)."""
        section = self.section("Failed in the last 24 hours", page)
        return section.locator("details.sm-failure, [data-testid='stExpander'] details")

    def failure(self, name: str, page: Page | None = None) -> Locator:
        """The failed sync's disclosure whose label contains `name`."""
        summary = (page or self.page).locator("summary", has_text=name)
        return self.failures(page).filter(has=summary)

    def groups(self, page: Page | None = None) -> Locator:
        """The failures' causes (the component's group disclosures)."""
        return self.section("Failed in the last 24 hours", page).locator("details.sm-group")

    def reveal(self, name: str, page: Page | None = None) -> Locator:
        """The failed sync's disclosure, its cause's group opened first where it is closed."""
        failure = self.failure(name, page)
        group = self.groups(page).filter(has=(page or self.page).locator("summary", has_text=name))
        if group.count() and group.first.get_attribute("open") is None:
            group.first.locator("summary").first.click()
        return failure

    def queue(self) -> Locator:
        return self.section("Queue")

    def retries_sent(self) -> dict[str, int]:
        stats: dict[str, int] = self.api.get("/_local/stats").json()
        return {k: v for k, v in stats.items() if re.fullmatch(r"POST /api/v1/sync/.+/retry", k)}


def serious(page: Page) -> list[str]:
    """axe-core's serious and critical violations on `page` (axe.min.js ships in the wheel)."""
    results: dict[str, Any] = Axe().run(page).response
    return [
        f"{v['id']} ({v['impact']}): {[n['html'][:160] for n in v['nodes']]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
