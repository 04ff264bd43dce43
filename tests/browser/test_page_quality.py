"""What only a real browser shows: first paint, accessibility (axe-core), the viewer's time zone,
the queue table at phone width, names of bars and buttons, focus, and text as copied."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Request, expect

from tests.support.browser import Live, serious
from tests.support.waiting import ms

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
OUTAGE = "Reddit Ads API error 503: Service Unavailable"
EXPIRED = (
    "Error validating access token: Session has expired. (OAuthException, code 190, subcode 463)"
)
WITH_URL = "POST https://example.com/x HTTP 500 (upstream said: see www.example.com or a@b.co)"
HOSTILE_NAME = (
    "Campaign_set_with_a_very_long_unbreakable_name_2026 **bold** "
    "[x](https://evil.example/a) <b>html</b> <img src=x>"
)
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Records whether the navigation menu ever appeared, from before the app's first paint.
WATCH_NAVIGATION = """
window.__navSeen = false;
new MutationObserver(() => {
  if (document.querySelector('[data-testid="stSidebarNav"], [data-testid="stSidebar"]')) {
    window.__navSeen = true;
  }
}).observe(document, {subtree: true, childList: true});
"""


def busy_page(m: Live) -> None:
    """A sync with live progress, a queue past the fold of three, and three kinds of failure."""
    m.api.create_set(
        name="Acme Outdoor – Black Friday",
        platform="google",
        behaviour={"campaigns": 400, "seconds_per_campaign": 0.25},
        queue=True,
    )
    for i in range(5):
        m.api.create_set(name=f"Harbor Bank – Lead Gen {i}", platform="meta", queue=True)
    m.api.create_set(name="Nimbus Coffee – Brand UK", platform="reddit", failed_error=OUTAGE)
    m.api.create_set(name="Old token", platform="meta", failed_error=EXPIRED)
    m.api.create_set(name="Linked error", platform="google", failed_error=WITH_URL)


QUEUE_TABLE = ".sm-queue .sm-table"  # the rest of the queue, drawn by the live component


def open_everything(m: Live, page: Page) -> None:
    """Open one failure and the queue's table, then pause so nothing changes under axe."""
    expect(page.get_by_role("progressbar").first).to_be_visible()
    m.reveal("Nimbus Coffee", page).locator("summary").click()
    page.get_by_text("The rest of the queue").click()
    expect(page.locator(QUEUE_TABLE)).to_be_visible()
    m.pause(page)


def test_first_load_paints_at_once_with_no_navigation_and_nothing_from_the_internet(
    live: Start,
) -> None:
    # Every API answer takes 3 s: the first figures come seconds after the first paint.
    m = live()
    m.api.set_faults(delay_seconds=3.0)
    page = m.page
    outside: list[str] = []
    failed: list[str] = []

    def seen(request: Request) -> None:
        if urlsplit(request.url).hostname not in LOCAL_HOSTS and request.url.startswith("http"):
            outside.append(request.url)

    page.on("request", seen)
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.add_init_script(WATCH_NAVIGATION)
    page.goto(m.url)
    # The frame and the skeleton before any figure: no blank page while the API is slow.
    expect(page.get_by_role("heading", name="Sync Monitor")).to_be_visible()
    expect(page.get_by_text("Loading syncs…").first).to_be_visible()
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    expect(page.get_by_test_id("stMetric").first).to_be_visible(timeout=ms(45))
    expect(page.get_by_text("Loading syncs…")).to_have_count(0)
    m.wait_idle()
    assert page.evaluate("window.__navSeen") is False
    icon = page.evaluate("document.querySelector('link[rel~=\"icon\"]').href")
    assert icon.startswith("data:image/svg+xml"), icon  # shipped, not a font CDN's image
    assert outside == []
    assert failed == []
    assert m.page_errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_serious_wide_and_narrow(live: Start, scheme: str) -> None:
    m = live()
    busy_page(m)
    for width in (1400, 375):
        with m.viewer(viewport={"width": width, "height": 1600}, color_scheme=scheme) as page:
            open_everything(m, page)
            assert serious(page) == [], (scheme, width)
    assert m.page_errors == []


def test_times_are_in_the_viewers_zone_and_named(live: Start) -> None:
    m = live()
    m.api.create_set(name="Nimbus Coffee – Brand UK", platform="reddit", failed_error=OUTAGE)
    zone = datetime.now(UTC).astimezone(ZoneInfo("Australia/Sydney")).tzname()
    assert zone in ("AEDT", "AEST")
    with m.viewer(viewport={"width": 1400, "height": 1200}, timezone_id="Australia/Sydney") as page:
        line = re.compile(rf"updated \d\d:\d\d:\d\d {zone}")
        expect(page.get_by_text(line)).to_be_visible()
        expect(m.failure("Nimbus Coffee", page).locator("summary")).to_contain_text(f" {zone}, ")
        expect(page.get_by_text(re.compile(rf"hours in {zone}"))).to_be_visible()
        expect(page.get_by_text(re.compile(r"\bUTC\b"))).to_have_count(0)


