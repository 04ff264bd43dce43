"""The snapshot builder: what the tracker knows in, the frozen view the pages read out
(dotoro-api.md §3.4)."""

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from sync_monitor.dotoro.models import JobState, Platform, Progress, SyncJob
from sync_monitor.live.jobstate import StreamKind, StreamStatus, WatchedJob
from sync_monitor.live.records import WORKERS_WINDOW, JobRecord, Known, RetryMark, SetRecord
from sync_monitor.live.snapshot import (
    ActiveView,
    Backend,
    BackendKind,
    FailedView,
    Finished,
    PendingView,
)
from sync_monitor.live.tracker import Tracker
from tests.support.rows import (
    AT,
    MONO,
    NOW,
    ago,
    built,
    job_id,
    known,
    row,
    set_id,
    status,
    streaming,
)

# -- loading ----------------------------------------------------------------------------------


def test_not_loaded_until_a_status_exists() -> None:
    empty = built(known(None))
    assert not empty.loaded
    assert (empty.active, empty.pending, empty.failed) == ((), (), ())

    assert built(known(status())).loaded


# -- pending ----------------------------------------------------------------------------------

PENDING = tuple(row(n, state=JobState.CREATED, created=ago(600 - n * 60)) for n in range(1, 6))


@pytest.mark.parametrize(
    "order",
    [PENDING, PENDING[::-1], (PENDING[2], PENDING[0], PENDING[4], PENDING[1], PENDING[3])],
    ids=["sorted", "reversed", "shuffled"],
)
def test_pending_is_in_created_order_with_positions_whatever_the_input_order(
    order: tuple[SyncJob, ...],
) -> None:
    snapshot = built(known(status(pending=order)))

    assert [p.name for p in snapshot.pending] == [f"set {n}" for n in range(1, 6)]
    assert [p.position for p in snapshot.pending] == [1, 2, 3, 4, 5]


def test_pending_waiting_time_counts_from_created_at() -> None:
    snapshot = built(known(status(pending=(row(1, state=JobState.CREATED, created=ago(90)),))))

    assert snapshot.pending[0].waiting_s == 90.0


def test_pending_waits_are_unknown_without_duration_samples() -> None:
    pending = (row(2, state=JobState.CREATED, created=ago(20)), row(3, created=ago(10)))
    snapshot = built(known(status(active=(row(1),), pending=pending)))

    assert [(p.wait_low_s, p.wait_high_s) for p in snapshot.pending] == [(None, None)] * 2


def test_pending_waits_stay_unknown_with_two_duration_samples() -> None:
    pending = (row(2, state=JobState.CREATED, created=ago(20)),)
    durations = ((Platform.REDDIT, 60.0), (Platform.REDDIT, 60.0))
    snapshot = built(known(status(active=(row(1),), pending=pending), durations=durations))

    assert snapshot.pending[0].wait_low_s is None


def test_pending_waits_are_numbers_once_three_durations_are_known() -> None:
    pending = (row(2, state=JobState.CREATED, created=ago(20)), row(3, created=ago(10)))
    durations = ((Platform.REDDIT, 60.0),) * 3
    snapshot = built(known(status(active=(row(1),), pending=pending), durations=durations))

    # One worker busy for an unknown time (taken as p50 = 60 s), then 60 s per job.
    assert [(p.wait_low_s, p.wait_high_s) for p in snapshot.pending] == [
        (60.0, 60.0),
        (120.0, 120.0),
    ]


def test_head_queue_counts_from_first_sight_in_that_order_with_no_estimate() -> None:
    """On head, createdAt is the set's creation (§3.4): months ago, and in no queue order."""
    pending = (
        row(2, head=True, state=JobState.CREATED, created=ago(3_456_000)),  # 40 days
        row(3, head=True, state=JobState.CREATED, created=ago(9_000_000)),
    )
    seen = {set_id(3): ago(240), set_id(2): ago(60)}  # the monitor saw 3 queued first
    durations = ((Platform.REDDIT, 60.0),) * 3
    jobs = {key: JobRecord(waiting_since=at) for key, at in seen.items()}
    snapshot = built(
        known(status(active=(row(1),), pending=pending), durations=durations, jobs=jobs)
    )

    assert [p.set_id for p in snapshot.pending] == [set_id(3), set_id(2)]
    assert [p.waiting_s for p in snapshot.pending] == [240.0, 60.0]
    assert all(p.waiting_at_least for p in snapshot.pending)
    assert [(p.wait_low_s, p.wait_high_s) for p in snapshot.pending] == [(None, None)] * 2


