"""The shared link is safe (issue 18), tried as a hostile user would, with Streamlit's own
`st.login`, a real OpenID Connect provider (tests/support/oidc.py) and Chromium, each on a fresh
server: no page runs before the gate, a sign-out anywhere ends push and actions, a push token
works only in the browser it was minted for, and an address the provider has not verified gives
no role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocket, expect
from sqlalchemy import create_engine
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from sync_monitor.access import Action
from sync_monitor.history.audit import AuditLog
from sync_monitor.push import route
from tests.support.browser import Live, until
from tests.support.oidc import oidc_provider, sign_in
from tests.support.proxy import nginx_proxy
from tests.support.streamlit_app import free_port
from tests.support.waiting import ms, seconds

pytestmark = pytest.mark.browser

Start = Callable[..., Live]
SET = "Harbor Bank – Lead Gen"
LISTS = {"SYNC_MONITOR_OPERATORS": "ops@acme.com", "SYNC_MONITOR_VIEWERS": "viewer@acme.com"}
PAGES = ["/", "/live", "/now", "/analysis", "/clients", "/digest", "/alerts"]
ENDED = "sign-in has ended"


@contextmanager
def signed_in_monitor(
    live: Start, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[Live]:
    """A fresh server with sign-in through a provider of its own and a failed set."""
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    with oidc_provider(redirect_uri) as provider:
        m = live(
            app_port=port,
            app_secrets=provider.auth_secrets(redirect_uri),
            app_env={**LISTS, **(env or {})},
            app_log=log,
        )
        m.api.create_set(name=SET, platform="google", failed_error="boom")
        yield m


def pushes(page: Page) -> list[WebSocket]:
    """The push sockets `page` opens from now on."""
    opened: list[WebSocket] = []
    page.on("websocket", lambda ws: opened.append(ws) if route.PATH in ws.url else None)
    return opened


def shows_nothing(m: Live, page: Page, opened: list[WebSocket]) -> None:
    m.wait_idle(page=page)
    expect(page.get_by_text(SET)).to_have_count(0)
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    assert opened == [], "no push token was handed to a page before the gate"


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_every_url_opened_first_shows_only_the_sign_in_page(
    live: Start, path: str
) -> None:
    with signed_in_monitor(live) as m:
        opened = pushes(m.page)
        m.page.goto(m.url + path)  # the first page this server serves
        expect(m.page.get_by_role("button", name="Sign in", exact=True)).to_be_visible(
            timeout=ms(30)
        )
        shows_nothing(m, m.page, opened)


@pytest.mark.parametrize("path", PAGES)
def test_a_stranger_opening_any_url_first_sees_no_set(live: Start, path: str) -> None:
    with signed_in_monitor(live) as m:
        opened = pushes(m.page)
        m.page.goto(m.url)
        sign_in(m.page, "someone@elsewhere.example")  # nobody admitted has run a page yet
        m.page.goto(m.url + path)
        expect(m.page.get_by_text("is not on this monitor's lists")).to_be_visible(timeout=ms(30))
        shows_nothing(m, m.page, opened)


@pytest.mark.parametrize("path", PAGES)
def test_sign_in_required_but_not_set_up_lets_nobody_in_at_any_url(live: Start, path: str) -> None:
    m = live(app_env={"SYNC_MONITOR_REQUIRE_SIGN_IN": "true"})
    m.api.create_set(name=SET, platform="google", failed_error="boom")
    opened = pushes(m.page)
    m.page.goto(m.url + path)  # on loopback: once, /live offered Retry here
    expect(m.page.get_by_text("This monitor requires sign-in")).to_be_visible(timeout=ms(30))
    shows_nothing(m, m.page, opened)
    stats = m.api.get("/_local/stats").json()
    assert [k for k in stats if not k.startswith("GET")] == []  # no write reached the service


def test_an_address_the_provider_has_not_verified_gets_no_role(live: Start) -> None:
    with signed_in_monitor(live) as m:
        opened = pushes(m.page)
        m.page.goto(m.url)
        sign_in(m.page, "unverified:ops@acme.com")  # an operator's address, unverified
        expect(m.page.get_by_text("is not verified")).to_be_visible(timeout=ms(30))
        shows_nothing(m, m.page, opened)


@pytest.mark.parametrize("how", ["signed out in another tab", "cookie deleted"])
def test_a_sign_out_anywhere_ends_push_and_actions_in_every_tab(live: Start, how: str) -> None:
    with signed_in_monitor(live) as m:
        page = m.page
        opened = pushes(page)
        page.goto(m.url)
        sign_in(page, "ops@acme.com")
        expect(m.failure(SET)).to_be_visible(timeout=ms(30))
        m.failure(SET).locator("summary").click()
        expect(page.get_by_role("button", name=f"Retry “{SET}”", exact=True)).to_be_visible()
        other = page.context.new_page()
        other.goto(m.url)
        expect(other.get_by_text("Signed in as ops@acme.com (operator).")).to_be_visible(
            timeout=ms(30)
        )
        assert any(not ws.is_closed() for ws in opened), "the first tab's push is live"

        if how == "cookie deleted":
            page.context.clear_cookies(name="_streamlit_user")
        else:
            other.get_by_role("button", name="Sign out", exact=True).click()
            expect(other.get_by_role("button", name="Sign in", exact=True)).to_be_visible(
                timeout=ms(30)
            )
        # Within 30 s (a check-in every 10 s), whatever the machine: the first tab says so,
        # shows nothing more, offers no action, and its push socket is closed.
        expect(page.get_by_text(ENDED)).to_be_visible(timeout=ms(30))
        expect(page.get_by_text(SET)).to_have_count(0)
        expect(page.get_by_role("button", name="Retry")).to_have_count(0)
        until(page, lambda: all(ws.is_closed() for ws in opened), "the push sockets closed")
        stats = m.api.get("/_local/stats").json()
        assert [k for k in stats if "/retry" in k] == []  # nothing reached the service


def test_a_sign_out_elsewhere_ends_what_an_open_clients_page_shows(live: Start) -> None:
    """The Clients page refreshes itself (a fragment every 10 s) and filters as one types: a
    viewer signed out elsewhere sees no client any more, without a reload (the page's check-in
    ends it; each fragment run also asks again, as entry.py's gate is not run for it)."""
    with signed_in_monitor(live) as m:
        page = m.page
        page.goto(m.url)
        sign_in(page, "viewer@acme.com")
        page.goto(f"{m.url}/clients")
        expect(page.get_by_role("heading", name="Clients")).to_be_visible(timeout=ms(30))
        expect(page.get_by_text(SET)).to_be_visible(timeout=ms(30))  # alone: shown open
        other = page.context.new_page()
        other.goto(m.url)
        other.get_by_role("button", name="Sign out", exact=True).click()
        expect(other.get_by_role("button", name="Sign in", exact=True)).to_be_visible(
            timeout=ms(30)
        )
        # Within a refresh or two (every 10 s), whatever the machine.
        expect(page.get_by_text(SET)).to_have_count(0, timeout=ms(40))
        expect(page.get_by_role("heading", name="Clients")).to_have_count(0)


def test_a_push_token_works_only_in_the_browser_it_was_minted_for(
    live: Start, tmp_path: Path
) -> None:
    history = tmp_path / "history.sqlite3"
    env = {"SYNC_MONITOR_HISTORY_URL": f"sqlite:///{history}"}
    with signed_in_monitor(live, env, log=tmp_path / "server.log") as m:
        page = m.page
        page.goto(m.url)
        with page.expect_websocket(lambda ws: route.PATH in ws.url, timeout=ms(30)) as socket:
            sign_in(page, "ops@acme.com")
        url = socket.value.url
        mine = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
        # Another browser, signed in as a viewer, and a client with no cookie at all.
        other = page.context.browser.new_context()  # type: ignore[union-attr]
        viewer = other.new_page()
        viewer.goto(m.url)
        sign_in(viewer, "viewer@acme.com")
        expect(viewer.get_by_text("Signed in as viewer@acme.com (viewer).")).to_be_visible(
            timeout=ms(30)
        )
        theirs = "; ".join(f"{c['name']}={c['value']}" for c in other.cookies())
        other.close()

        def status(cookie: str) -> int:
            try:
                with connect(
                    url,
                    additional_headers={"Cookie": cookie} if cookie else None,
                    open_timeout=seconds(10),
                ) as ws:
                    ws.recv(timeout=seconds(10))
                    return 101
            except InvalidStatus as refused:
                return refused.response.status_code

        assert status(mine) == 101  # the operator's own browser
        assert status(theirs) == 401
        assert status("") == 401
    # Refused, logged (never the token) and counted in the audit trail.
    token = url.split("token=")[1].split("&")[0]
    text = (tmp_path / "server.log").read_text()
    assert text.count("refused a push connection request") >= 2
    assert token not in text
    trail = AuditLog(tmp_path / "read.sqlite3", lambda: create_engine(f"sqlite:///{history}"))
    refused = trail.read(20).refused
    trail.close()
    assert [e.action for e in refused].count(Action.PUSH) >= 2


def test_a_flood_of_refusals_leaves_the_operators_actions_in_sight(live: Start) -> None:
    with signed_in_monitor(live) as m:
        page = m.page
        page.goto(m.url)
        with page.expect_websocket(lambda ws: route.PATH in ws.url, timeout=ms(30)) as socket:
            sign_in(page, "ops@acme.com")
        failure = m.failure(SET)
        expect(failure).to_be_visible(timeout=ms(30))
        failure.locator("summary").click()
        failure.get_by_role("button", name=f"Retry “{SET}”", exact=True).click()
        expect(failure).to_have_count(0, timeout=ms(30))

        # Someone holding the operator's token, without the browser's cookies, tries 20 times.
        for _ in range(20):
            with pytest.raises(InvalidStatus):
                connect(socket.value.url, open_timeout=seconds(10))

        # The operator's own sign-in is untouched by someone else's use of their token: the
        # page's next check-in is answered with a new token.
        with page.expect_response(lambda r: route.CHECK_IN_PATH in r.url, timeout=ms(30)) as r:
            pass
        assert r.value.status == 200
        expect(page.get_by_text("Signed in as ops@acme.com (operator).")).to_be_visible()
        m.wait_idle()
        box = page.get_by_test_id("stExpander").filter(has_text="Recent actions")
        box.locator("summary").click()
        actions = page.get_by_test_id("stDataFrame").filter(has_text="ops@acme.com")
        expect(actions).to_be_visible(timeout=ms(20))
        expect(page.get_by_text("Refused attempts")).to_be_visible()
        with page.expect_download() as downloading:
            page.get_by_role("button", name="Download the audit trail (CSV)").click()
        rows = [r.split(",") for r in Path(downloading.value.path()).read_text().splitlines()]
        assert [r[1:4] for r in rows if r[5] == "done"] == [["ops@acme.com", "operator", "retry"]]
        refused = [r for r in rows if r[5] == "refused"]
        assert len(refused) == 3, "3 listed; the other 17 are summed up when the minute ends"
        assert {r[3] for r in refused} == {"push connection"}


def test_a_page_that_stops_checking_in_shows_no_data_until_it_checks_in_again(
    live: Start,
) -> None:
    def check_in(url: str) -> bool:
        return route.CHECK_IN_PATH in url

    with signed_in_monitor(live) as m:
        page = m.page
        page.goto(m.url)
        sign_in(page, "ops@acme.com")
        expect(m.failure(SET)).to_be_visible(timeout=ms(30))
        # The check-ins stop (blocked by an extension, a proxy, devtools): 30 s later the push
        # closes and the page draws no data, until a check-in gets through again.
        page.route(check_in, lambda blocked: blocked.abort())
        expect(page.get_by_text("Confirming your sign-in")).to_be_visible(timeout=ms(90))
        expect(page.get_by_text(SET)).to_have_count(0)
        expect(page.get_by_role("button", name="Retry")).to_have_count(0)
        page.unroute(check_in)
        expect(m.failure(SET)).to_be_visible(timeout=ms(45))
        expect(page.get_by_text("Signed in as ops@acme.com (operator).")).to_be_visible()


def test_behind_the_readmes_proxy_sign_in_works_and_makes_the_operator(live: Start) -> None:
    """The hosting docs' setup: nginx in front, sign-in required. Through the proxy an operator
    signs in and may act (the forwarding headers make nobody an operator by address, and take
    nobody's role away)."""
    port = free_port()
    with nginx_proxy(f"http://127.0.0.1:{port}") as proxy:
        redirect_uri = f"{proxy}/oauth2callback"
        with oidc_provider(redirect_uri) as provider:
            m = live(
                app_port=port,
                app_secrets=provider.auth_secrets(redirect_uri),
                app_env={**LISTS, "SYNC_MONITOR_REQUIRE_SIGN_IN": "true"},
            )
            m.api.create_set(name=SET, platform="google", failed_error="boom")
            page = m.page
            opened = pushes(page)
            page.goto(proxy)
            expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible(
                timeout=ms(30)
            )
            sign_in(page, "ops@acme.com")
            expect(page.get_by_text("Signed in as ops@acme.com (operator).")).to_be_visible(
                timeout=ms(30)
            )
            failure = m.failure(SET)
            expect(failure).to_be_visible(timeout=ms(30))
            failure.locator("summary").click()
            expect(page.get_by_role("button", name=f"Retry “{SET}”", exact=True)).to_be_visible()
            through = proxy.replace("http://", "ws://")
            until(page, lambda: any(ws.url.startswith(through) for ws in opened), "push, proxied")
