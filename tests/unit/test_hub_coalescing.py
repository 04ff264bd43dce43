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
    assert hub.tracker.live["job-1"].progress == Progress(synced=1000, total=1000)


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


def test_finished_jobs_are_forgotten_after_a_while() -> None:
    """Bounded memory: a job whose stream ended leaves the hub once it is old and unlisted."""
    from datetime import UTC, datetime, timedelta

    from sync_monitor.events import Completed
    from sync_monitor.hub import FORGET_AFTER
    from sync_monitor.models import StatusSummary
    from sync_monitor.stream import Outcome

    now = [datetime(2026, 11, 29, 12, tzinfo=UTC)]
    hub = Hub(
        DotoroClient("http://127.0.0.1:9"),
        load_settings(environ={}),
        wall=lambda: now[0],
        mono=lambda: 100.0,
    )
    hub.on_event("job-1", Completed(Progress(synced=3, total=3)))
    hub.on_end("job-1", Outcome.COMPLETED, None)
    hub.tracker.absorb(StatusSummary(), now[0], 100.0, watching=())
    assert "job-1" in hub.tracker.live  # recently finished: kept (the UI may still show it)
    now[0] += FORGET_AFTER + timedelta(seconds=1)
    hub.tracker.absorb(StatusSummary(), now[0], 100.0, watching=())
    assert "job-1" not in hub.tracker.live
    assert "job-1" not in hub.tracker.ended_at
