"""Three replicas of the monitor behind the shipped deploy/nginx.conf (Debian's nginx), sharing a
real PostgreSQL, against the local API with the service's 100 requests a minute (issue 22): each
browser sticks to one replica, every replica's tab shows the same figures, the fleet stays within
the service's minute, and a Retry clicked at once by an operator signed in on each replica (behind
a proxy nobody is an operator by address) reaches Dotoro once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import psycopg
import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import POLL_SECONDS, VIEWPORT
from tests.support.browser import Live
from tests.support.databases import postgres_database
from tests.support.fleet import most_in_any, replica_env
from tests.support.local_api import Api, quiet_config, running
from tests.support.oidc import oidc_provider, sign_in
from tests.support.proxy import nginx_fleet
from tests.support.streamlit_app import free_port, serve
from tests.support.waiting import ms, seconds, wait_for_http, wait_until

pytestmark = pytest.mark.browser
OUTAGE = "Reddit Ads API error 503: Service Unavailable"
NAMES = ("web-1", "web-2", "web-3")
# The header's figures as a tab shows them (in the push component's shadow root).
FIGURES = """() => {
  const roots = [document, ...[...document.querySelectorAll('*')]
    .filter(e => e.shadowRoot).map(e => e.shadowRoot)];
  const found = {};
  for (const root of roots) {
    for (const m of root.querySelectorAll('.sm-count')) {
      if (m.closest('[hidden]')) continue;
      found[m.querySelector('.sm-count-label').textContent.trim()] =
        m.querySelector('.sm-count-value').textContent.trim();
    }
  }
  return found;
}"""


def sessions(url: str) -> int:
    """The sessions a replica serves now (Streamlit's own metrics)."""
    text = requests.get(url + "/_stcore/metrics", timeout=seconds(10)).text
    return next(
        int(float(n.split()[-1])) for n in text.splitlines() if n.startswith("active_sessions")
    )


def landed(replicas: dict[str, str], before: dict[str, int]) -> str:
    """The replica that took the viewer just opened (its sessions grew by one)."""
    grew: list[str] = []

    def one() -> bool:
        grew[:] = [n for n, url in replicas.items() if sessions(url) > before[n]]
        return len(grew) == 1

    wait_until(one, "one replica took the new viewer", timeout=30)
    return grew[0]


def figures(page: Page) -> str:
    return json.dumps(page.evaluate(FIGURES), sort_keys=True)


def collected(page: Page) -> list[str]:
    """The page's uncaught errors, as they come."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def spread(
    stack: ExitStack,
    browser: Browser,
    replicas: dict[str, str],
    proxy: str,
    arrive: Callable[[Page], None],
) -> dict[str, tuple[Page, list[str]]]:
    """A page on each replica, through nginx: a browser context per viewer, each `arrive`d at
    the proxy, until every replica serves one (the affinity cookie is random, so a few more
    viewers than replicas); each replica's page and its uncaught errors."""
    pages: dict[str, tuple[Page, list[str]]] = {}
    for _ in range(30):
        before = {name: sessions(url) for name, url in replicas.items()}
        context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        stack.callback(context.close)
        context.set_default_timeout(ms(20))
        page = context.new_page()
        errors = collected(page)
        arrive(page)
        pages.setdefault(landed(replicas, before), (page, errors))
        if len(pages) == len(replicas):
            return pages
    raise AssertionError(f"no viewer landed on some replica: {sorted(pages)}")


@pytest.fixture
def fleet(browser: Browser) -> Iterator[tuple[Api, dict[str, Live]]]:
    """The three replicas behind nginx, and a tab on each."""
    with ExitStack() as stack:
        api = stack.enter_context(running(quiet_config(workers=0, rate_limit_per_minute=100)))
        history = stack.enter_context(postgres_database())
        replicas = {}
        for name in NAMES:
            env = replica_env(name, history, POLL_SECONDS, lease_seconds="3")
            replicas[name], _ = stack.enter_context(serve(api.url, env))
        proxy = stack.enter_context(nginx_fleet(list(replicas.values())))

        def arrive(page: Page) -> None:
            Live(api, proxy, page, []).open()

        pages = spread(stack, browser, replicas, proxy, arrive)
        yield api, {name: Live(api, proxy, page, errors) for name, (page, errors) in pages.items()}


def test_three_replicas_behind_nginx_show_one_state_within_the_services_minute(
    fleet: tuple[Api, dict[str, Live]],
) -> None:
    api, tabs = fleet
    for n in range(3):
        api.create_set(name=f"Failed set {n}", platform="reddit", failed_error=OUTAGE)
        for tab in tabs.values():  # each change reaches every replica's tab
            expect(tab.failure(f"Failed set {n}")).to_have_count(1, timeout=ms(30))
        wait_until(
            lambda: len({figures(t.page) for t in tabs.values()}) == 1,
            "every replica's tab shows the same figures",
            timeout=30,
        )
    for tab in tabs.values():  # drawn by the push component: its route reached the same replica
        assert json.loads(figures(tab.page)), "no pushed figures in a tab"
    collector = None
    for tab in tabs.values():  # one collector, named alike on every replica
        text = tab.page.get_by_text("collected by").first.inner_text()
        named = next(name for name in NAMES if f"collected by {name}" in text)
        assert collector in (None, named)
        collector = named

    seen = api.get("/_local/requests").json()
    assert seen["limited"] == 0
    assert most_in_any([(t, k) for t, k in seen["seen"]], 60) <= 100
    for tab in tabs.values():
        assert tab.page_errors == []


def test_a_retry_clicked_by_a_signed_in_operator_on_each_replica_behind_nginx_reaches_dotoro_once(
    browser: Browser,
) -> None:
    """The hosted link as documented: nginx in front, sign-in required, one operator signed in
    (through a real OpenID provider, its callback through nginx) on each of the three replicas;
    all three click Retry on the same failed set at once."""
    name = "Nimbus Coffee – Brand Awareness UK"
    with ExitStack() as stack:
        api = stack.enter_context(running(quiet_config(workers=0, rate_limit_per_minute=100)))
        history = stack.enter_context(postgres_database())
        ports = {name: free_port() for name in NAMES}  # nginx and the provider name them first
        replicas = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        proxy = stack.enter_context(nginx_fleet(list(replicas.values())))
        redirect_uri = f"{proxy}/oauth2callback"
        provider = stack.enter_context(oidc_provider(redirect_uri))
        secrets = provider.auth_secrets(redirect_uri)  # one cookie secret for the fleet
        for replica, port in ports.items():
            env = {
                **replica_env(replica, history, POLL_SECONDS, lease_seconds="3"),
                "SYNC_MONITOR_OPERATORS": "ops@acme.com",
                "SYNC_MONITOR_REQUIRE_SIGN_IN": "true",
            }
            stack.enter_context(serve(api.url, env, port=port, secrets=secrets))
        # nginx took the replicas for down while they started (it was asked before they were up)
        # and tries them again after its fail_timeout (10 s): wait until it passes requests on.
        wait_for_http(f"{proxy}/_stcore/health", "nginx passing requests to the replicas")
        created = api.create_set(name=name, platform="reddit", failed_error=OUTAGE)

        def arrive(page: Page) -> None:
            page.goto(proxy)
            expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible(
                timeout=ms(30)
            )

        # Who lands where is told while nobody navigates; then each signs in, and the affinity
        # cookie keeps the provider's callback and the page after it on the same replica.
        pages = spread(stack, browser, replicas, proxy, arrive)
        tabs = {
            replica: Live(api, proxy, page, errors) for replica, (page, errors) in pages.items()
        }
        handles = []
        for tab in tabs.values():
            sign_in(tab.page, "ops@acme.com")
            expect(tab.page.get_by_text("Signed in as ops@acme.com (operator).")).to_be_visible(
                timeout=ms(30)
            )
            failure = tab.failure(name)
            expect(failure).to_have_count(1, timeout=ms(30))
            failure.locator("summary").click()
            retry = failure.get_by_role("button", name=f"Retry “{name}”", exact=True)
            expect(retry).to_be_enabled()
            handles.append(retry.element_handle())
        for handle in handles:  # the three operators click at the same moment
            handle.evaluate("b => b.click()")

        for tab in tabs.values():
            expect(tab.failure(name)).to_have_count(0, timeout=ms(30))
            expect(tab.queue()).to_contain_text(name, timeout=ms(30))
        assert tabs[NAMES[0]].retries_sent() == {f"POST /api/v1/sync/{created['setId']}/retry": 1}
        # Each replica asked the collector once, for the signed-in operator: the clicks were
        # made on all three, through nginx, as that operator.
        with psycopg.connect(history) as db:
            asked = db.execute(
                "SELECT replica, who, role, action, target, outcome IS NOT NULL"
                " FROM fleet_requests ORDER BY replica"
            ).fetchall()
        assert asked == [
            (replica, "ops@acme.com", "operator", "retry", created["setId"], True)
            for replica in NAMES
        ]
        seen = api.get("/_local/requests").json()
        assert seen["limited"] == 0
        for tab in tabs.values():
            assert tab.page_errors == []
