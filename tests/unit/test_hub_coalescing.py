"""A burst of events costs one snapshot rebuild, however many events or readers."""

from __future__ import annotations

from sync_monitor.client import DotoroClient
from sync_monitor.events import CampaignSynced, Heartbeat
from sync_monitor.hub import Hub
from sync_monitor.models import Progress
from sync_monitor.settings import load_settings


def idle_hub() -> Hub:
    # Never started: no poller, no network; events are fed the way consumer threads feed them.
    return Hub(DotoroClient("http://127.0.0.1:9"), load_settings(environ={}), mono=lambda: 100.0)


def test_a_burst_of_events_costs_one_rebuild() -> None:
    hub = idle_hub()
    hub.snapshot()
    before = hub.rebuilds
    for n in range(1, 1001):
        hub.on_event("job-1", CampaignSynced(f"c{n}", None, Progress(synced=n, total=1000)))
    for _ in range(20):  # twenty viewers reading after the burst
        hub.snapshot()
    assert hub.rebuilds == before + 1
    watched = hub.watched("job-1")
    assert watched is not None
    assert watched.progress == Progress(synced=1000, total=1000)


def test_no_change_means_no_rebuild() -> None:
    hub = idle_hub()
    first = hub.snapshot()
    assert hub.snapshot() is first
    hub.on_event("job-1", Heartbeat())
    assert hub.snapshot() is not first


def test_wait_for_change_returns_at_once_when_already_changed() -> None:
    hub = idle_hub()
    version = hub.snapshot().version
    hub.on_event("job-1", Heartbeat())
    assert hub.wait_for_change(version, timeout=5) > version
