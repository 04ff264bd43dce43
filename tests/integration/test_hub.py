"""The live engine against the local API over real HTTP: hub, consumers, poller, actions."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from dotoro_local import Contract
from sync_monitor.access import without_sign_in
from sync_monitor.dotoro.client import PROBE_ID, DotoroClient
from sync_monitor.dotoro.models import JobState
from sync_monitor.dotoro.sse import HttpConnector
from sync_monitor.live.hub import Hub
from sync_monitor.live.jobstate import StreamEnd
from sync_monitor.live.snapshot import BackendKind, Snapshot
from sync_monitor.live.streams import StreamConsumer
from sync_monitor.settings import load_settings
from tests.support.http10_proxy import Http10Proxy
from tests.support.hub import (
    OPS,
    events_seen,
    final_live,
    hub_for,
    server_job,
    stream_opens,
    wait_for,
    watch_job,
    watching,
)
from tests.support.local_api import Api, quiet_config, running
from tests.support.waiting import seconds, wait_until


def test_stream_dropped_mid_job_reconnects_and_final_counts_match(contract: Contract) -> None:
    # The consumer attaches before the job starts (watch_job): the drop then surely falls
    # inside the job (a job that ran before the attach gave no drop at all).
    config = quiet_config(contract=contract)
    config.faults.drop_after_events = 2 if contract is Contract.HEAD else 4
    with running(config) as api, hub_for(api.url) as hub:
        set_id, job_id = watch_job(
            api, hub, {"campaigns": 30, "seconds_per_campaign": 0.03, "fail_campaigns": [3, 7]}
        )
        live = final_live(hub, job_id)
        assert live.outcome is JobState.COMPLETED
        state, synced, failed, total = server_job(api, job_id)
        assert state == "completed"
        progress = live.progress
        assert progress is not None
        assert (progress.synced, progress.failed, progress.total) == (synced, failed, total)
        assert (synced, failed, total) == (28, 2, 30)
        assert stream_opens(api, set_id) > 1  # it really had to reconnect
        # Event ids (Last-Event-ID resume) are detected from the stream, never assumed (§3.6).
        assert hub.snapshot().event_ids is (contract is Contract.PLAN)


def test_silent_close_at_stream_timeout_reconnects(contract: Contract) -> None:
    config = quiet_config(contract=contract, stream_timeout_seconds=0.4, heartbeat_seconds=0.1)
    with running(config) as api, hub_for(api.url, heartbeat_seconds=0.1) as hub:
        set_id, job_id = watch_job(api, hub, {"campaigns": 40, "seconds_per_campaign": 0.1})
        live = final_live(hub, job_id)
        assert live.outcome is JobState.COMPLETED
        # ~4 s of job over 0.4 s streams, each followed by a ~1 s reconnect delay
        assert stream_opens(api, set_id) >= 3


def consume(connector: HttpConnector, job_id: str) -> tuple[StreamEnd, str | None]:
    ended: list[tuple[StreamEnd, str | None]] = []

    class Sink:
        def on_event(self, *_: object) -> None: ...
        def on_stream_state(self, *_: object) -> None: ...
        def on_end(self, _job: str, outcome: StreamEnd, reason: str | None) -> None:
            ended.append((outcome, reason))

        def should_watch(self, _job: str) -> bool:
            return True

        def job_state(self, _job: str) -> None:
            return None

    consumer = StreamConsumer(job_id, connector, Sink(), on_close=connector.close).start()
    consumer.thread.join(seconds(10))
    assert not consumer.alive
    return ended[0]


def test_unknown_job_stops_the_consumer_with_a_reason(api: Api) -> None:
    cs = api.create_set(name="x")
    unknown = "00000000-0000-4000-8000-000000000001"
    connector = HttpConnector(DotoroClient(api.url), cs["setId"], unknown, 5)
    assert consume(connector, unknown) == (StreamEnd.DENIED, "Job not found")


def test_job_of_another_set_is_denied(api: Api) -> None:
    api.set_workers(0)
    mine, other = api.create_set(name="x"), api.create_set(name="y", queue=True)
    connector = HttpConnector(DotoroClient(api.url), mine["setId"], other["jobId"], 5)
    assert consume(connector, other["jobId"]) == (StreamEnd.DENIED, "Access denied to this job")


def test_bad_session_is_denied() -> None:
    team = "11111111-1111-4111-8111-111111111111"
    config = quiet_config(session_token="good", team_id=team, workers=0)
    with running(config) as api:
        cs = api.create_set(name="x", queue=True)
        client = DotoroClient(api.url, session_token="bad", team_id=team)
        outcome, reason = consume(HttpConnector(client, cs["setId"], cs["jobId"], 5), cs["jobId"])
        assert outcome is StreamEnd.DENIED
        assert reason == "Authentication required"


def test_rate_limit_backs_off_without_calling_again(api: Api) -> None:
    api.set_faults(error_rate=1.0, error_status=429)
    hub = Hub(DotoroClient(api.url), load_settings(environ={}))  # not started: polled by hand
    try:
        wait = hub.poller.poll_once()
        snap = hub.snapshot()
        assert snap.backend.kind is BackendKind.RATE_LIMITED
        assert wait >= 59
        assert snap.backend.until is not None
        calls = sum(api.get("/_local/stats").json().values())
        hub.poller.poll_once()
        after = sum(api.get("/_local/stats").json().values())
        assert after == calls  # the gate held the poll back: nothing reached the service
    finally:
        hub.stop()


def test_unreachable_backend_is_reported_with_since_and_attempts() -> None:
    with running(quiet_config()) as api:
        url = api.url
    hub = Hub(DotoroClient(url, timeout=1), load_settings(environ={}))
    try:
        hub.poller.poll_once()
        first = hub.snapshot().backend
        hub.poller.poll_once()
        second = hub.snapshot().backend
        assert first.kind is second.kind is BackendKind.UNREACHABLE
        assert first.since == second.since is not None
        assert second.attempt == 2
        assert "could not be reached" in (second.message or "")
    finally:
        hub.stop()


def test_malformed_and_unknown_events_are_skipped_and_counted(contract: Contract) -> None:
    with running(quiet_config(contract=contract)) as api, hub_for(api.url) as hub:
        api.set_faults(malformed_events=True)
        _, job_id = watch_job(api, hub, {"campaigns": 5, "seconds_per_campaign": 0.05})
        assert final_live(hub, job_id).outcome is JobState.COMPLETED
        snap = hub.snapshot()
        assert snap.malformed_events >= 1
        assert snap.unknown_events >= 1


def test_two_viewers_share_one_poller_and_one_stream_per_job(plan: Api) -> None:
    sets = [
        plan.create_set(
            name=f"s{i}", queue=True, behaviour={"campaigns": 40, "seconds_per_campaign": 0.05}
        )
        for i in range(3)
    ]
    plan.set_workers(3)
    with hub_for(plan.url) as hub:
        stop = threading.Event()
        reads = [0, 0]

        def viewer(n: int) -> None:
            while not stop.is_set():
                hub.snapshot()
                reads[n] += 1
                stop.wait(0.01)

        viewers = [threading.Thread(target=viewer, args=(n,)) for n in range(2)]
        for v in viewers:
            v.start()
        wait_for(hub, lambda s: hub.consumers.alive() == 3, timeout=10)
        wait_for(hub, lambda s: min(reads) > 50)
        stop.set()
        for v in viewers:
            v.join()
        pollers = [t for t in threading.enumerate() if t.name == "sync-status-poller"]
        assert len(pollers) == 1
        for cs in sets:
            assert stream_opens(plan, cs["setId"]) == 1


def test_reading_snapshots_never_calls_the_service(plan: Api) -> None:
    plan.create_set(name="s", queue=True, behaviour={"campaigns": 40})
    hub = Hub(DotoroClient(plan.url), load_settings(environ={}))  # not started: polled by hand
    try:
        hub.poller.poll_once()
        before = plan.get("/_local/stats").json()

        def viewer() -> None:
            for _ in range(200):
                hub.snapshot()

        viewers = [threading.Thread(target=viewer) for _ in range(5)]
        for v in viewers:
            v.start()
        for v in viewers:
            v.join()
        assert plan.get("/_local/stats").json() == before
    finally:
        hub.stop()


def test_thread_count_is_back_to_baseline_after_200_jobs() -> None:
    config = quiet_config(contract=Contract.PLAN, workers=0)
    with running(config) as api, hub_for(api.url) as hub:
        wait_for(hub, lambda s: s.loaded)
        baseline = threading.active_count()
        for i in range(200):
            api.create_set(
                name=f"bulk {i}",
                queue=True,
                behaviour={"campaigns": 3, "seconds_per_campaign": 0.3},
            )
        api.set_workers(25)

        def all_done(_: Snapshot) -> bool:
            counts = api.server.call(
                lambda e: len(e.store.jobs_in_states(["created", "retry", "active"]))
            )
            return counts == 0 and hub.consumers.alive() == 0

        wait_for(hub, all_done, timeout=60)
        deadline = time.monotonic() + seconds(10)
        while threading.active_count() > baseline and time.monotonic() < deadline:
            hub.wait_for_change(hub.snapshot().version, 0.1)
        assert threading.active_count() == baseline
        opened = [k for k in api.get("/_local/stats").json() if k.endswith("/sync-stream")]
        assert len(opened) >= 150  # most of the 200 jobs really had a consumer thread


def test_retry_is_optimistic_idempotent_and_watches_the_new_job(api: Api) -> None:
    api.set_workers(0)
    cs = api.create_set(name="Retry me", failed_error="Session has expired")
    with hub_for(api.url) as hub:
        wait_for(hub, lambda s: any(f.set_id == cs["setId"] for f in s.failed))
        first = hub.actions.retry(cs["setId"], OPS)
        second = hub.actions.retry(cs["setId"], OPS)
        result = first.result(seconds(10))
        assert second.result(seconds(10)) == result
        assert result.ok
        snap = hub.snapshot()  # answered: queued, highlighted, and no longer failed
        assert all(f.set_id != cs["setId"] for f in snap.failed)
        assert [p.just_queued for p in snap.pending if p.set_id == cs["setId"]] == [True]
        assert api.get("/_local/stats").json()[f"POST /api/v1/sync/{cs['setId']}/retry"] == 1
        wait_for(
            hub,
            lambda s: (
                (result.job_id or "") in hub.consumers.consuming()
                or watching(hub, result.job_id or "") is not None
            ),
        )
        snap = wait_for(
            hub, lambda s: any(p.set_id == cs["setId"] and not p.optimistic for p in s.pending)
        )
        assert all(f.set_id != cs["setId"] for f in snap.failed)


def test_on_a_slow_backend_a_retry_shows_retrying_where_it_was_clicked(api: Api) -> None:
    cs = api.create_set(name="Slow answer", failed_error="Service Unavailable")
    with hub_for(api.url) as hub:
        wait_for(hub, lambda s: any(f.set_id == cs["setId"] for f in s.failed))
        api.set_faults(delay_seconds=3.0)
        clicked = hub.actions.retry(cs["setId"], OPS)
        snap = hub.snapshot()
        assert [f.retrying for f in snap.failed if f.set_id == cs["setId"]] == [True]
        assert all(p.set_id != cs["setId"] for p in snap.pending)  # counts still add up
        assert clicked.result(seconds(20)).ok
        snap = hub.snapshot()
        assert all(f.set_id != cs["setId"] for f in snap.failed)
        assert [p.just_queued for p in snap.pending if p.set_id == cs["setId"]] == [True]


def test_failed_retry_rolls_back(api: Api) -> None:
    cs = api.create_set(name="No account", failed_error="boom", ad_account=False)
    with hub_for(api.url) as hub:
        wait_for(hub, lambda s: any(f.set_id == cs["setId"] for f in s.failed))
        result = hub.actions.retry(cs["setId"], OPS).result(seconds(10))
        assert not result.ok
        assert "no ad account" in result.message
        snap = hub.snapshot()
        assert [f.refused for f in snap.failed if f.set_id == cs["setId"]] == [result.message]
        assert all(p.set_id != cs["setId"] for p in snap.pending)


def test_cancel_hides_the_job_and_the_service_cancels_it(plan: Api) -> None:
    cs = plan.create_set(
        name="Long", queue=True, behaviour={"campaigns": 500, "seconds_per_campaign": 0.05}
    )
    with hub_for(plan.url) as hub:
        wait_for(
            hub,
            lambda s: s.features.cancel is True and any(a.job_id == cs["jobId"] for a in s.active),
        )
        result = hub.actions.cancel(cs["jobId"], OPS).result(seconds(10))
        assert result.ok
        assert all(a.job_id != cs["jobId"] for a in hub.snapshot().active)
        assert server_job(plan, cs["jobId"])[0] == "cancelled"
        wait_for(hub, lambda s: cs["jobId"] not in hub.consumers.consuming())


def test_cancel_is_refused_where_the_backend_has_none(head: Api) -> None:
    with hub_for(head.url) as hub:
        wait_for(hub, lambda s: s.loaded)
        result = hub.actions.cancel("00000000-0000-4000-8000-000000000009", OPS).result(seconds(1))
        assert not result.ok
        assert "cannot cancel" in result.message
        assert hub.snapshot().features.cancel is False


def test_error_then_pgboss_retry_is_followed_to_completion(contract: Contract) -> None:
    with running(quiet_config(contract=contract)) as api, hub_for(api.url) as hub:
        _, job_id = watch_job(
            api,
            hub,
            {
                "campaigns": 6,
                "seconds_per_campaign": 0.05,
                "fail_attempts": 1,
                "fail_after": 2,
                "fail_message": "Reddit Ads API error 503: Service Unavailable",
            },
        )
        live = final_live(hub, job_id)
        assert live.outcome is JobState.COMPLETED
        assert server_job(api, job_id)[0] == "completed"


def test_non_chunked_stream_delivers_events_as_they_happen(plan: Api) -> None:
    proxy = Http10Proxy(plan.url).start()
    try:
        cs = plan.create_set(
            name="Slow", queue=True, behaviour={"campaigns": 60, "seconds_per_campaign": 0.1}
        )
        with hub_for(proxy.url) as hub:
            wait_for(hub, lambda s: events_seen(hub, cs["jobId"]) >= 3)
            assert server_job(plan, cs["jobId"])[0] == "active"  # long before the stream ends
    finally:
        proxy.stop()


@pytest.mark.parametrize(("contract", "expected"), [(Contract.HEAD, False), (Contract.PLAN, True)])
def test_extensions_are_detected(contract: Contract, expected: bool) -> None:
    with running(quiet_config(contract=contract)) as api, hub_for(api.url) as hub:
        snap = wait_for(hub, lambda s: s.loaded)
        assert snap.features.cancel is expected
        assert snap.features.history is expected


@pytest.mark.parametrize("read_only", [False, True], ids=["operator", "read-only"])
def test_the_probe_of_cancel_is_a_write_sent_only_once_an_operator_is_here(
    plan: Api, read_only: bool
) -> None:
    """Whether the backend can cancel is learnt by cancelling a job that does not exist: a
    POST, which waits until someone who may act opens the monitor, and which a read-only
    monitor never sends, whoever asks."""

    def writes() -> dict[str, int]:
        stats: dict[str, int] = plan.get("/_local/stats").json()
        return {k: n for k, n in stats.items() if k.split()[0] != "GET" and " /api/" in k}

    def polls_later(count: int) -> None:
        before = plan.get("/_local/stats").json()["GET /api/v1/sync/status"]
        wait_until(
            lambda: plan.get("/_local/stats").json()["GET /api/v1/sync/status"] >= before + count,
            f"{count} more polls",
        )

    with hub_for(plan.url, operator=False, read_only=read_only) as hub:
        assert wait_for(hub, lambda s: s.features.history).features.cancel is None
        polls_later(4)
        assert writes() == {}
        hub.operator_here()
        if read_only:
            polls_later(4)
            assert (writes(), hub.snapshot().features.cancel) == ({}, None)
        else:
            wait_for(hub, lambda s: s.features.cancel is True)
            polls_later(4)
            assert writes() == {f"POST /api/v1/sync/{PROBE_ID}/cancel": 1}


def test_head_progress_is_unknown_not_zero_of_zero(head: Api) -> None:
    head.create_set(
        name="Busy", queue=True, behaviour={"campaigns": 100, "seconds_per_campaign": 0.1}
    )
    with hub_for(head.url) as hub:
        snap = wait_for(hub, lambda s: len(s.active) == 1)
        [card] = snap.active
        assert card.job_id is None
        assert not card.progress.known
        assert card.eta_s is None
        assert card.stream is None
        assert not snap.live_progress


def test_stop_does_not_wait_for_a_heartbeat() -> None:
    """Stopping ends blocked stream reads at once, not at the next heartbeat (60 s here)."""
    config = quiet_config(contract=Contract.PLAN, heartbeat_seconds=60.0)
    with running(config) as api:
        cs = api.create_set(
            name="Slow", queue=True, behaviour={"campaigns": 10, "seconds_per_campaign": 30}
        )
        hub = Hub(DotoroClient(api.url), load_settings(environ={}, poll_seconds=0.5)).start()
        wait_for(
            hub,
            lambda s: (
                cs["jobId"] in hub.consumers.consuming() and events_seen(hub, cs["jobId"]) >= 2
            ),
        )  # connected, progress: now it waits in a read (the next frame is 30 s away)
        stopping = threading.Thread(target=hub.stop)
        stopping.start()
        stopping.join(20)  # far below the 60 s heartbeat a blocked read would wait for
        assert not stopping.is_alive()
        assert hub.consumers.alive() == 0


def test_a_replayed_retry_click_sends_nothing_until_the_poll_confirms(api: Api) -> None:
    """Streamlit may replay a click's callback when a rerun restarts; the first answer stands."""
    api.set_workers(0)
    cs = api.create_set(name="Once only", failed_error="Service Unavailable")
    hub = Hub(DotoroClient(api.url), load_settings(environ={}))  # polled by hand
    try:
        hub.poller.poll_once()
        first = hub.actions.retry(cs["setId"], OPS)
        assert first.result(seconds(10)).ok
        again = hub.actions.retry(
            cs["setId"], OPS
        )  # the answer came, the poll has not confirmed it yet
        assert again is first
        assert api.get("/_local/stats").json()[f"POST /api/v1/sync/{cs['setId']}/retry"] == 1
        hub.poller.poll_once()  # confirmed: the set is queued, no longer failed
        assert any(p.set_id == cs["setId"] and not p.optimistic for p in hub.snapshot().pending)
    finally:
        hub.stop()


