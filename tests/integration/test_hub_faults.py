"""The hub under the local API's faults: the engine keeps telling the truth (issue 8)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dotoro_local import Contract, LocalApiServer
from sync_monitor.dotoro.backoff import Backoff
from sync_monitor.dotoro.budget import RequestBudget, reserve_for
from sync_monitor.dotoro.client import PROBE_ID, DotoroClient
from sync_monitor.dotoro.errors import ApiError
from sync_monitor.dotoro.models import StatusSummary
from sync_monitor.live.hub import Hub
from sync_monitor.live.jobstate import StreamKind
from sync_monitor.live.poller import DOWN_PROBE_CAP
from sync_monitor.live.snapshot import BackendKind, Snapshot
from sync_monitor.settings import load_settings
from sync_monitor.words.status import say, status_line
from tests.support.hub import events_seen, hub_for, stream_opens, wait_for, watching
from tests.support.local_api import Api, quiet_config, running
from tests.support.waiting import seconds

SLOW_BACKOFF = Backoff(base=120, cap=120, jitter=0)  # a reconnect that is not the backoff's


def test_a_silent_stream_is_reopened_and_the_poll_carries_the_progress() -> None:
    """`--stall-streams`: `connected`, then nothing. The card follows the poll's counts, is not
    flagged as stuck while the job moves, and the stream is reopened past the heartbeat window."""
    config = quiet_config(contract=Contract.PLAN)
    config.faults.stall_streams = True
    with running(config) as api, hub_for(api.url, heartbeat_seconds=0.5, stall_seconds=3.0) as hub:
        cs = api.create_set(
            name="Quiet", queue=True, behaviour={"campaigns": 200, "seconds_per_campaign": 0.05}
        )

        def card_moved(snap: Snapshot) -> bool:
            return any(a.job_id == cs["jobId"] and a.progress.done >= 60 for a in snap.active)

        snap = wait_for(hub, card_moved)
        [card] = [a for a in snap.active if a.job_id == cs["jobId"]]
        assert not card.stalled  # progress by any source counts
        assert events_seen(hub, cs["jobId"]) <= stream_opens(api, cs["setId"])  # only `connected`
        wait_for(hub, lambda s: stream_opens(api, cs["setId"]) >= 2)  # reopened, not left hanging


def test_a_probe_answered_with_500_decides_nothing() -> None:
    with running(quiet_config(contract=Contract.HEAD)) as api:
        client = DotoroClient(api.url, timeout=seconds(5))
        api.set_faults(error_rate=1.0, error_status=500)
        assert client.probe("cancel") is None
        assert client.probe("history") is None
        api.set_faults(error_rate=0.0)
        assert client.probe("cancel") is False  # the service's own "Route not found"
        assert client.probe("history") is False
        stats = api.get("/_local/stats").json()
        assert stats[f"POST /api/v1/sync/{PROBE_ID}/cancel"] == 2  # never retried on the spot
        assert stats["GET /api/v1/sync/jobs"] == 2
    with running(quiet_config(contract=Contract.PLAN)) as api:
        assert DotoroClient(api.url, timeout=seconds(5)).probe("cancel") is True


def test_cancel_stays_unavailable_through_500_bursts_on_head() -> None:
    """Feature detection believes answers, not errors: a 500 says nothing about a route."""
    with running(quiet_config(contract=Contract.HEAD)) as api:
        api.set_faults(error_rate=0.5, error_status=500)
        with hub_for(api.url) as hub:
            seen: list[bool | None] = []

            def many_polls(snap: Snapshot) -> bool:
                seen.append(snap.features.cancel)
                stats = api.get("/_local/stats").json()
                return int(stats.get("GET /api/v1/sync/status", 0)) >= 8

            wait_for(hub, many_polls, timeout=120)  # failures back off: 1, 2, 4 … s
        stats = api.get("/_local/stats").json()
        assert not any(seen)
        assert stats.get(f"POST /api/v1/sync/{PROBE_ID}/cancel", 0) <= 2
        assert stats.get("GET /api/v1/sync/jobs", 0) <= 2


def test_a_backend_down_for_long_is_asked_again_within_5_seconds() -> None:
    """The poll is the probe that finds the backend back: it backs off at first, but however
    long the outage, the next ask is never more than 5 s away (it was up to 30 s)."""
    gone = LocalApiServer(quiet_config()).start()
    url = gone.url
    gone.stop()  # nothing answers on its port any more
    hub = Hub(DotoroClient(url, timeout=2), load_settings(environ={}))
    try:
        delays, stale_since = [], []
        for _ in range(10):
            delays.append(hub.poller.poll_once())
            stale_since.append(hub.snapshot().backend.stale_since)
        backend = hub.snapshot().backend
        assert (backend.kind, backend.attempt) == (BackendKind.UNREACHABLE, 10)
        # Stale from the second failure on, and from then: the figures' times stop there.
        assert stale_since[0] is None
        assert stale_since[1] is not None
        assert set(stale_since[1:]) == {stale_since[1]}
        assert delays[0] < 2.0  # it still backs off: 1 s (with jitter) first
        assert max(delays) <= DOWN_PROBE_CAP * 1.2 <= 5.0
    finally:
        hub.stop()


class StuckClient(DotoroClient):
    """The real client, whose status poll can be made to hang (a poller stuck by a bug)."""

    def __init__(self, url: str) -> None:
        super().__init__(url, timeout=2)
        self.free = threading.Event()
        self.free.set()

    def status(self) -> StatusSummary:
        self.free.wait()
        return super().status()


def test_figures_no_poll_refreshes_go_stale_and_come_back() -> None:
    """A poller stuck past `silent_after` (timeout + two polls + 5 s): the figures are stale
    as of the last poll, the header does not say Live; unstuck, they are live again."""
    with running(quiet_config()) as api:
        api.create_set(name="Waiting", queue=True)
        client = StuckClient(api.url)
        settings = load_settings(environ={}).model_copy(
            update={"poll_seconds": 0.5, "request_timeout_seconds": 1.0}
        )
        hub = Hub(client, settings).start()
        try:
            wait_for(hub, lambda s: s.loaded and s.frozen_at is None)
            client.free.clear()  # the next poll hangs
            snap = wait_for(hub, lambda s: s.silent, timeout=60)
            assert snap.backend.kind is BackendKind.LIVE  # nothing failed: it went quiet
            assert snap.polled_at is not None
            assert snap.frozen_at == snap.polled_at + timedelta(seconds=7)  # 1 + 2 * 0.5 + 5
            assert say(status_line(snap), UTC).startswith("Not updating since ")
            client.free.set()
            wait_for(hub, lambda s: s.frozen_at is None and not s.silent, timeout=30)
        finally:
            client.free.set()
            hub.stop()


def test_streams_reconnect_as_soon_as_the_backend_is_back(tmp_path: Path) -> None:
    """A backend restart: the header says Live again, and the streams follow at once instead
    of sitting out their backoff (two minutes here)."""
    config = quiet_config(contract=Contract.PLAN, db_path=tmp_path / "api.sqlite3")
    first = LocalApiServer(config).start()
    port = urlsplit(first.url).port
    assert port is not None
    cs = Api(first).create_set(
        name="Long", queue=True, behaviour={"campaigns": 600, "seconds_per_campaign": 0.1}
    )
    settings = load_settings(environ={}).model_copy(update={"poll_seconds": 0.5})
    hub = Hub(DotoroClient(first.url, timeout=2), settings, backoff=SLOW_BACKOFF).start()
    second: LocalApiServer | None = None
    try:

        def stream_is(kind: StreamKind) -> bool:
            job = watching(hub, cs["jobId"])
            return job is not None and job.stream.kind is kind

        wait_for(hub, lambda s: stream_is(StreamKind.LIVE) and events_seen(hub, cs["jobId"]) >= 2)
        first.stop()
        wait_for(hub, lambda s: s.backend.kind is BackendKind.UNREACHABLE)
        wait_for(hub, lambda s: stream_is(StreamKind.RECONNECTING))
        second = LocalApiServer(
            quiet_config(contract=Contract.PLAN, db_path=config.db_path), port=port
        )
        second.start()
        wait_for(hub, lambda s: s.backend.kind is BackendKind.LIVE, timeout=30)
        wait_for(hub, lambda s: stream_is(StreamKind.LIVE), timeout=30)  # far below 120 s
    finally:
        hub.stop()
        if second is not None:
            second.stop()


def test_120_jobs_at_once_never_earn_a_429() -> None:
    """Stream opens beyond the budget wait their turn; the service's limit is never hit."""
    config = quiet_config(contract=Contract.PLAN, workers=0, rate_limit_per_minute=100)
    with running(config) as api:
        for n in range(120):
            api.create_set(
                name=f"burst {n}",
                queue=True,
                behaviour={"campaigns": 300, "seconds_per_campaign": 1.0},
            )
        api.set_workers(120)
        per_minute, poll_seconds = 90, 2.0  # the defaults
        budget = RequestBudget(per_minute, reserve_for(per_minute, poll_seconds))
        client = DotoroClient(api.url, timeout=seconds(5), budget=budget)
        settings = load_settings(environ={}).model_copy(update={"poll_seconds": poll_seconds})
        hub = Hub(client, settings).start()
        kinds: set[BackendKind] = set()
        try:

            def streams_settled(snap: Snapshot) -> bool:
                kinds.add(snap.backend.kind)
                return (
                    len(snap.active) == 120
                    and snap.streams_live + snap.streams_waiting == 120
                    and snap.streams_live >= 30
                )

            snap = wait_for(hub, streams_settled, timeout=60)
            assert snap.streams_waiting > 0  # the rest follow as the budget allows
            # More polls, while every waiting stream keeps asking for its turn.
            polled = snap.polled_at
            for _ in range(4):

                def polled_again(s: Snapshot, since: datetime | None = polled) -> bool:
                    return s.polled_at != since

                snap = wait_for(hub, polled_again)
                kinds.add(snap.backend.kind)
                polled = snap.polled_at
        finally:
            hub.stop()
        assert client.rate_limited == 0
        assert BackendKind.RATE_LIMITED not in kinds
        assert BackendKind.UNREACHABLE not in kinds


def test_a_fenced_client_sends_the_service_nothing(plan: Api) -> None:
    # A replica that lost the collector's lease (issue 22): not one request more, whatever asks.
    fenced: list[str | None] = [None]
    client = DotoroClient(plan.url, fence=lambda: fenced[0])
    client.status()
    before = plan.get("/_local/stats").json()
    fenced[0] = "this replica no longer collects"

    for call in (client.status, lambda: client.retry("set-1"), lambda: client.cancel("job-1")):
        with pytest.raises(ApiError, match="this replica no longer collects") as refused:
            call()
        assert refused.value.code == "FENCED"

    assert plan.get("/_local/stats").json() == before
