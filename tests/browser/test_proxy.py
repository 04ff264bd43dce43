"""Behind a real reverse proxy (Debian's nginx with the configuration of docs/operating.md,
"Hosting it", run by the test):
the live page loads and is live by push through it, Streamlit's socket needs the forwarded
`Host` for a browser at the proxy's public name, and a visitor who comes through the proxy is
not the local operator: the app listens on loopback without sign-in, but the proxy makes it
reachable beyond this machine, so that visitor gets a read-only page and causes no write.
"""

from __future__ import annotations

import base64
import os
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, expect

from sync_monitor.dotoro.client import PROBE_ID
from sync_monitor.push import route
from tests.support.browser import Live
from tests.support.local_api import Api, quiet_config, running
from tests.support.proxy import nginx_proxy, require_nginx
from tests.support.pushed import COUNT_RUNS, FALLBACK, PROGRESS, SLOW, synced, wait_for_more
from tests.support.streamlit_app import serve
from tests.support.waiting import ms, seconds, wait_until

pytestmark = pytest.mark.browser

APP_ENV = {"SYNC_MONITOR_POLL_SECONDS": "0.5"}  # as the `live` fixture's apps
# Polls every 0.5 s (120 a minute) spend the default budget of 90 requests a minute, and the
# probe of cancel, a background request, then waits its next round, a minute later.
ROOMY = {**APP_ENV, "SYNC_MONITOR_REQUESTS_PER_MINUTE": "1000"}
VIEWPORT = {"width": 1400, "height": 1800}
HEADERS = pytest.mark.parametrize(
    "forward_headers", [True, False], ids=["forwarded-headers", "bare-proxy"]
)
OUTAGE = "Reddit Ads API error 503: Service Unavailable"
POLLS = "GET /api/v1/sync/status"
READ_ONLY = re.compile(r"^Read-only")


@pytest.fixture(autouse=True)
def _nginx() -> None:
    require_nginx()  # skip (fail under CI) before starting anything


