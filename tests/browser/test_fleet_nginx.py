"""Three replicas of the monitor behind the shipped deploy/nginx.conf (Debian's nginx), sharing a
real PostgreSQL, against the local API with the service's 100 requests a minute (issue 22): each
browser sticks to one replica, every replica's tab shows the same figures, and the fleet stays
within the service's minute. (Retry on each replica: test_replicas_browser.py, where the local
operator may act; behind a proxy only a signed-in operator may.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import POLL_SECONDS, VIEWPORT
from tests.support.browser import Live
from tests.support.databases import postgres_database
from tests.support.fleet import most_in_any, replica_env
from tests.support.local_api import Api, quiet_config, running
from tests.support.proxy import nginx_fleet
from tests.support.streamlit_app import serve
from tests.support.waiting import ms, seconds, wait_until

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


@pytest.fixture
def fleet(browser: Browser) -> Iterator[tuple[Api, dict[str, Live]]]:
    """The three replicas behind nginx, and a tab on each (through nginx: a browser context
    per viewer, opened until every replica serves one)."""
    with ExitStack() as stack:
        api = stack.enter_context(running(quiet_config(workers=0, rate_limit_per_minute=100)))
        history = stack.enter_context(postgres_database())
        replicas = {}
        for name in NAMES:
            env = replica_env(name, history, POLL_SECONDS, lease_seconds="3")
            replicas[name], _ = stack.enter_context(serve(api.url, env))
        proxy = stack.enter_context(nginx_fleet(list(replicas.values())))
        tabs: dict[str, Live] = {}
        for _ in range(30):  # the affinity cookie is random: a few more viewers than replicas
            before = {name: sessions(url) for name, url in replicas.items()}
            context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            stack.callback(context.close)
            context.set_default_timeout(ms(20))
            live = Live(api, proxy, context.new_page(), [])
            live.open()
            tabs.setdefault(landed(replicas, before), live)
            if len(tabs) == len(NAMES):
                break
        assert sorted(tabs) == sorted(NAMES), f"no viewer landed on some replica: {sorted(tabs)}"
        yield api, tabs


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
