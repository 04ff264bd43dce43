"""Triage first on the live page (issue 23), in Chromium against the local API: failures grouped by
cause in every open tab, the group retry's dry run, and a batch on the server, paced, with pause,
cancel, the page closed under it, and its stop when the retried syncs fail again. The local API
counts every POST: one per set, never more."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from sync_monitor.triage.plan import PACE_S
from tests.browser.conftest import VIEWPORT
from tests.support.browser import Live
from tests.support.fleet import most_in_any
from tests.support.waiting import ms, wait_until

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
LIMIT = "Reddit Ads API error 429: too many requests (request {})"
OUTAGE = "Meta Marketing API error 503: Service Unavailable"
EXPIRED = "Reddit Ads API error 401: invalid_token. The OAuth access token has expired."
# Pushed figures as they are drawn, in the component's shadow root.
BATCH = ".sm-batch"


def posts(m: Live) -> dict[str, int]:
    return m.retries_sent()


def within_the_budget(m: Live) -> None:
    """The service's limit was never reached, in any minute (the local API counts every request)."""
    seen = m.api.get("/_local/requests").json()
    assert seen["limited"] == 0
    assert most_in_any([(t, k) for t, k in seen["seen"]], 60) <= 100
    # The retries went one every PACE_S at most (the pace kept for actions).
    retries = sorted(t for t, k in seen["seen"] if k.startswith("POST ") and k.endswith("/retry"))
    assert all(b - a >= PACE_S * 1000 - 250 for a, b in itertools.pairwise(retries))


def groups_text(m: Live, page: Page) -> list[str]:
    return [t.strip() for t in m.groups(page).locator("summary .sm-group-line").all_inner_texts()]


def open_dry_run(m: Live, page: Page, label: str) -> None:
    group = m.groups(page).filter(has_text=label)
    if group.get_attribute("open") is None:
        group.locator("summary").first.click()
    group.get_by_role("button", name="Retry this group…").click()
    expect(page.get_by_role("dialog")).to_be_visible(timeout=ms(20))


def test_failures_are_grouped_by_cause_in_every_tab_with_the_category_on_each_line(
    live: Start,
) -> None:
    m = live(workers=0)
    for n in range(3):
        m.api.create_set(
            name=f"Acme – Search {n}", platform="reddit", failed_error=LIMIT.format(f"9f{n}c7a1b2")
        )
    for n in range(2):
        m.api.create_set(name=f"Kite – Meta {n}", platform="meta", failed_error=OUTAGE)
    m.api.create_set(name="Nimbus – Expired", platform="reddit", failed_error=EXPIRED)
    first = m.open()
    with m.viewer(viewport=VIEWPORT) as second:
        for page in (first, second):
            lines = m.groups(page).locator("summary .sm-group-line")
            expect(lines).to_have_count(3, timeout=ms(30))
            assert groups_text(m, page)[0].startswith("Rate limit · Reddit · 3 failures")
            assert {t.split(" · ")[0] for t in groups_text(m, page)} == {
                "Rate limit",
                "Platform outage",
                "Expired credentials",
            }
            attention = page.locator(".sm-attention")
            expect(attention).to_contain_text("Needs attention: 3 failing causes (6 failures)")
            # The failures are one click away: inside their cause's disclosure.
            failure = m.failure("Kite – Meta 1", page)
            expect(failure).to_be_hidden()
            m.reveal("Kite – Meta 1", page)
            expect(failure).to_be_visible()
            # Above the running syncs: on the first screen, however many run.
            heading = page.get_by_role("heading", name="Failed in the last 24 hours")
            box = heading.bounding_box()
            assert box is not None
            assert box["y"] < 800
    assert m.page_errors == []