def test_plan_queue_rows_count_from_their_own_queue_time() -> None:
    snapshot = built(known(status(pending=(row(2, state=JobState.CREATED, created=ago(90)),))))

    assert not snapshot.pending[0].waiting_at_least


def test_a_run_without_a_start_time_is_at_least_since_first_sight() -> None:
    summary = status(active=(row(1, head=True), row(2, started_at=ago(30))))
    snapshot = built(known(summary, jobs={set_id(1): JobRecord(running_since=ago(8))}))

    by_key = {a.set_id: a for a in snapshot.active}
    assert by_key[set_id(1)].elapsed_s == 8.0
    assert by_key[set_id(1)].elapsed_at_least
    assert by_key[set_id(2)].elapsed_s == 30.0
    assert not by_key[set_id(2)].elapsed_at_least


def test_head_style_rows_have_no_job_id() -> None:
    summary = status(
        active=(row(1, head=True),),
        pending=(row(2, head=True, state=JobState.CREATED),),
        failed=(row(3, head=True, state=JobState.FAILED),),
    )
    snapshot = built(known(summary))

    assert snapshot.active[0].job_id is None
    assert snapshot.active[0].key == set_id(1)
    assert snapshot.active[0].stream is None
    assert snapshot.pending[0].job_id is None
    assert snapshot.pending[0].key == set_id(2)
    assert snapshot.failed[0].job_id is None


def test_plan_style_rows_carry_their_job_id() -> None:
    summary = status(active=(row(1),), pending=(row(2, state=JobState.CREATED),), failed=(row(3),))
    snapshot = built(known(summary))

    views: list[ActiveView | PendingView | FailedView] = [
        *snapshot.active,
        *snapshot.pending,
        *snapshot.failed,
    ]
    assert [v.job_id for v in views] == [
        job_id(1),
        job_id(2),
        job_id(3),
    ]


# -- active -----------------------------------------------------------------------------------


def test_head_style_active_row_finds_its_live_record_through_our_retry() -> None:
    live = streaming(
        job_id(9), (30.0, Progress(synced=2, total=10)), (0.0, Progress(synced=5, total=10))
    )
    state = known(
        status(active=(row(1, head=True),)),
        sets={set_id(1): SetRecord(retried_job=job_id(9))},
        jobs={job_id(9): JobRecord(watched=live)},
    )

    view = built(state).active[0]

    assert view.key == set_id(1)
    assert view.job_id == job_id(9)
    assert view.progress == Progress(synced=5, total=10)
    assert view.stream == StreamStatus(StreamKind.LIVE)
    assert view.rate_per_min == pytest.approx(6.0)
    assert view.eta_s == pytest.approx(50.0)


def test_zero_total_progress_stays_unknown_with_no_eta() -> None:
    live = streaming(job_id(1), (30.0, Progress()), (0.0, Progress()))
    state = known(status(active=(row(1),)), jobs={job_id(1): JobRecord(watched=live)})

    view = built(state).active[0]

    assert not view.progress.known
    assert view.progress.fraction is None
    assert view.eta_s is None
    assert view.rate_per_min is None


def test_live_stream_progress_wins_over_the_polls_zeros() -> None:
    live = streaming(
        job_id(1), (60.0, Progress(synced=1, total=10)), (0.0, Progress(synced=4, total=10))
    )
    state = known(
        status(active=(row(1, progress=Progress()),)), jobs={job_id(1): JobRecord(watched=live)}
    )

    view = built(state).active[0]

    assert view.progress == Progress(synced=4, total=10)
    assert view.eta_s == pytest.approx(120.0)


def test_known_poll_progress_is_kept_over_a_stream_that_knows_nothing() -> None:
    live = streaming(job_id(1), (0.0, Progress()))
    polled = Progress(synced=3, total=8)
    state = known(
        status(active=(row(1, progress=polled),)), jobs={job_id(1): JobRecord(watched=live)}
    )

    assert built(state).active[0].progress == polled


def test_job_whose_stream_reported_an_outcome_is_dropped_from_active() -> None:
    done = replace(
        streaming(job_id(1), (0.0, Progress(synced=5, total=5))), outcome=JobState.COMPLETED
    )
    also_done = replace(streaming(job_id(9)), outcome=JobState.FAILED)
    state = known(
        status(active=(row(1), row(2, head=True), row(3))),
        jobs={job_id(1): JobRecord(watched=done), job_id(9): JobRecord(watched=also_done)},
        sets={set_id(2): SetRecord(retried_job=job_id(9))},
    )

    assert [a.key for a in built(state).active] == [job_id(3)]


