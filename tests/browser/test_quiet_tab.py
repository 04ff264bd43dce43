"""A tab nobody touches reruns no Streamlit script for a minute while syncs run, the queue moves
and syncs finish (issue 21): the header, cards, queue, failures and charts move by push, their
clock text in the browser.

Every rerun a page asks for is a message on Streamlit's socket (a `BackMsg` with
`rerun_script`); the test reads each one the page sends, with Streamlit's own protobuf, and
shows that it does by a click at the end, whose rerun it must see."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from playwright.sync_api import WebSocket, expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from tests.support.browser import Live, until
from tests.support.waiting import ms

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
QUIET_S = 60.0
OUTAGE = "503 Service Unavailable: upstream outage"
WAITING = re.compile(r"waiting (\d+ s|\d+ min \d\d s)")


@dataclass(frozen=True)
class Rerun:
    at: float
    fragment: str
    widgets: tuple[str, ...]  # the ids of the widgets whose state the rerun carries


def test_a_tab_nobody_touches_reruns_nothing_for_a_minute(live: Start) -> None:
    m = live(workers=3)
    # A realistic scene: three syncs running (each about 20 s), a queue, failures.
    for n in range(3):
        m.api.create_set(
            name=f"Running {n}",
            platform=("reddit", "google", "meta")[n],
            queue=True,
            behaviour={"campaigns": 100, "seconds_per_campaign": 0.2},
        )
    for n in range(8):
        m.api.create_set(
            name=f"Waiting {n}",
            platform=("reddit", "google", "meta")[n % 3],
            queue=True,
            behaviour={"campaigns": 100, "seconds_per_campaign": 0.2},
        )
    for n in range(3):
        m.api.create_set(name=f"Broken {n}", platform="google", failed_error=OUTAGE)

    page = m.page
    reruns: list[Rerun] = []

    def sent(payload: str | bytes) -> None:
        if isinstance(payload, str):
            return
        message = BackMsg.FromString(payload)
        if message.WhichOneof("type") == "rerun_script":
            state = message.rerun_script
            widgets = tuple(w.id for w in state.widget_states.widgets)
            reruns.append(Rerun(time.monotonic(), state.fragment_id, widgets))

    def opened(socket: WebSocket) -> None:
        if "/_stcore/stream" in socket.url:
            socket.on("framesent", sent)

    page.on("websocket", opened)
    m.open()
    queue = m.queue()
    expect(queue).to_contain_text("Waiting 0", timeout=ms(30))
    expect(m.failures()).to_have_count(3, timeout=ms(30))
    m.wait_idle()
    # The page's first runs (and the component's first report) are over: count from here.
    until(page, lambda: not reruns or time.monotonic() - reruns[-1].at > 2, "a quiet page")
    start = time.monotonic()
    counted = len(reruns)
    first_card = page.locator(".sm-progress-text").first.inner_text()
    first_queue = queue.inner_text()
    charts = page.locator(".sm-charts")
    first_charts = [r.get_attribute("aria-label") for r in charts.get_by_role("img").all()]
    added = 0
    while time.monotonic() - start < QUIET_S:
        # The queue changes by itself (syncs start and finish); new sets join it too.
        if time.monotonic() - start > added * 15:
            m.api.create_set(name=f"Joined {added}", platform="meta", queue=True)
            added += 1
        page.wait_for_timeout(500)
    during = reruns[counted:]

    # Everything moved: the cards, the queue, the charts (syncs finished, others started) ...
    assert page.locator(".sm-progress-text").first.inner_text() != first_card
    assert queue.inner_text() != first_queue
    assert WAITING.search(queue.inner_text()), "the queue says how long each set has waited"
    now_charts = [r.get_attribute("aria-label") for r in charts.get_by_role("img").all()]
    assert now_charts != first_charts, "the charts did not move"
    # ... and not one rerun was asked for.
    assert during == [], f"reruns while nobody touched the tab: {during}"
    # A click does rerun (its fragment): this test sees reruns when there are any.
    page.get_by_test_id("stExpander").filter(has_text="Recent actions").locator("summary").click()
    until(page, lambda: len(reruns) > counted, "the click's rerun")
    assert m.page_errors == []
