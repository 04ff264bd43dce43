"""Live by push (issue 9), in a real browser: the cards move with no rerun, every tab of a browser
is live, the page falls back to timers when the route is blocked and comes back when it is not,
backend text stays text, the route lets in only the page's own tokens, and Cancel by keyboard
sends one POST."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from sync_monitor.dotoro.client import PROBE_ID
from sync_monitor.push import route, token
from sync_monitor.text import plain
from tests.support.browser import Live, until
from tests.support.pushed import COUNT_RUNS, FALLBACK, PROGRESS, SLOW, synced, wait_for_more
from tests.support.waiting import ms, seconds, wait_until

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
SECRET = "push-secret-for-tests-only-0123456789"


def test_cards_move_with_no_rerun(live: Start) -> None:
    m = live()
    m.api.create_set(name="Acme Outdoor – Q4", platform="google", behaviour=SLOW, queue=True)
    page = m.open()
    expect(page.locator(".sm-progress-text")).to_contain_text(PROGRESS, timeout=ms(20))
    m.wait_idle()
    page.evaluate(COUNT_RUNS)
    first = synced(page)
    later = wait_for_more(page, first + 40)  # 40 campaigns: four seconds at least
    assert later > first + 40
    bar = page.get_by_role("progressbar", name=re.compile(r"^Acme Outdoor – Q4: \d+ %$"))
    expect(bar).to_have_attribute("aria-valuenow", re.compile(r"^\d+$"))
    # At most the one rerun the component's first report to the page may cost (it can come
    # before the count starts, or after); the timed fallback would have rerun every second.
    assert page.evaluate("window.__runs") <= 1, "the cards moved by reruns, not by push"
    assert m.page_errors == []


def test_ten_tabs_of_one_browser_are_all_live(live: Start) -> None:
    m = live()
    m.api.create_set(name="Acme Outdoor – Q4", platform="google", behaviour=SLOW, queue=True)
    context = m.page.context
    tabs = [m.page] + [context.new_page() for _ in range(9)]
    for tab in tabs:
        m.open(tab)
        expect(tab.locator(".sm-progress-text")).to_contain_text(PROGRESS, timeout=ms(30))
    seen = [synced(tab) for tab in tabs]
    for tab, before in zip(tabs, seen, strict=True):
        assert wait_for_more(tab, before + 5) > before + 5
    for tab in tabs:  # and each of them by push, not by the fallback's timers
        expect(tab.get_by_text(FALLBACK)).to_have_count(0)
    assert m.page_errors == []


def test_fallback_takes_over_when_the_route_is_blocked_and_hands_back(live: Start) -> None:
    m = live()
    m.api.create_set(name="Acme Outdoor – Q4", platform="google", behaviour=SLOW, queue=True)
    blocked = {"on": True}

    def gate(ws: WebSocketRoute) -> None:
        if blocked["on"]:
            ws.close()  # as a proxy that does not pass the route would
        else:
            ws.connect_to_server()

    m.page.context.route_web_socket(re.compile(r".*/sync-monitor/push.*"), gate)
    page = m.page
    page.goto(m.url)
    # Blocked: the page draws the cards itself, every second, and says so.
    expect(page.get_by_text(FALLBACK)).to_be_visible(timeout=ms(30))
    expect(page.get_by_text(PROGRESS).first).to_be_visible(timeout=ms(20))
    expect(page.locator(".sm-live")).to_be_hidden()

    def shown() -> int:
        return int(PROGRESS.search(page.get_by_text(PROGRESS).first.inner_text()).group(1))  # type: ignore[union-attr]

    first = shown()
    until(page, lambda: shown() > first + 5, "the fallback's cards moving")

    blocked["on"] = False  # the route is reachable again: push takes over by itself
    expect(page.locator(".sm-live")).to_be_visible(timeout=ms(30))
    expect(page.get_by_text(FALLBACK)).to_have_count(0)
    before = synced(page)
    assert wait_for_more(page, before + 5) > before + 5
    assert m.page_errors == []


HOSTILE = '<img src=x onerror="window.__pwned=1"> **bold** [link](https://evil.example) \u202eKO'


def test_hostile_set_name_and_error_show_as_text_in_the_cards(live: Start) -> None:
    m = live()
    m.api.create_set(name=HOSTILE, platform="reddit", behaviour=SLOW, queue=True)
    page = m.open()
    name = page.locator(".sm-name").first
    expect(name).to_have_text(plain(HOSTILE), timeout=ms(20))  # the override left out
    assert page.locator(".sm-live img, .sm-live a").count() == 0
    assert page.evaluate("window.__pwned") is None
    bar = page.get_by_role("progressbar").first
    assert bar.get_attribute("aria-label", timeout=ms(5)).startswith(plain(HOSTILE))  # type: ignore[union-attr]
    assert m.page_errors == []


def _page_token(page: Page, url: str) -> str:
    """The token the page's component connected with (read from the socket it opened)."""
    with page.expect_websocket(lambda ws: route.PATH in ws.url, timeout=ms(30)) as opened:
        page.goto(url)
    return parse_qs(urlsplit(opened.value.url).query)["token"][0]