def test_active_rows_are_ordered_by_start_time() -> None:
    summary = status(active=(row(1), row(2), row(3)))
    seen = {job_id(1): ago(10), job_id(2): ago(300), job_id(3): ago(60)}
    jobs = {key: JobRecord(running_since=at) for key, at in seen.items()}
    snapshot = built(known(summary, jobs=jobs))

    assert [a.key for a in snapshot.active] == [job_id(2), job_id(3), job_id(1)]
    assert [a.elapsed_s for a in snapshot.active] == [300.0, 60.0, 10.0]


def test_active_row_is_stalled_when_its_live_progress_stopped() -> None:
    stuck = streaming(job_id(1), (120.0, Progress(synced=2, total=10)))
    moving = streaming(job_id(2), (10.0, Progress(synced=2, total=10)))
    state = known(
        status(active=(row(1), row(2))),
        jobs={job_id(1): JobRecord(watched=stuck), job_id(2): JobRecord(watched=moving)},
    )

    stalled = {a.key: a.stalled for a in built(state).active}

    assert stalled == {job_id(1): True, job_id(2): False}


def test_active_row_being_cancelled_is_flagged() -> None:
    state = known(status(active=(row(1), row(2))), jobs={job_id(2): JobRecord(cancelling=True)})

    flags = {a.key: a.cancelling for a in built(state).active}

    assert flags == {job_id(1): False, job_id(2): True}


# -- cancel and retry -------------------------------------------------------------------------


def test_cancelled_job_is_hidden_from_active_and_pending() -> None:
    summary = status(
        active=(row(1), row(2)),
        pending=(row(3, state=JobState.CREATED), row(4, state=JobState.CREATED)),
    )
    cancelled = JobRecord(cancelled_at=NOW)
    snapshot = built(known(summary, jobs={job_id(1): cancelled, job_id(3): cancelled}))

    assert [a.key for a in snapshot.active] == [job_id(2)]
    assert [p.key for p in snapshot.pending] == [job_id(4)]
    assert [p.position for p in snapshot.pending] == [1]


def test_cancelled_head_style_job_known_from_our_retry_is_hidden() -> None:
    summary = status(
        active=(row(1, head=True),), pending=(row(2, head=True, state=JobState.CREATED),)
    )
    state = known(
        summary,
        sets={
            set_id(1): SetRecord(retried_job=job_id(7)),
            set_id(2): SetRecord(retried_job=job_id(8)),
        },
        jobs={job_id(7): JobRecord(cancelled_at=NOW), job_id(8): JobRecord(cancelled_at=NOW)},
    )

    snapshot = built(state)

    assert snapshot.active == ()
    assert snapshot.pending == ()


def test_a_retry_in_flight_stays_where_the_user_clicked_marked_retrying() -> None:
    failed = (row(1, head=True, state=JobState.FAILED, platform=Platform.META),)
    mark = RetryMark(set_id(1), "set 1", Platform.META, sent_at=NOW)
    snapshot = built(known(status(failed=failed), sets={set_id(1): SetRecord(retry=mark)}))

    assert [(f.set_id, f.retrying) for f in snapshot.failed] == [(set_id(1), True)]
    assert snapshot.pending == ()  # counts add up: one failed, none queued


def test_a_queued_retry_moves_the_set_to_the_end_of_the_queue_highlighted() -> None:
    pending = (
        row(2, state=JobState.CREATED, created=ago(30)),
        row(3, state=JobState.CREATED, created=ago(20)),
    )
    failed = (row(1, head=True, state=JobState.FAILED, platform=Platform.META),)
    mark = RetryMark(set_id(1), "set 1", Platform.META, sent_at=NOW, job_id=job_id(1))
    state = known(
        status(pending=pending, failed=failed),
        sets={set_id(1): SetRecord(retry=mark, requeued_at=NOW)},
    )
    snapshot = built(state)

    assert snapshot.failed == ()
    last = snapshot.pending[-1]
    assert [p.optimistic for p in snapshot.pending] == [False, False, True]
    assert [p.just_queued for p in snapshot.pending] == [False, False, True]
    assert (last.key, last.set_id, last.name, last.position) == (set_id(1), set_id(1), "set 1", 3)
    assert last.platform is Platform.META
    assert last.job_id == job_id(1)


