"""The Alerts page in Chromium at 375 px: nothing scrolls sideways, axe-core finds nothing
serious, the backend's words are text (no link, tag or markup from them), and the alert's own
link leads to the page filtered to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sync_monitor.history import History
from tests.support.alerts import HOSTILE, SECRET, plant
from tests.support.browser import Live, serious

pytestmark = pytest.mark.browser


def test_the_alerts_page_at_375_px(live: Callable[..., Live], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    with History.open(url) as history:
        plant(history)
    m = live(
        workers=0,
        app_env={
            "SYNC_MONITOR_HISTORY_URL": url,
            "SYNC_MONITOR_ALERT_SECONDS": "3600",  # the page as planted
            "SYNC_MONITOR_ALERT_CHANNELS": f"slack=https://hooks.test/{SECRET}",
            "SYNC_MONITOR_PUBLIC_URL": "https://sync.example.com",
        },
    )
    with m.viewer(viewport={"width": 375, "height": 1600}) as page:
        page.goto(f"{m.url}/alerts")
        expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()
        m.wait_idle(page=page)
        expect(page.get_by_text("Firing now (2)")).to_be_visible()
        expect(page.get_by_text(f"“{HOSTILE}” (Meta) failed its last 3 syncs.")).to_be_visible()
        main = page.get_by_test_id("stMain")
        # The backend's words made no link, tag or emphasis; the only links are the alerts'.
        links = main.locator("a").evaluate_all("els => els.map(e => e.href)")
        assert "http://evil/" not in links
        assert "https://sync.example.com/analysis?window=7d&set=s-1" in links
        expect(main.locator("b, em")).to_have_count(0)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= 375
        assert SECRET not in page.content()
        assert serious(page) == []