def test_the_route_lets_in_only_the_pages_own_fresh_tokens(live: Start) -> None:
    m = live(app_env={"SYNC_MONITOR_PUSH_SECRET": SECRET})
    m.api.create_set(name="Acme Outdoor – Q4", platform="google", behaviour=SLOW, queue=True)
    minted = _page_token(m.page, m.url)
    session, browser = minted.split(".")[:2]
    base = m.url.replace("http://", "ws://") + route.PATH
    # The page's browser's cookies: a token is good only with them (issue 18).
    jar = "; ".join(f"{c['name']}={c['value']}" for c in m.page.context.cookies())
    other = m.page.context.browser.new_context()  # type: ignore[union-attr]
    stranger_page = other.new_page()
    stranger_page.goto(m.url)
    # Streamlit sets its XSRF cookie once the page has connected.
    expect(stranger_page.get_by_text("Acme Outdoor – Q4").first).to_be_visible(timeout=ms(30))
    elsewhere = "; ".join(f"{c['name']}={c['value']}" for c in other.cookies())
    other.close()
    assert "_streamlit_xsrf" in jar
    assert "_streamlit_xsrf" in elsewhere
    assert jar != elsewhere

    bodies: set[bytes] = set()

    def status(query: str, cookie: str = jar) -> int:
        headers = {"Cookie": cookie} if cookie else None
        try:
            with connect(base + query, additional_headers=headers, open_timeout=seconds(10)) as ws:
                first = json.loads(ws.recv(timeout=seconds(10)))
                assert first["type"] == "full"
                assert "cards" in first["state"]
                return 101
        except InvalidStatus as refused:
            bodies.add(bytes(refused.response.body or b""))
            return refused.response.status_code

    now = time.time()
    assert status(f"?token={minted}") == 101
    assert status(f"?token={minted}", cookie="") == 401, "a client with no cookie"
    assert status(f"?token={minted}", cookie=elsewhere) == 401, "another browser"
    assert status("") == 401
    assert status("?token=forged") == 401
    assert status(f"?token={minted[:-4]}AAAA") == 401
    expired = token.mint(SECRET.encode(), session, browser, now - token.TTL_SECONDS - 5)
    assert status(f"?token={expired}") == 401
    stranger = token.mint(SECRET.encode(), "00000000-0000-4000-8000-000000000000", browser, now)
    assert status(f"?token={stranger}") == 401, "a token for a session the server does not have"
    assert status(f"?token={token.mint(b'another secret', session, browser, now)}") == 401
    assert bodies == {b"401 Unauthorized"}  # and nothing else

    # Let in: the full state, then changes; a proxy is told not to buffer; and a browser that
    # resumes from the number it has gets the changes after it, not the full state again.
    with connect(
        f"{base}?token={minted}", additional_headers={"Cookie": jar}, open_timeout=seconds(10)
    ) as ws:
        assert ws.response is not None
        assert ws.response.headers["Cache-Control"] == "no-cache"
        assert ws.response.headers["X-Accel-Buffering"] == "no"
        full = json.loads(ws.recv(timeout=seconds(10)))
        change = json.loads(ws.recv(timeout=seconds(10)))
        assert (full["type"], change["type"]) == ("full", "delta")
        assert change["seq"] == full["seq"] + 1
    resume = f"{base}?token={minted}&epoch={full['epoch']}&seq={change['seq']}"
    with connect(resume, additional_headers={"Cookie": jar}, open_timeout=seconds(10)) as ws:
        following = json.loads(ws.recv(timeout=seconds(10)))
        assert following["type"] == "delta"
        assert following["seq"] > change["seq"]


