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


# The causes chart's names (text marks above the bars): how many, and how many reach past the
# chart's own right edge.
CAUSE_NAMES = """(chart) => {
  const svg = chart.querySelector('svg').getBoundingClientRect();
  const names = [...chart.querySelectorAll('g.mark-text.role-mark text')]
    .filter(t => t.textContent.trim());
  const past = names.filter(t => t.getBoundingClientRect().right > svg.right + 0.5);
  return { names: names.length, past: past.map(t => t.textContent) };
}"""

# The shown elements past the viewport's right edge, and those cut by a box that hides what
# overflows it. What a box that scrolls sideways (a table's grid) holds can be scrolled to: it
# counts only as far as that box shows it.
PAST_THE_EDGE = """() => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    // Not counted: what is not shown (a closed sidebar's links, left of the page; an input
    // drawn by its label).
    const shown = el.checkVisibility({ opacityProperty: true, visibilityProperty: true });
    if (box.width === 0 || box.height === 0 || box.right <= 0 || !shown) continue;
    const name = `${el.tagName}.${el.getAttribute('class') || ''}`.slice(0, 80);
    let right = box.right;
    for (let up = el.parentElement; up; up = up.parentElement) {
      const x = getComputedStyle(up).overflowX;
      const { left, right: edge } = up.getBoundingClientRect();
      if (edge - left <= 2) break;  // a box for screen readers only (a toggle's checkbox)
      if (x === 'auto' || x === 'scroll') right = Math.min(right, edge);
      else if ((x === 'hidden' || x === 'clip') && right > edge + 0.5) {
        out.push(`${name} cut at ${Math.round(edge)} px: ${el.textContent.slice(0, 40)}`);
        break;
      }
    }
    if (right > window.innerWidth + 0.5) {
      out.push(`${name} reaches ${Math.round(right)} px: ${el.textContent.slice(0, 40)}`);
    }
  }
  return out;
}"""
SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"
# Lines and outlines drawn dashed: the period before, in each chart.
DASHED = """(chart) => [...chart.querySelectorAll('[stroke-dasharray]')]
  .filter(e => e.getAttribute('stroke-dasharray').replace(/[\\s,]+/g, ',') === '4,3').length"""


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
    # Every cause of the chart (the ten most frequent) is named above its bar, within it.
    history = History.open(history_url, migrate=False)
    causes = min(10, len(history.analysis(shown).signatures))
    history.close()
    names = page.get_by_test_id("stVegaLiteChart").nth(1).evaluate(CAUSE_NAMES)
    assert names == {"names": causes, "past": []}
    assert causes > 0

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
    expect(page.get_by_test_id("stDataFrame")).to_have_count(
        4
    )  # platforms, groups, signatures, attempts
    for table in ("signatures", "attempts"):
        with page.expect_download() as downloading:
            page.get_by_role("button", name=f"Download the {table} (CSV)").click()
        assert downloading.value.suggested_filename == f"sync-failures-7d-{table}.csv"
        rows = list(csv.DictReader(io.StringIO(Path(downloading.value.path()).read_text())))
        assert len(rows) > 0, table
    for said in ("Something went wrong", "did not answer", "cannot be reached"):
        expect(page.get_by_text(said)).to_have_count(0)
    assert m.page_errors == []


def test_the_analysis_page_fits_a_phone_with_the_period_before_on_each_chart(
    live: Start, tmp_path: Path
) -> None:
    history_url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    env = {"SYNC_MONITOR_HISTORY_URL": history_url, "SYNC_MONITOR_POLL_SECONDS": "2"}
    m = live(seed_history=True, workers=0, app_env=env)
    m.page.goto(m.url)  # the services start, and the recorder reads the backend's history
    seeded = len(m.api.ended_jobs())
    in_history = recorded(history_url, View(window=Window.QUARTER))
    wait_until(lambda: in_history() >= seeded, "the seeded history recorded", timeout=90)
    with m.viewer(viewport={"width": 375, "height": 900}) as page:
        page.goto(f"{m.url}/analysis?window=7d&compare=1")
        expect(page.get_by_role("heading", name="Failure analysis")).to_be_visible(timeout=ms(30))
        expect(page.get_by_text(re.compile(r"^As of \d\d:\d\d UTC: "))).to_be_visible()
        charts = page.get_by_test_id("stVegaLiteChart")
        expect(charts).to_have_count(3, timeout=ms(20))
        expect(page.get_by_test_id("stDataFrame")).to_have_count(
            4
        )  # platforms, groups, signatures, attempts
        m.wait_idle(page=page)
        for chart in charts.all():
            chart.scroll_into_view_if_needed()
            expect(chart.locator("svg").first).to_be_visible()
        # The period before, dashed, on each chart: the rate's lines, the outlines of the
        # causes' and the durations' bars (the seeded days reach two weeks back).
        assert [chart.evaluate(DASHED) > 0 for chart in charts.all()] == [True] * 3
        assert charts.nth(1).evaluate(CAUSE_NAMES)["past"] == []
        expect(page.get_by_test_id("stMetricDelta").first).to_be_visible()
        # Nothing reaches past the phone's right edge, and the page does not scroll sideways.
        assert page.evaluate(PAST_THE_EDGE) == []
        assert page.evaluate(SIDEWAYS) <= 0
    assert m.page_errors == []
