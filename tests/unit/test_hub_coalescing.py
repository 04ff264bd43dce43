"""The hub without a backend: coalescing of snapshot rebuilds, and loops that survive bugs."""

from __future__ import annotations

from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.dotoro.events import CampaignSynced, Heartbeat
from sync_monitor.dotoro.models import Progress, QueuedJob, StatusSummary
from sync_monitor.live.hub import Hub
from sync_monitor.settings import load_settings
from tests.support.hub import OPS, watching
from tests.support.logs import LoggedErrors
from tests.support.waiting import seconds


def idle_hub() -> Hub:
    # Never started: no poller, no network; events are fed the way consumer threads feed them.
    return Hub(DotoroClient("http://127.0.0.1:9"), load_settings(environ={}), mono=lambda: 100.0)


def test_a_burst_of_events_costs_one_rebuild() -> None:
    hub = idle_hub()
    hub.snapshot()
    before = hub.state.rebuilds
    for n in range(1, 1001):
        hub.consumers.on_event(
            "job-1", CampaignSynced(f"c{n}", None, Progress(synced=n, total=1000))
        )
    for _ in range(20):  # twenty viewers reading after the burst
        hub.snapshot()
    assert hub.state.rebuilds == before + 1
    watched = watching(hub, "job-1")
    assert watched is not None
    assert watched.progress == Progress(synced=1000, total=1000)


def test_no_change_means_no_rebuild() -> None:
    hub = idle_hub()
    first = hub.snapshot()
    assert hub.snapshot() is first
    hub.consumers.on_event("job-1", Heartbeat())
    assert hub.snapshot() is not first


def test_wait_for_change_returns_at_once_when_already_changed() -> None:
    hub = idle_hub()
    version = hub.snapshot().version
    hub.consumers.on_event("job-1", Heartbeat())
    assert hub.wait_for_change(version, timeout=seconds(5)) > version


class BuggyClient(DotoroClient):
    """No network: the status poll raises a bug once, then answers; a retry always raises."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:9")
        self.polls = 0

    def probe(self, feature: str) -> bool | None:
        return False

    def status(self) -> StatusSummary:
        self.polls += 1
        if self.polls == 1:
            raise RuntimeError("a bug")
        return StatusSummary()

    def retry(self, set_id: str) -> QueuedJob:
        raise RuntimeError("another bug")


def test_the_poller_survives_an_unexpected_error(logged_errors: LoggedErrors) -> None:
    logged_errors.expect("status poll failed unexpectedly")
    hub = Hub(BuggyClient(), load_settings(environ={}, poll_seconds=0.5)).start()
    try:
        version = 0
        while not hub.snapshot().loaded:
            version = hub.wait_for_change(version, seconds(10))
            assert version > 0, "the poller never polled again"
        assert logged_errors.matching("status poll failed unexpectedly")
    finally:
        hub.stop()


def test_an_action_that_hits_a_bug_fails_with_a_sentence(logged_errors: LoggedErrors) -> None:
    logged_errors.expect("an action failed unexpectedly")
    hub = Hub(BuggyClient(), load_settings(environ={}))
    try:
        result = hub.actions.retry("set-1", OPS).result(10)
        assert not result.ok
        assert "unexpected error" in result.message
        [logged] = logged_errors.matching("an action failed unexpectedly")
        assert logged.exc_info is not None  # with its traceback
    finally:
        hub.stop()
