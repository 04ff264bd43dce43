"""Three replicas of the monitor (`streamlit run` each, SYNC_MONITOR_COLLECTOR=elected) sharing a
real PostgreSQL, against one local API, each with a tab in Chromium (issue 22): one collects,
every tab shows its state, a Retry clicked on each at once reaches Dotoro once, and when the
collector stops another takes over."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import POLL_SECONDS, VIEWPORT
from tests.support.browser import Live
from tests.support.databases import postgres_database
from tests.support.fleet import holder, replica_env
from tests.support.local_api import Api, quiet_config, running
from tests.support.streamlit_app import serve
from tests.support.waiting import ms, wait_until

pytestmark = pytest.mark.browser
OUTAGE = "Reddit Ads API error 503: Service Unavailable"


@dataclass
class Replica:
    name: str
    live: Live
    process: ExitStack  # closing it stops this replica's `streamlit run`


@dataclass
class Fleet:
    api: Api
    history: str  # the shared PostgreSQL's URL
    replicas: list[Replica]

    def collector(self) -> str | None:
        return holder(self.history)


def collected(page: Page) -> list[str]:
    """The page's uncaught errors, as they come."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def fleet(browser: Browser) -> Iterator[Fleet]:
    with ExitStack() as stack:
        api = stack.enter_context(running(quiet_config(workers=0)))
        history = stack.enter_context(postgres_database())
        replicas = []
        for name in ("replica-a", "replica-b", "replica-c"):
            env = replica_env(name, history, POLL_SECONDS, lease_seconds="3")
            # Each its own stack: a replica can be stopped while the other serves on.
            own = ExitStack()
            stack.callback(own.close)
            url, _ = own.enter_context(serve(api.url, env))
            context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
            stack.callback(context.close)
            context.set_default_timeout(ms(20))
            page = context.new_page()
            errors = collected(page)
            replicas.append(Replica(name, Live(api, url, page, errors), own))
        yield Fleet(api, history, replicas)


def test_replicas_show_one_state_and_a_retry_on_each_reaches_dotoro_once(
    fleet: Fleet,
) -> None:
    name = "Nimbus Coffee – Brand Awareness UK"
    created = fleet.api.create_set(name=name, platform="reddit", failed_error=OUTAGE)
    tabs = [r.live for r in fleet.replicas]
    for tab in tabs:
        tab.open()
        expect(tab.failure(name)).to_have_count(1, timeout=ms(30))
    collector = fleet.collector()
    for tab in tabs:  # both name the one replica that collects
        expect(tab.page.get_by_text(f"collected by {collector}")).to_be_visible()

    handles = []
    for tab in tabs:
        failure = tab.failure(name)
        failure.locator("summary").click()
        retry = failure.get_by_role("button", name=f"Retry “{name}”", exact=True)
        expect(retry).to_be_enabled()
        handles.append(retry.element_handle())
    for handle in handles:  # operators, one on each replica, click at the same moment
        handle.evaluate("b => b.click()")

    for tab in tabs:
        expect(tab.failure(name)).to_have_count(0, timeout=ms(30))
        expect(tab.queue()).to_contain_text(name, timeout=ms(30))
    assert tabs[0].retries_sent() == {f"POST /api/v1/sync/{created['setId']}/retry": 1}
    for tab in tabs:
        assert tab.page_errors == []


def test_when_the_collector_stops_another_replica_takes_over(fleet: Fleet) -> None:
    fleet.api.create_set(name="Failed first", platform="meta", failed_error=OUTAGE)
    for replica in fleet.replicas:
        replica.live.open()
        expect(replica.live.failure("Failed first")).to_have_count(1, timeout=ms(30))
    first = fleet.collector()
    assert first in ("replica-a", "replica-b", "replica-c")
    collecting = next(r for r in fleet.replicas if r.name == first)
    others = [r for r in fleet.replicas if r.name != first]

    collecting.process.close()  # stopped: it lets the lease go
    wait_until(
        lambda: fleet.collector() in [r.name for r in others], "another takes over", timeout=60
    )
    fleet.api.create_set(name="Failed later", platform="google", failed_error=OUTAGE)

    for other in others:
        expect(other.live.failure("Failed later")).to_have_count(1, timeout=ms(30))
        expect(other.live.failure("Failed first")).to_have_count(1)
        assert other.live.page_errors == []