def test_a_paced_group_retry_with_pause_cancel_and_its_page_closed_sends_one_post_per_set(
    live: Start,
) -> None:
    # workers=0: the retried jobs stay queued, so none fails again. A 1 s heartbeat: the hub's
    # streams of the retried jobs would otherwise hold up the app's exit.
    m = live(workers=0, heartbeat_seconds=1.0)
    sets = [
        m.api.create_set(
            name=f"Acme – Search {n}", platform="reddit", failed_error=LIMIT.format(f"ab{n}c7a1b2")
        )["setId"]
        for n in range(6)
    ]
    m.api.create_set(name="Nimbus – Expired", platform="reddit", failed_error=EXPIRED)
    page = m.open()
    expect(m.groups(page)).to_have_count(2, timeout=ms(30))

    open_dry_run(m, page, "Rate limit")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("6 campaign sets would be retried")
    expect(dialog).to_contain_text("one every 6 s: about 30 s in all")
    # Another cause picked too: its sets are skipped, and the dry run says why.
    dialog.get_by_role("combobox").click()
    page.get_by_role("option", name=re.compile("Expired credentials")).click()
    page.keyboard.press("Escape")
    expect(dialog).to_contain_text("1 skipped")
    expect(dialog).to_contain_text("reconnect the ad account in Dotoro")
    assert posts(m) == {}, "a dry run sends nothing"
    dialog.get_by_role("button", name="Retry 6 sets").click()

    batch = page.locator(BATCH)
    expect(batch).to_contain_text("Retrying a group: 2 causes", timeout=ms(30))
    wait_until(lambda: sum(posts(m).values()) >= 2, "two sets retried", timeout=60)
    batch.get_by_role("button", name="Pause").click()
    expect(batch).to_contain_text("Group retry paused", timeout=ms(20))
    paused_at = sum(posts(m).values())
    page.wait_for_timeout(9000)  # longer than the pace: a paused batch sends nothing
    assert sum(posts(m).values()) == paused_at

    # The page that started it closes; the batch carries on on the server, and a tab opened
    # later sees it and resumes it.
    page.context.close()
    with m.viewer(viewport=VIEWPORT) as later:
        resumed = later.locator(BATCH)
        expect(resumed).to_contain_text("Group retry paused", timeout=ms(30))
        resumed.get_by_role("button", name="Resume").click()
        wait_until(lambda: sum(posts(m).values()) > paused_at, "the batch goes on", timeout=60)
        resumed.get_by_role("button", name="Cancel the group retry").click()
        expect(resumed).to_contain_text("Group retry cancelled", timeout=ms(20))
        cancelled_at = sum(posts(m).values())
        later.wait_for_timeout(9000)  # longer than the pace: nothing more after a cancel
        assert sum(posts(m).values()) == cancelled_at
        assert cancelled_at < len(sets)
    sent = posts(m)
    assert set(sent.values()) == {1}, f"one POST per set: {sent}"
    assert all(path.split("/")[-2] in sets for path in sent)
    within_the_budget(m)
    assert m.page_errors == []


def test_a_group_retry_stops_by_itself_when_the_retried_syncs_fail_again(live: Start) -> None:
    m = live(workers=8, heartbeat_seconds=1.0)
    failing = {"fail_attempts": 99, "fail_after": 0, "fail_message": OUTAGE, "campaigns": 1}
    for n in range(10):
        m.api.create_set(
            name=f"Kite – Meta {n}", platform="meta", failed_error=OUTAGE, behaviour=failing
        )
    page = m.open()
    expect(m.groups(page)).to_have_count(1, timeout=ms(30))
    open_dry_run(m, page, "Platform outage")
    page.get_by_role("dialog").get_by_role("button", name="Retry 10 sets").click()

    batch = page.locator(BATCH)
    expect(batch).to_contain_text("Group retry stopped by itself", timeout=ms(120))
    expect(batch).to_contain_text("failed again")
    sent = posts(m)
    assert set(sent.values()) == {1}
    assert 3 <= sum(sent.values()) < 10, f"stopped before the end: {sent}"
    within_the_budget(m)
    assert m.page_errors == []


def test_many_running_syncs_fold_into_rows_below_the_failures(live: Start) -> None:
    m = live(workers=10, heartbeat_seconds=1.0)
    for n in range(10):
        m.api.create_set(
            name=f"Orbit – Long sync {n}",
            platform="google",
            queue=True,
            behaviour={"campaigns": 400, "seconds_per_campaign": 0.5},
        )
    m.api.create_set(name="Kite – Meta 0", platform="meta", failed_error=OUTAGE)
    page = m.open()
    cards = page.locator(".sm-grid .sm-card:not(.sm-placeholder)")
    expect(cards).to_have_count(10, timeout=ms(30))
    expect(page.locator(".sm-grid.sm-compact")).to_have_count(1)
    heights = [box["height"] for box in (c.bounding_box() for c in cards.all()) if box]
    assert len(heights) == 10
    assert max(heights) < 120, f"a row each, not a card: {heights}"
    failed = page.get_by_role("heading", name="Failed in the last 24 hours").bounding_box()
    running = page.get_by_role("heading", name="Syncing now").bounding_box()
    assert failed is not None
    assert running is not None
    assert failed["y"] < running["y"] < 900  # the failures first, all on the first screen
    assert m.page_errors == []