def test_a_refused_retry_shows_its_reason_on_the_failure() -> None:
    failed = (row(1, head=True, state=JobState.FAILED),)
    why = "The retry was refused: access denied."
    snapshot = built(
        known(status(failed=failed), sets={set_id(1): SetRecord(refused=why, refused_at=NOW)})
    )

    assert [(f.retrying, f.refused) for f in snapshot.failed] == [(False, why)]


def test_optimistic_row_carries_the_job_id_once_the_retry_answered() -> None:
    failed = (row(1, head=True, state=JobState.FAILED),)
    mark = RetryMark(set_id(1), "set 1", Platform.REDDIT, sent_at=NOW, job_id=job_id(5))
    snapshot = built(known(status(failed=failed), sets={set_id(1): SetRecord(retry=mark)}))

    assert snapshot.pending[0].job_id == job_id(5)
    assert snapshot.pending[0].optimistic


def test_retry_mark_for_a_set_the_service_already_lists_adds_no_second_row() -> None:
    pending = (row(1, head=True, state=JobState.CREATED),)
    mark = RetryMark(set_id(1), "set 1", Platform.REDDIT, sent_at=NOW)
    snapshot = built(known(status(pending=pending), sets={set_id(1): SetRecord(retry=mark)}))

    assert [(p.key, p.optimistic) for p in snapshot.pending] == [(set_id(1), False)]


# -- failed -----------------------------------------------------------------------------------


def test_failed_are_sorted_newest_first_with_undated_last() -> None:
    failed = (
        row(1, state=JobState.FAILED, completed_at=ago(3600)),
        row(2, state=JobState.FAILED),
        row(3, state=JobState.FAILED, completed_at=ago(60)),
        row(4, state=JobState.FAILED, completed_at=ago(600)),
    )
    for order in itertools.permutations(failed):
        snapshot = built(known(status(failed=order)))

        assert [f.key for f in snapshot.failed] == [job_id(3), job_id(4), job_id(1), job_id(2)]


# -- totals -----------------------------------------------------------------------------------


def test_malformed_and_unknown_frames_are_summed_over_jobs() -> None:
    live = {
        job_id(1): replace(WatchedJob(job_id(1)), malformed=2, unknown=1),
        job_id(2): replace(WatchedJob(job_id(2)), malformed=3, unknown=4),
    }
    snapshot = built(known(status(), jobs={j: JobRecord(watched=w) for j, w in live.items()}))

    assert (snapshot.malformed_events, snapshot.unknown_events) == (5, 5)


def test_live_progress_is_reported_only_when_some_source_knows_a_total() -> None:
    silent = JobRecord(watched=streaming(job_id(1), (0.0, Progress())))
    unknown = known(status(active=(row(1),)), jobs={job_id(1): silent})
    assert not built(unknown).live_progress

    told = JobRecord(watched=streaming(job_id(1), (0.0, Progress(synced=1, total=4))))
    assert built(replace(unknown, jobs={job_id(1): told})).live_progress


def test_outcomes_merge_history_with_what_was_seen_without_double_counting() -> None:
    history = (Finished(NOW, Platform.META, JobState.FAILED, 12.0, "j1"),)
    seen = (
        Finished(NOW, Platform.META, JobState.FAILED, 11.0, "j1"),  # the same job, also in history
        Finished(NOW, Platform.GOOGLE, JobState.COMPLETED, 5.0, "j2"),
        Finished(NOW, Platform.REDDIT, JobState.COMPLETED, None, None),  # head: no job id known
    )
    snap = built(known(status(), history=history, finished=seen))
    assert [(f.job_id, f.platform) for f in snap.finished] == [
        ("j1", Platform.META),
        ("j2", Platform.GOOGLE),
        (None, Platform.REDDIT),
    ]