@pytest.mark.parametrize("width", [1024, 375])
def test_queue_table_shows_every_column_without_sideways_scrolling(live: Start, width: int) -> None:
    m = live(workers=0)
    names = [f"Acme Outdoor – Black Friday Retargeting Lookalikes {i}" for i in range(7)]
    names.append(HOSTILE_NAME)  # a long unbreakable word, links and HTML: in the table
    for i, name in enumerate(names):
        m.api.create_set(name=name, platform=("reddit", "google", "meta")[i % 3], queue=True)
    with m.viewer(viewport={"width": width, "height": 1600}) as page:
        page.get_by_text("The rest of the queue").click()
        table = page.locator(QUEUE_TABLE)
        expect(table).to_be_visible()
        m.pause(page)
        # One live component on the page, whatever runs the pause caused (two tables were seen
        # once, under a heavy load: a component mounted again beside its old box).
        expect(page.locator(".sm-live")).to_have_count(1)
        headers = table.locator("th")
        expect(headers).to_have_text(["#", "Campaign set", "Platform", "Waiting", "Starts"])
        for i in range(headers.count()):
            box = headers.nth(i).bounding_box()
            assert box is not None
            assert box["x"] >= 0, (i, box)
            assert box["x"] + box["width"] <= width, (i, box)
        # Nothing scrolls sideways, and no cell is cut short (no "2 min 3").
        overflowing = table.evaluate(
            """t => [t, ...t.querySelectorAll('*')]
                .filter(e => e.scrollWidth > e.clientWidth + 1)
                .map(e => e.tagName + ': ' + e.textContent.slice(0, 40))"""
        )
        assert overflowing == []
        expect(table.locator("tbody tr")).to_have_count(5)
        # Backend text stays text in the table too.
        expect(table.locator("tbody tr").last.locator("td").nth(1)).to_have_text(HOSTILE_NAME)
        expect(table.locator("a, b, img, strong, script")).to_have_count(0)


def test_bars_and_buttons_are_named_after_their_sync(live: Start) -> None:
    m = live()
    busy_page(m)
    page = m.open()
    bar = page.get_by_role("progressbar", name=re.compile(r"^Acme Outdoor – Black Friday: \d+ %$"))
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("aria-valuenow", re.compile(r"^\d+$"))
    expect(page.get_by_role("button", name="Cancel “Acme Outdoor – Black Friday”")).to_be_visible()
    m.reveal("Nimbus Coffee").locator("summary").click()
    retry = page.get_by_role("button", name="Retry “Nimbus Coffee – Brand UK”", exact=True)
    expect(retry).to_be_visible()
    m.reveal("Old token").locator("summary").click()
    anyway = page.get_by_role("button", name="Retry “Old token” anyway", exact=True)
    expect(anyway).to_be_visible()
    # "Retry anyway" looks like a button: a border, not a bare link-like label.
    assert anyway.evaluate("b => getComputedStyle(b).borderTopStyle") == "solid"
    # No icon's ligature name is part of any name or text a screen reader reads.
    snapshot = page.locator("body").aria_snapshot()
    for ligature in ("keyboard_arrow", "expand_more", "error icon", "replay", "cancel "):
        assert ligature not in snapshot, ligature
    assert m.page_errors == []


def test_focus_moves_to_the_next_failure_after_a_retry(live: Start) -> None:
    m = live(workers=0, heartbeat_seconds=1.0)  # see test_live_browser's retry tests
    first, second = "Harbor Bank – Lead Gen CA", "Nimbus Coffee – Brand UK"
    # One cause: the two failures are in one group, its disclosure open (the only one).
    m.api.create_set(name=second, platform="reddit", failed_error=OUTAGE)
    m.api.create_set(name=first, platform="reddit", failed_error=OUTAGE)
    page = m.open()
    failure = m.failure(first)
    failure.locator("summary").click()
    retry = failure.get_by_role("button", name=f"Retry “{first}”", exact=True)
    m.api.set_faults(delay_seconds=3.0)  # the service takes a while to answer the retry
    retry.focus()
    page.keyboard.press("Enter")
    # While the service has not answered, the failure stays, marked, and keeps the focus.
    expect(failure.get_by_text("Retrying…")).to_be_visible(timeout=ms(15))
    expect(retry).to_be_focused()
    expect(failure).to_have_count(0, timeout=ms(30))
    expect(m.failure(second).locator("summary")).to_be_focused(timeout=ms(10))
    assert m.page_errors == []


def test_copied_error_text_is_the_text_shown_with_no_link(live: Start) -> None:
    m = live()
    m.api.create_set(name="Linked error", platform="google", failed_error=WITH_URL)
    page = m.open()
    failure = m.failures()
    summary = failure.locator("summary")
    summary.click()
    expect(failure.locator("pre:visible")).to_be_visible()
    shown = summary.inner_text()
    assert "https://example.com/x HTTP 500" in shown
    assert not re.search("[\u200b-\u200d\u2060\ufeff]", shown)  # nothing invisible to paste
    # What a copy takes: the selection of the label's text.
    copied = summary.evaluate(
        """s => { const r = document.createRange(); r.selectNodeContents(s);
                  const sel = getSelection(); sel.removeAllRanges(); sel.addRange(r);
                  return sel.toString(); }"""
    )
    assert "POST https://example.com/x HTTP 500 (upstream said: see www.example.com" in copied
    assert "\u2060" not in copied
    expect(failure.locator("pre:visible")).to_have_text(WITH_URL)
    expect(page.get_by_test_id("stApp").locator("a[href*='example.com']")).to_have_count(0)
    assert m.page_errors == []
