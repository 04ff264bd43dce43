"""The analysis page's error groups (issue 23) in a real browser at 375 px: the table and the
words that explain its states fit the phone's width."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from sync_monitor.history import History
from tests.support.browser import Live
from tests.support.error_groups import each_state
from tests.support.waiting import ms

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
PHONE = 375


def test_the_error_groups_table_fits_a_phone(live: Start, tmp_path: Path) -> None:
    history_url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    with History.open(history_url) as history:
        history.record(each_state(datetime.now(UTC)))
    m = live(workers=0, app_env={"SYNC_MONITOR_HISTORY_URL": history_url})
    with m.viewer(viewport={"width": PHONE, "height": 1600}) as page:
        page.goto(f"{m.url}/analysis")
        heading = page.get_by_role("heading", name="Error groups over time")
        expect(heading).to_be_visible(timeout=ms(30))
        m.wait_idle(page=page)
        # The first table after the heading is the groups' (the by-platform table is above).
        expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
        heading_box = heading.bounding_box()
        assert heading_box is not None
        below = [
            b
            for b in (t.bounding_box() for t in page.get_by_test_id("stDataFrame").all())
            if b is not None and b["y"] > heading_box["y"]
        ]
        assert below, "no table under the groups' heading"
        box = min(below, key=lambda b: b["y"])
        assert box["x"] >= 0, box
        assert box["x"] + box["width"] <= PHONE, box
        # The grid draws on a canvas (no cells to read here: the AppTests read its rows); the
        # words that explain the states wrap within the width.
        explained = page.get_by_test_id("stCaptionContainer").filter(has_text="regressed")
        expect(explained).to_be_visible()
        said = explained.bounding_box()
        assert said is not None
        assert said["x"] + said["width"] <= PHONE, said
    assert m.page_errors == []
