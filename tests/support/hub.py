"""Helpers for tests of the hub against the local API over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sync_monitor.access import Caller, Role
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.live.hub import Hub
from sync_monitor.live.jobstate import WatchedJob
from sync_monitor.live.snapshot import Snapshot
from sync_monitor.settings import load_settings
from tests.support.local_api import Api
from tests.support.waiting import seconds

OPS = Caller("test operator", Role.OPERATOR)  # who the tests act as


@contextmanager
def hub_for(
    url: str,
    hub_options: dict[str, Any] | None = None,
    *,
    operator: bool = True,
    **settings: float,
) -> Iterator[Hub]:
    """A started hub on `url` (polling every 0.5 s); `settings` override Settings fields.
    `operator`: an operator has the monitor open, as on an ops laptop (the probe of cancel,
    a write, may go)."""
    values = {"poll_seconds": 0.5, "stall_seconds": 30.0}
    values.update(settings)
    config = load_settings(environ={}).model_copy(update=values)
    hub = Hub(DotoroClient(url, timeout=seconds(5)), config, **(hub_options or {}))
    if operator:
        hub.operator_here()
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def wait_for(hub: Hub, predicate: Callable[[Snapshot], bool], timeout: float = 15.0) -> Snapshot:
    """Wait on the hub's change signal (no sleeping) until the snapshot satisfies `predicate`
    (for at most `seconds(timeout)`)."""
    deadline = time.monotonic() + seconds(timeout)
    version = -1
    while True:
        snap = hub.snapshot()
        if predicate(snap):
            return snap
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"condition not met; last snapshot: {summary(snap)}")
        version = hub.wait_for_change(max(version, snap.version), min(left, 0.3))


def summary(snap: Snapshot) -> str:
    """A snapshot in a few lines, for a failure message (the whole one can be megabytes)."""
    streams = [a.stream.kind.value if a.stream else "-" for a in snap.active]
    return (
        f"version {snap.version}, backend {snap.backend}, polled at {snap.polled_at}, "
        f"{len(snap.active)} active (streams {sorted(set(streams))}: live {snap.streams_live}, "
        f"waiting {snap.streams_waiting}), {len(snap.pending)} pending {snap.pending[:3]}, "
        f"{len(snap.failed)} failed {snap.failed[:3]}, first active {snap.active[:2]}"
    )


def server_job(api: Api, job_id: str) -> tuple[str, int, int, int]:
    job = api.server.call(lambda engine: engine.store.get_job(job_id))
    assert job is not None
    return job.state, job.synced, job.failed, job.total


def stream_opens(api: Api, set_id: str) -> int:
    stats = api.get("/_local/stats").json()
    return int(stats.get(f"GET /api/v1/campaign-sets/{set_id}/sync-stream", 0))


def watch_job(api: Api, hub: Hub, behaviour: dict[str, object]) -> tuple[str, str]:
    """A job the hub streams from before it starts, whatever the machine's load.

    It is queued by the hub's own retry (in the head contract the only job id a monitor can
    learn, §3.4) and held back, with no worker, until the consumer has attached.
    """
    api.set_workers(0)
    set_id, job_id = retry_job(api, hub, behaviour)
    wait_for(hub, lambda s: events_seen(hub, job_id) >= 1)  # `connected`: attached
    api.set_workers(1)
    return set_id, job_id


def retry_job(api: Api, hub: Hub, behaviour: dict[str, object]) -> tuple[str, str]:
    """A failed set retried by the hub: its new job is watched from the 202 on, queued or not."""
    cs = api.create_set(name="Watched", failed_error="first try failed", behaviour=behaviour)
    wait_for(hub, lambda s: any(f.set_id == cs["setId"] for f in s.failed))
    result = hub.actions.retry(cs["setId"], OPS).result(seconds(10))
    assert result.ok, result.message
    assert result.job_id is not None
    return cs["setId"], result.job_id


def watching(hub: Hub, job_id: str) -> WatchedJob | None:
    """What the hub knows of one watched job, if it watches it (an immutable value)."""
    with hub.state.reading() as tracker:
        return tracker.known.watched().get(job_id)


def watched(hub: Hub, job_id: str) -> WatchedJob:
    job = watching(hub, job_id)
    assert job is not None, f"{job_id} is not watched"
    return job


def final_live(hub: Hub, job_id: str) -> WatchedJob:
    wait_for(hub, lambda s: (job := watching(hub, job_id)) is not None and job.outcome is not None)
    return watched(hub, job_id)


def events_seen(hub: Hub, job_id: str) -> int:
    job = watching(hub, job_id)
    return job.events if job is not None else 0
