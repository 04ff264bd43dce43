"""The Weekly digest page in a real browser at 375 px, on the scene `make run` shows: every part
fits the width (no sideways scrolling), its links lead to the clients page, and axe-core finds
nothing serious.

The app runs against the API with SYNC_MONITOR_API_URL, so its clients are "Unnamed client N":
the bundled API's brand names are given only in-process."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from typing import Any

from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import expect

from tests.support.browser import Live
from tests.support.waiting import ms

Start = Callable[..., Live]
# A time in a week's last minutes: the app's own sender finds it not due, and sends nothing.
DIGESTS = [
    {"name": "Everyone", "clients": "*", "to": "webhook=http://127.0.0.1:9/x", "when": "sun 23:59"},
    {"name": "Some", "clients": ["Unnamed client 1"], "to": "email=am@a.test", "when": "sun 23:58"},
]


def test_the_digest_page_fits_a_phone_and_leads_to_the_clients(live: Start) -> None:
    m = live(defaults=True, app_env={"SYNC_MONITOR_DIGESTS": json.dumps(DIGESTS)})
    m.open()
    with m.viewer(viewport={"width": 375, "height": 1600}) as page:
        page.goto(f"{m.url}/digest?digest=Everyone")
        expect(page.get_by_role("heading", name="Weekly digest")).to_be_visible(timeout=ms(30))
        # The history and the clients' board are read a few seconds after the process starts.
        for _ in range(30):
            if page.get_by_role("heading", name="The week of", exact=False).count():
                break
            page.reload()
            m.wait_idle(page=page)
        expect(page.get_by_role("heading", name="The week of", exact=False)).to_be_visible()
        m.wait_idle(page=page)
        wide = page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
                .map(e => e.tagName + ' ' + (e.textContent || '').slice(0, 60))"""
        )
        assert wide == []
        results: dict[str, Any] = Axe().run(page).response
        serious = [v["id"] for v in results["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == []
        if os.environ.get("DIGEST_SCREENSHOT"):  # a picture for a person to look at
            page.screenshot(path=os.environ["DIGEST_SCREENSHOT"], full_page=True)
        client = page.get_by_role("link", name=re.compile(r"^Open ")).first
        name = client.inner_text().rsplit("Open ", 1)[-1].strip()  # after the icon's name
        client.click()  # in this tab
        expect(page).to_have_url(re.compile(r"/clients\?client=[^&]+$"), timeout=ms(20))
        expect(page.get_by_text(name).first).to_be_visible()
    assert m.page_errors == []