@contextmanager
def visitor(browser: Browser, api: Api, url: str) -> Iterator[Live]:
    """A fresh browser context on `url` (the app's own, or the proxy's), as `live` makes one."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        context.set_default_timeout(ms(20))
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        yield Live(api, url, page, errors)
    finally:
        context.close()


def writes(api: Api) -> dict[str, int]:
    """The requests to the Dotoro API that could change something (the test's own scripting
    of the local API, under /_local/, left out): as tests/app/test_access_page.py counts them."""
    stats: dict[str, int] = api.get("/_local/stats").json()
    return {
        k: n
        for k, n in stats.items()
        if k.split()[0] in ("POST", "PUT", "PATCH", "DELETE") and " /api/" in k
    }


def polls_later(api: Api, count: int) -> None:
    before = api.get("/_local/stats").json().get(POLLS, 0)
    wait_until(
        lambda: api.get("/_local/stats").json().get(POLLS, 0) >= before + count,
        f"{count} more polls",
    )


@HEADERS
def test_through_the_proxy_the_page_loads_and_is_live_by_push(
    browser: Browser, forward_headers: bool
) -> None:
    with (
        running(quiet_config()) as api,
        serve(api.url, APP_ENV) as (app, _),
        nginx_proxy(app, forward_headers=forward_headers) as proxy,
        visitor(browser, api, proxy) as m,
    ):
        api.create_set(name="Acme Outdoor – Q4", platform="google", behaviour=SLOW, queue=True)
        sockets: list[str] = []
        m.page.on("websocket", lambda ws: sockets.append(ws.url))
        page = m.open()
        expect(page.locator(".sm-live")).to_be_visible(timeout=ms(30))
        expect(page.locator(".sm-line")).to_have_text("Live")
        expect(page.locator(".sm-progress-text")).to_contain_text(PROGRESS, timeout=ms(20))
        m.wait_idle()
        page.evaluate(COUNT_RUNS)
        first = synced(page)
        assert wait_for_more(page, first + 20) > first + 20  # two seconds at least
        # By push through nginx, not by the fallback's timers (which rerun every second).
        assert page.evaluate("window.__runs") <= 1, "the cards moved by reruns, not by push"
        expect(page.get_by_text(FALLBACK)).to_have_count(0)
        base = proxy.replace("http://", "ws://")
        assert any(u.startswith(base + "/_stcore/stream") for u in sockets), sockets
        assert any(u.startswith(base + route.PATH) for u in sockets), sockets
        assert not [u for u in sockets if not u.startswith(base)], "a socket around the proxy"
        assert m.page_errors == []


def _stcore_handshake(proxy: str, host: str, origin: str) -> str:
    """The status line nginx relays for a browser's upgrade of Streamlit's socket."""
    parts = urlsplit(proxy)
    assert parts.hostname is not None, proxy
    assert parts.port is not None, proxy
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=seconds(10)) as s:
        s.sendall(request.encode())
        head = b""
        while b"\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                break
            head += chunk
    return head.split(b"\r\n")[0].decode()


def test_streamlits_socket_needs_the_forwarded_host_at_a_public_name() -> None:
    """Streamlit lets its socket in when the Origin is the Host it sees (or a loopback or this
    machine's own address). A browser at https://monitor.example.com sends that Origin: with
    `Host $host` the app sees that name; without, the upstream's 127.0.0.1:port, and refuses.
    (Through the proxy's loopback URL, as in the other tests here, both work: 127.0.0.1 is
    always an allowed origin.)"""
    public = "monitor.example.com"
    with running(quiet_config(workers=0)) as api, serve(api.url, APP_ENV) as (app, _):
        for forward_headers, expected in ((True, "101"), (False, "403")):
            with nginx_proxy(app, forward_headers=forward_headers) as proxy:
                status = _stcore_handshake(proxy, public, f"https://{public}")
                assert status.split()[1] == expected, (forward_headers, status)
                assert _stcore_handshake(proxy, urlsplit(proxy).netloc, proxy).split()[1] == "101"


@HEADERS
def test_a_visitor_through_the_proxy_is_not_the_local_operator(
    browser: Browser, forward_headers: bool
) -> None:
    """The app listens on 127.0.0.1 without sign-in, which makes whoever opens it on this machine
    the local operator. A proxy in front of it lets in anyone who reaches the proxy: such a
    visitor must get a read-only page, no Retry, and cause no write (not even the probe of
    cancel, which waits for someone who may act); while a visitor at the app's own loopback URL,
    in the same process, is still the local operator."""
    name = "Harbor Bank – Lead Gen CA"
    retry = re.compile(r"^Retry\b")
    problems: list[str] = []

    def check(what: str, expectation: Callable[[], object]) -> None:
        """Note a failed expectation and carry on: the report says all that is wrong."""
        try:
            expectation()
        except AssertionError as exc:
            problems.append(f"{what}: {str(exc).splitlines()[0]}")

    # workers=0: nothing runs, the failure stays listed.
    with (
        running(quiet_config(workers=0)) as api,
        serve(api.url, ROOMY) as (app, _),
        nginx_proxy(app, forward_headers=forward_headers) as proxy,
    ):
        api.create_set(name=name, platform="reddit", failed_error=OUTAGE)

        with visitor(browser, api, proxy) as far:
            page = far.open()
            failure = far.failure(name)
            expect(failure).to_have_count(1)
            failure.locator("summary").click()
            expect(failure).to_contain_text(OUTAGE)  # opened: its buttons would show now
            far.wait_idle()
            check(
                "through the proxy, the page says it is read-only",
                lambda: expect(page.get_by_text(READ_ONLY).first).to_be_visible(timeout=ms(10)),
            )
            buttons = failure.get_by_role("button", name=retry)
            check(
                "through the proxy, no Retry button",
                lambda: expect(buttons).to_have_count(0, timeout=ms(5)),
            )
            polls_later(api, 10)  # time for the probe of cancel, were it sent
            sent = writes(api)
            if sent:
                problems.append(f"through the proxy, the visitor caused writes: {sent}")
            assert far.page_errors == []

        with visitor(browser, api, app) as near:  # the app's own loopback URL
            page = near.open()
            failure = near.failure(name)
            expect(failure).to_have_count(1)
            failure.locator("summary").click()
            check(
                "on loopback, the local operator sees Retry",
                lambda: expect(failure.get_by_role("button", name=retry)).to_be_visible(),
            )
            check(
                "on loopback, the page is not read-only",
                lambda: expect(page.get_by_text(READ_ONLY)).to_have_count(0),
            )
            # An operator is here: the one write that is their due, the probe of cancel.
            probe = {f"POST /api/v1/sync/{PROBE_ID}/cancel": 1}
            try:
                wait_until(lambda: writes(api) == probe, f"the writes to be {probe}", timeout=20)
            except AssertionError as exc:
                sent = writes(api)
                problems.append(f"on loopback, the operator's probe of cancel: {exc} ({sent})")
            assert near.page_errors == []

    assert not problems, f"behind nginx (forward_headers={forward_headers}):\n" + "\n".join(
        problems
    )