def test_a_viewer_can_neither_retry_nor_cancel_whatever_calls_the_action(
    plan: Api, caplog: pytest.LogCaptureFixture
) -> None:
    viewer = without_sign_in(read_only=False, address="0.0.0.0")  # shared without sign-in
    failed = plan.create_set(name="Retry me", failed_error="Session has expired")
    running = plan.create_set(
        name="Long one", queue=True, behaviour={"campaigns": 500, "seconds_per_campaign": 0.2}
    )
    with hub_for(plan.url) as hub:
        wait_for(
            hub,
            lambda s: (
                s.features.cancel is True
                and any(f.set_id == failed["setId"] for f in s.failed)
                and any(a.job_id == running["jobId"] for a in s.active)
            ),
        )
        with caplog.at_level(logging.WARNING, logger="sync_monitor.live.actions"):
            retried = hub.actions.retry(failed["setId"], viewer).result(seconds(10))
            cancelled = hub.actions.cancel(running["jobId"], viewer).result(seconds(10))
        assert not retried.ok
        assert not cancelled.ok
        assert retried.message.startswith("Only operators may retry syncs.")
        assert "server.address 0.0.0.0" in retried.message
        # Nothing reached the service, and the page shows nothing pending.
        stats = plan.get("/_local/stats").json()
        assert not [k for k in stats if k.endswith("/retry")]
        assert not [k for k in stats if k.endswith("/cancel") and running["jobId"] in k]
        snap = hub.snapshot()
        assert [f.retrying for f in snap.failed if f.set_id == failed["setId"]] == [False]
        assert [a.cancelling for a in snap.active if a.job_id == running["jobId"]] == [False]
        # Each refusal is logged with who tried.
        refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert refusals == [
            f"refused retry of {failed['setId']}: anyone is a viewer",
            f"refused cancel of {running['jobId']}: anyone is a viewer",
        ]
