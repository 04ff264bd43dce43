"""The live page in a real browser: live progress, retry, hostile text, keyboard use."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import Live, until
from tests.support.waiting import ms

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
PROGRESS = re.compile(r"(\d+) of 200 campaigns synced")
OUTAGE = "Reddit Ads API error 503: Service Unavailable"


def synced_count(page: Page) -> int:
    text = page.get_by_text(PROGRESS).inner_text()
    match = PROGRESS.search(text)
    assert match, text
    return int(match.group(1))


def test_progress_advances_without_a_reload(live: Start) -> None:
    m = live()
    m.api.create_set(
        name="Acme Outdoor – Q4 Holiday Promo US",
        platform="google",
        behaviour={"campaigns": 200, "seconds_per_campaign": 0.15},
        queue=True,
    )
    page = m.open()
    page.evaluate("window.__sameDocument = true")  # gone if the page were reloaded
    bar = page.get_by_text(PROGRESS)
    expect(bar).to_be_visible(timeout=ms(20))
    first = synced_count(page)
    assert first < 200
    # The card's text keeps moving: it shows more campaigns synced.
    until(page, lambda: synced_count(page) > first + 5, "more campaigns synced")
    progressbar = page.get_by_role("progressbar").first
    expect(progressbar).to_have_attribute("aria-valuenow", re.compile(r"^[1-9]\d*"))
    assert page.evaluate("window.__sameDocument") is True
    assert m.page_errors == []


def test_retry_moves_a_failure_to_the_queue(live: Start) -> None:
    # workers=0: nothing runs, the retried job stays queued. A 1 s heartbeat: the hub's stream of
    # the retried job otherwise holds up the app's exit for up to 15 s (its stop waits for a frame).
    m = live(workers=0, heartbeat_seconds=1.0)
    name = "Nimbus Coffee – Brand Awareness UK"
    created = m.api.create_set(name=name, platform="reddit", failed_error=OUTAGE)
    m.open()
    failure = m.failure(name)
    expect(failure).to_have_count(1)
    expect(m.queue()).not_to_contain_text(name)

    failure.locator("summary").click()
    retry = failure.get_by_role("button", name=f"Retry “{name}”", exact=True)
    expect(retry).to_be_visible()
    retry.click()

    # Generous: on a loaded 2-core machine a fragment run can take seconds.
    try:
        expect(failure).to_have_count(0, timeout=ms(30))
    except AssertionError as exc:
        raise AssertionError(
            f"still listed as failed; retries sent: {m.retries_sent()}, "
            f"service: {m.api.get('/api/v1/sync/status').json()}"
        ) from exc
    expect(m.queue()).to_contain_text(name, timeout=ms(30))
    expect(m.failures()).to_have_count(0)
    m.wait_idle()
    assert m.retries_sent() == {f"POST /api/v1/sync/{created['setId']}/retry": 1}

    # The audit trail says who did it and how it went, on the page and as a CSV download.
    page = m.page
    page.get_by_test_id("stExpander").filter(has_text="Recent actions").locator("summary").click()
    table = page.get_by_test_id("stDataFrame").filter(has_text="local operator")
    expect(table).to_be_visible(timeout=ms(20))
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download the audit trail (CSV)").click()
    rows = Path(downloading.value.path()).read_text().splitlines()
    assert rows[0] == "at,who,role,action,target,outcome,message"
    assert [r.split(",")[1:6] for r in rows[1:]] == [
        ["local operator", "operator", "retry", created["setId"], "done"]
    ]
    assert m.page_errors == []


# Whether `el` has focus, in the page or in a component's shadow root.
FOCUSED = """el => {
  let active = document.activeElement;
  while (active && active.shadowRoot && active.shadowRoot.activeElement) {
    active = active.shadowRoot.activeElement;
  }
  return active === el;
}"""


def test_failure_expands_and_retries_by_keyboard(live: Start) -> None:
    m = live(workers=0, heartbeat_seconds=1.0)  # as in the test above
    name = "Harbor Bank – Lead Gen CA"
    created = m.api.create_set(name=name, platform="google", failed_error=OUTAGE)
    page = m.open()
    failure = m.failure(name)
    summary = failure.locator("summary")
    retry = failure.get_by_role("button", name=f"Retry “{name}”", exact=True)
    expect(retry).not_to_be_visible()

    summary.focus()
    page.keyboard.press("Enter")
    expect(retry).to_be_visible()
    expect(failure).to_have_attribute("open", "")

    # Tab from the summary through the expander's content until the Retry button has focus.
    for _ in range(10):
        page.keyboard.press("Tab")
        if retry.evaluate(FOCUSED):
            break
    else:
        pytest.fail("Tab never reached the Retry button")
    expect(retry).to_be_focused()
    page.keyboard.press("Enter")

    expect(failure).to_have_count(0, timeout=ms(15))
    expect(m.queue()).to_contain_text(name, timeout=ms(15))
    m.wait_idle()
    assert m.retries_sent() == {f"POST /api/v1/sync/{created['setId']}/retry": 1}
    assert m.page_errors == []


def test_a_refused_retry_says_why_in_full_and_sends_one_post_per_click(live: Start) -> None:
    """Retry in the component (issue 21): "Retrying…" until the service answers, a second click
    meanwhile sends nothing, and the service's refusal is shown in full, as text."""
    m = live(workers=0, heartbeat_seconds=1.0)
    name = "Harbor Bank – Lead Gen CA"
    created = m.api.create_set(name=name, platform="google", failed_error=OUTAGE)
    m.open()
    failure = m.failure(name)
    failure.locator("summary").click()
    retry = failure.get_by_role("button", name=f"Retry “{name}”", exact=True)
    expect(retry).to_be_visible()
    # The service is slow, then fails: every API answer takes 2 s and is a 500.
    m.api.set_faults(delay_seconds=2.0, error_rate=1.0, error_status=500)
    retry.click()
    expect(failure.get_by_text("Retrying… waiting for the service to queue it.")).to_be_visible()
    # While the service has not answered the button says it is busy (aria-disabled), and a click
    # (forced: Playwright waits for an enabled button otherwise) sends nothing more.
    expect(retry).to_have_attribute("aria-disabled", "true")
    retry.click(force=True)
    refused = failure.get_by_text(re.compile(r"^The retry was refused\. .*\b500\b"))
    expect(refused).to_be_visible(timeout=ms(30))
    m.api.set_faults(delay_seconds=0.0, error_rate=0.0)
    assert m.retries_sent() == {f"POST /api/v1/sync/{created['setId']}/retry": 1}
    assert m.page_errors == []