def test_stale_figures_are_as_of_the_last_poll_and_flag_no_stall() -> None:
    """The backend stopped answering a minute after the last poll: running and waiting times
    stop there, and a stream silent because of the outage does not make its sync "stalled"."""
    last_poll = ago(60)
    stuck = streaming(job_id(1), (300.0, Progress(synced=2, total=10)))
    lists = status(
        active=(row(1, started_at=ago(100)),),
        pending=(row(2, state=JobState.CREATED, created=ago(90)),),
    )
    live = known(lists, polled_at=last_poll, jobs={job_id(1): JobRecord(watched=stuck)})
    down = replace(live, backend=Backend(BackendKind.UNREACHABLE, since=last_poll, attempt=3))

    patient = replace(AT, silent_after=120)  # polls a minute apart are not yet "silent"
    fresh, stale = built(live, patient), built(down, patient)

    assert fresh.frozen_at is None
    assert fresh.as_of == NOW
    assert (fresh.active[0].elapsed_s, fresh.pending[0].waiting_s) == (100.0, 90.0)
    assert fresh.active[0].stalled
    assert stale.frozen_at == last_poll == stale.as_of
    assert (stale.active[0].elapsed_s, stale.pending[0].waiting_s) == (40.0, 30.0)
    assert not stale.active[0].stalled
    # Stale since the failed poll that made it so: times stop there, not back at the answer.
    later = replace(
        down,
        backend=Backend(BackendKind.UNREACHABLE, since=ago(59), attempt=3, stale_since=ago(57)),
    )
    assert built(later).frozen_at == ago(57)
    assert built(later).active[0].elapsed_s == 43.0
    reconnecting = replace(
        down, backend=Backend(BackendKind.UNREACHABLE, since=last_poll, attempt=1)
    )
    assert built(reconnecting, patient).frozen_at is None  # one failed poll: a reconnect


# -- workers ----------------------------------------------------------------------------------

DURATIONS = ((Platform.REDDIT, 60.0),) * 3


def _running(n: int, first: int = 1) -> tuple[SyncJob, ...]:
    return tuple(row(k, started_at=ago(30)) for k in range(first, first + n))


def _waiting(first: int, n: int = 3) -> tuple[SyncJob, ...]:
    return tuple(row(k, state=JobState.CREATED, created=ago(5)) for k in range(first, first + n))


def test_a_queue_that_waited_through_a_poll_never_starts_now() -> None:
    """Four syncs ran at once a while ago; now two run and three wait. Just queued, they may start
    at once on the two workers seen idle; still waiting at a poll 12 s later, no worker was free
    (a few seconds would not say so: a worker fetches new jobs every few seconds)."""
    tracker = Tracker(Known(durations=DURATIONS, backend=Backend(BackendKind.LIVE)))
    tracker.absorb(status(active=_running(4)), ago(60), MONO, ())
    lists = status(active=_running(2), pending=_waiting(10))
    tracker.absorb(lists, ago(12), MONO, ())

    fresh = built(tracker.known)
    assert fresh.workers == 4
    assert [p.wait_low_s for p in fresh.pending][:2] == [0.0, 0.0]  # "starts now", twice

    tracker.absorb(lists, NOW, MONO, ())
    waited = built(tracker.known)
    assert waited.workers == 2
    assert all(p.wait_low_s is not None and p.wait_low_s > 0 for p in waited.pending)


def test_the_workers_are_re_learned_after_a_while_and_after_an_outage() -> None:
    tracker = Tracker(Known(backend=Backend(BackendKind.LIVE)))
    tracker.absorb(
        status(active=_running(40)), NOW - WORKERS_WINDOW + timedelta(seconds=10), MONO, ()
    )
    tracker.absorb(status(active=_running(5)), ago(20), MONO, ())
    assert built(tracker.known).workers == 40  # within the window: 40 ran at once
    tracker.absorb(status(active=_running(5)), NOW + timedelta(seconds=30), MONO, ())
    assert built(tracker.known).workers == 5  # the 40 are older than the window: it fell

    tracker.absorb(status(active=_running(40)), NOW, MONO, ())
    tracker.set_backend(Backend(BackendKind.UNREACHABLE, since=NOW, attempt=3))
    tracker.set_backend(Backend(BackendKind.LIVE))  # back: perhaps restarted, with other workers
    tracker.absorb(status(active=_running(3)), NOW, MONO, ())
    assert built(tracker.known).workers == 3


def test_figures_no_poll_has_refreshed_for_a_while_are_stale_too() -> None:
    """The backend answered its last poll, but none has finished since (a slow backend, or a
    stuck poller): past `silent_after` the figures are as stale as in an outage."""
    lists = status(active=(row(1, started_at=ago(100)),))
    quiet = known(lists, polled_at=ago(40))
    assert built(quiet, replace(AT, silent_after=60)).frozen_at is None
    silent = built(quiet, replace(AT, silent_after=30))
    assert silent.frozen_at == ago(10)  # when it went quiet, not back at the last poll
    assert silent.silent
    assert silent.active[0].elapsed_s == 90.0
