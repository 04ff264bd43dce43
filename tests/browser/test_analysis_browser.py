"""The analysis page in a real browser (issue 11): a shared link opens the view it names, with
its charts drawn from the bundled API's 30 days of history, and its CSV downloads."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from sync_monitor.dotoro.models import Platform
from sync_monitor.history import History, Outcome, View, Window
from tests.support.browser import Live
from tests.support.waiting import ms, wait_until

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
MAIN_WIDTH = "() => document.querySelector(\"[data-testid='stMainBlockContainer']\").clientWidth"


# The y axis of the causes chart: how many causes it has, and how many labels are visible.
CAUSE_LABELS = """(chart) => {
  const axis = [...chart.querySelectorAll("[aria-roledescription='axis']")]
    .find(a => (a.getAttribute('aria-label') || '').startsWith('Y-axis'));
  const texts = axis ? [...axis.querySelectorAll('text')] : [];
  const described = (axis && axis.getAttribute('aria-label')) || '';
  const causes = Number(described.match(/with (\\d+) value/)?.[1] || 0);
  const shown = texts.filter(t => t.getAttribute('opacity') !== '0' && t.textContent.trim()).length;
  return { causes, shown };
}"""


def main_width(page: Page) -> int:
    width: int = page.evaluate(MAIN_WIDTH)
    return width


def recorded(history_url: str, view: View) -> Callable[[], int]:
    """How many attempts of `view` the app's history holds now (read as a notebook would)."""

    def count() -> int:
        history = History.open(history_url, migrate=False)
        try:
            return len(history.attempts(view, limit=1_000_000))
        except pd.errors.DatabaseError:  # no table yet: the app has not created it
            return 0
        finally:
            history.close()

    return count


def test_a_shared_link_opens_its_view_with_charts_and_downloads(
    live: Start, tmp_path: Path
) -> None:
    history_url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    # The monitor's own poll interval: the backfill then has the request budget's larger share.
    env = {"SYNC_MONITOR_HISTORY_URL": history_url, "SYNC_MONITOR_POLL_SECONDS": "2"}
    m = live(seed_history=True, workers=0, app_env=env)
    page = m.page
    # Whole days that hold all of the seeded history (30 days): the count does not depend on
    # the second the page runs.
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=40), today
    view = f"window=custom&from={start}&to={end}&platform=reddit&state=completed,failed&compare=1"
    shown = View(
        window=Window.CUSTOM,
        start=start,
        end=end,
        platforms=(Platform.REDDIT,),
        states=(Outcome.COMPLETED, Outcome.FAILED),
    )
    expected = len(m.api.ended_jobs(("completed", "failed"), platforms=("reddit",)))
    assert expected > 10
    page.goto(m.url)  # the services start, and the recorder reads the backend's history
    in_history = recorded(history_url, shown)
    wait_until(lambda: in_history() == expected, f"{expected} Reddit attempts recorded", timeout=90)
    page.goto(f"{m.url}/analysis?{view}")
    expect(page.get_by_role("heading", name="Failure analysis")).to_be_visible(timeout=ms(30))
    attempted = page.get_by_test_id("stMetric").filter(has_text="Syncs attempted")
    expect(attempted.get_by_test_id("stMetricValue")).to_have_text(f"{expected:,}")

    # Opened from a link, the page uses the whole width (Streamlit would centre it in 736 px,
    # cutting the figures' labels and the tables' columns), and so does the live page.
    assert main_width(page) > 1200
    # The controls show the link's view, and the comparison is on.
    expect(page.get_by_test_id("stMultiSelect").filter(has_text="Platform")).to_contain_text(
        "Reddit"
    )
    expect(page.get_by_test_id("stMetricDelta").first).to_be_visible()
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(3, timeout=ms(20))
    for chart in charts.all():
        expect(chart.locator("canvas, svg").first).to_be_visible()
    # Every cause is named beside its bar: the legend does not squeeze the bars until the
    # chart hides their labels.
    causes = page.get_by_test_id("stVegaLiteChart").nth(1)
    labels = causes.evaluate(CAUSE_LABELS)
    assert labels["shown"] == labels["causes"] > 0, labels

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download the attempts (CSV)").click()
    assert downloading.value.suggested_filename == (
        f"sync-failures-{start:%Y%m%d}-{end:%Y%m%d}-reddit-completed-failed-attempts.csv"
    )
    rows = list(csv.DictReader(io.StringIO(Path(downloading.value.path()).read_text())))
    assert len(rows) == expected
    assert {r["platform"] for r in rows} == {"reddit"}
    assert {r["state"] for r in rows} <= {"completed", "failed"}

    # Issue 23: the address a person copies, once a control has rewritten it, opens the same
    # view in a notebook (View.from_url), whose History.analysis gives the page's figures.
    page.get_by_text("Compare", exact=True).click()
    expect(page).not_to_have_url(re.compile("compare="), timeout=ms(20))
    m.wait_idle()
    expect(page.get_by_test_id("stMetricDelta")).to_have_count(0)
    copied = View.from_url(page.url)  # a warning here would fail the test (filterwarnings)
    assert copied == shown
    history = History.open(history_url, migrate=False)
    figures = history.analysis(copied).figures
    history.close()
    assert figures.attempted == expected
    rate = page.get_by_test_id("stMetric").filter(has_text="Failure rate")
    expect(rate.get_by_test_id("stMetricValue")).to_have_text(f"{figures.failure_rate:.1%}")
    assert m.page_errors == []
    page.goto(f"{m.url}/live")
    expect(page.get_by_role("heading", name="Sync Monitor")).to_be_visible(timeout=ms(30))
    m.wait_idle()
    assert main_width(page) > 1200


def test_the_analysis_page_of_make_run_has_its_charts_tables_and_downloads(
    live: Start, tmp_path: Path
) -> None:
    """The page as a new user first sees it: `make run`'s defaults, the default view."""
    history_url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    m = live(defaults=True, app_env={"SYNC_MONITOR_HISTORY_URL": history_url})
    page = m.page
    page.goto(m.url)
    m.wait_idle()
    # The seeded days reach the history a few listing pages at a time (the request budget).
    seeded = len(m.api.ended_jobs())
    in_history = recorded(history_url, View(window=Window.QUARTER))
    wait_until(lambda: in_history() >= seeded, "the seeded history recorded", timeout=90)
    page.get_by_test_id("stHeader").get_by_role("link", name="Failure analysis").click()
    expect(page.get_by_role("heading", name="Failure analysis")).to_be_visible(timeout=ms(30))
    m.wait_idle()
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(3, timeout=ms(20))
    expect(page.get_by_test_id("stDataFrame")).to_have_count(3)  # groups, signatures, attempts
    for table in ("signatures", "attempts"):
        with page.expect_download() as downloading:
            page.get_by_role("button", name=f"Download the {table} (CSV)").click()
        assert downloading.value.suggested_filename == f"sync-failures-7d-{table}.csv"
        rows = list(csv.DictReader(io.StringIO(Path(downloading.value.path()).read_text())))
        assert len(rows) > 0, table
    for said in ("Something went wrong", "did not answer", "cannot be reached"):
        expect(page.get_by_text(said)).to_have_count(0)
    assert m.page_errors == []