def test_cancel_by_keyboard_sends_one_post(live: Start) -> None:
    m = live()
    name = "Nimbus Coffee – Brand UK"
    created = m.api.create_set(name=name, platform="meta", behaviour=SLOW, queue=True)
    page = m.open()
    cancel = page.get_by_role("button", name=f"Cancel “{name}”", exact=True)
    expect(cancel).to_be_visible(timeout=ms(20))
    # Reach it by keyboard: Tab from the page's top until it has focus.
    page.get_by_role("heading", name="Sync Monitor").first.click()
    for _ in range(40):
        page.keyboard.press("Tab")
        if cancel.evaluate("el => el.getRootNode().activeElement === el"):
            break
    else:
        pytest.fail("Tab never reached the Cancel button")
    page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Yes, cancel this sync")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # a second press must not send a second POST
    m.api.wait_state(created["jobId"], "cancelled", timeout=20)
    expect(page.locator(".sm-card")).to_have_count(0, timeout=ms(15))
    m.wait_idle()
    stats = m.api.get("/_local/stats").json()
    probe = PROBE_ID  # the feature probe
    posts = {k: v for k, v in stats.items() if k.endswith("/cancel") and probe not in k}
    assert posts == {f"POST /api/v1/sync/{created['jobId']}/cancel": 1}
    assert m.page_errors == []


def test_a_finished_sync_is_announced_to_screen_readers(live: Start) -> None:
    m = live()
    name = "Juniper Labs – Retargeting"
    m.api.create_set(
        name=name,
        platform="reddit",
        behaviour={"campaigns": 30, "seconds_per_campaign": 0.2},
        queue=True,
    )
    page = m.open()
    expect(page.locator(".sm-card")).to_have_count(1, timeout=ms(20))
    announcer = page.locator(".sm-sr")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(page.locator(".sm-card")).to_have_count(0, timeout=ms(30))
    expect(announcer).to_have_text(f"“{name}” completed.", timeout=ms(10))
    assert m.page_errors == []


def test_read_only_cards_offer_no_cancel_and_nothing_is_written(live: Start) -> None:
    m = live(app_env={"SYNC_MONITOR_READ_ONLY": "true"})
    m.api.create_set(name="Acme Outdoor – Q4", platform="google", behaviour=SLOW, queue=True)
    m.api.create_set(name="Broken", failed_error="Meta API error 503")
    page = m.open()
    expect(page.locator(".sm-card")).to_have_count(1, timeout=ms(20))
    expect(page.locator(".sm-card button:visible")).to_have_count(0)  # ("Show all": hidden)
    expect(page.get_by_text("Read-only: SYNC_MONITOR_READ_ONLY is set.")).to_be_visible()
    # The failure, drawn by the component too, offers no Retry: it says who may.
    m.failure("Broken").locator("summary").click()
    expect(m.failure("Broken").get_by_text("Retry is for operators.")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Retry"))).to_have_count(0)
    # A read-only monitor sends the service no write, ever: not even the probe of cancel.
    polls = "GET /api/v1/sync/status"
    before = m.api.get("/_local/stats").json()[polls]
    wait_until(lambda: m.api.get("/_local/stats").json()[polls] >= before + 10, "ten polls")
    stats = m.api.get("/_local/stats").json()
    assert [k for k in stats if k.split()[0] != "GET" and " /api/" in k] == []
    assert m.page_errors == []
