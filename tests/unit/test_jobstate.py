"""The live reducer: how stream frames and poll readings fold into one job's `WatchedJob`."""

from dataclasses import replace

import pytest

from sync_monitor.dotoro.events import (
    CampaignFailed,
    CampaignSynced,
    Cancelled,
    Completed,
    Connected,
    Heartbeat,
    Malformed,
    ProgressUpdate,
    StreamError,
    StreamEvent,
    Unknown,
)
from sync_monitor.dotoro.models import JobState, Progress
from sync_monitor.live.estimates import rate_per_minute
from sync_monitor.live.jobstate import (
    CATCH_UP_S,
    MAX_SAMPLES,
    StreamKind,
    StreamStatus,
    WatchedJob,
    apply,
    fold_poll,
    is_stalled,
    observe_progress,
    silent_for,
)

JOB = "5b2f3c1e-0000-4000-8000-000000000001"
LIVE = StreamStatus(StreamKind.LIVE)


def progress(synced: int, total: int, failed: int = 0) -> Progress:
    return Progress(synced=synced, failed=failed, total=total)


def fold(job: WatchedJob, *timed: tuple[float, StreamEvent]) -> WatchedJob:
    for now, event in timed:
        job = apply(job, event, now)
    return job


# -- progress ---------------------------------------------------------------------------------


def test_first_progress_reading_records_counts_sample_and_time() -> None:
    job = observe_progress(WatchedJob(JOB), progress(3, 10), now=100.0)

    assert job.progress == progress(3, 10)
    assert job.samples == ((100.0, 3),)
    assert job.last_progress_at == 100.0


def test_progress_readings_accumulate_samples_of_campaigns_done() -> None:
    job = WatchedJob(JOB)
    for now, synced, failed in ((10.0, 1, 0), (20.0, 2, 1), (30.0, 5, 1)):
        job = observe_progress(job, progress(synced, 10, failed), now)

    assert job.samples == ((10.0, 1), (20.0, 3), (30.0, 6))
    assert job.last_progress_at == 30.0


def test_reading_without_movement_keeps_time_of_last_real_progress() -> None:
    job = observe_progress(WatchedJob(JOB), progress(4, 10), now=10.0)
    job = observe_progress(job, progress(4, 10), now=50.0)

    assert job.last_progress_at == 10.0
    assert job.samples == ((10.0, 4),)


def test_reading_without_movement_keeps_time_even_when_that_time_is_zero() -> None:
    # Monotonic time is injected; 0.0 is a real instant, not "no progress yet".
    job = observe_progress(WatchedJob(JOB), progress(4, 10), now=0.0)
    job = observe_progress(job, progress(4, 10), now=90.0)

    assert job.last_progress_at == 0.0
    assert job.samples == ((0.0, 4),)


def test_reading_that_learns_the_total_without_movement_updates_counts_only() -> None:
    job = observe_progress(WatchedJob(JOB), progress(0, 0), now=10.0)
    job = observe_progress(job, progress(0, 12), now=20.0)

    assert job.progress == progress(0, 12)
    assert job.last_progress_at == 10.0


def test_retry_restarting_at_zero_drops_samples_of_the_failed_attempt() -> None:
    job = WatchedJob(JOB)
    for now, synced in ((10.0, 2), (20.0, 6), (30.0, 8)):
        job = observe_progress(job, progress(synced, 10), now)

    job = observe_progress(job, progress(0, 0), now=40.0)

    assert job.samples == ((40.0, 0),)
    assert job.progress == progress(0, 0)
    assert job.last_progress_at == 40.0


def test_samples_are_bounded_to_the_newest() -> None:
    job = WatchedJob(JOB)
    for n in range(MAX_SAMPLES + 30):
        job = observe_progress(job, progress(n + 1, 10_000), float(n))

    assert len(job.samples) == MAX_SAMPLES
    assert job.samples[-1] == (float(MAX_SAMPLES + 29), MAX_SAMPLES + 30)
    assert job.samples[0] == (30.0, 31)


@pytest.mark.parametrize(
    "event",
    [
        ProgressUpdate(progress(2, 5)),
        CampaignSynced("c-1", "t3_abc", progress(2, 5)),
        CampaignFailed("c-1", "rejected", progress(1, 5, failed=1)),
    ],
    ids=["progress", "campaign_synced", "campaign_failed"],
)
def test_progress_carrying_events_fold_their_counts(event: StreamEvent) -> None:
    job = apply(WatchedJob(JOB), event, now=7.0)

    assert job.progress is not None
    assert job.progress.done == 2
    assert job.samples == ((7.0, 2),)


# -- every frame ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        Connected(JOB, JobState.ACTIVE),
        ProgressUpdate(progress(0, 0)),
        Heartbeat(),
        StreamError("boom"),
        Completed(None),
        Cancelled(),
        Unknown("campaign_paused"),
        Malformed("progress", "data is not valid JSON"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_frame_counts_and_marks_the_last_signal(event: StreamEvent) -> None:
    job = fold(WatchedJob(JOB), (1.0, Heartbeat()), (9.0, event))

    assert job.events == 2
    assert job.last_signal_at == 9.0


def test_connected_records_the_remote_state() -> None:
    job = apply(WatchedJob(JOB), Connected(JOB, JobState.RETRY), now=1.0)

    assert job.remote_state is JobState.RETRY
    assert job.outcome is None


def test_heartbeat_only_bumps_the_last_signal() -> None:
    before = observe_progress(WatchedJob(JOB, remote_state=JobState.ACTIVE), progress(3, 10), 5.0)

    after = apply(before, Heartbeat(), now=20.0)

    assert after == replace(before, events=before.events + 1, last_signal_at=20.0)
    assert after.last_progress_at == 5.0


# -- outcomes ---------------------------------------------------------------------------------


def test_completed_sets_the_outcome_and_folds_the_final_counts() -> None:
    job = fold(
        WatchedJob(JOB),
        (1.0, Connected(JOB, JobState.ACTIVE)),
        (2.0, ProgressUpdate(progress(4, 10))),
        (3.0, Completed(progress(9, 10, failed=1))),
    )

    assert job.outcome == "completed"
    assert job.remote_state is JobState.COMPLETED
    assert job.progress == progress(9, 10, failed=1)
    assert job.samples[-1] == (3.0, 10)


def test_completed_without_counts_keeps_the_last_progress() -> None:
    job = fold(WatchedJob(JOB), (2.0, ProgressUpdate(progress(4, 10))), (3.0, Completed(None)))

    assert job.outcome == "completed"
    assert job.progress == progress(4, 10)
    assert job.last_progress_at == 2.0


def test_cancelled_sets_the_outcome() -> None:
    job = fold(WatchedJob(JOB), (1.0, Connected(JOB, JobState.ACTIVE)), (2.0, Cancelled()))

    assert job.outcome == "cancelled"
    assert job.remote_state is JobState.CANCELLED


def test_attempt_error_is_kept_until_a_later_attempt_makes_progress() -> None:
    job = fold(
        WatchedJob(JOB),
        (1.0, Connected(JOB, JobState.ACTIVE)),
        (2.0, ProgressUpdate(progress(3, 10))),
        (3.0, StreamError("Reddit API timed out")),
    )
    assert job.attempt_error == "Reddit API timed out"
    assert job.outcome is None  # pg-boss may still retry (§3.2)

    job = fold(job, (4.0, Connected(JOB, JobState.RETRY)), (5.0, Heartbeat()))
    assert job.attempt_error == "Reddit API timed out"
    assert job.remote_state is JobState.RETRY

    job = apply(job, ProgressUpdate(progress(0, 0)), now=6.0)
    assert job.attempt_error is None
    assert job.remote_state is JobState.ACTIVE
    assert job.samples == ((6.0, 0),)


def test_malformed_and_unknown_frames_are_counted_and_change_nothing_else() -> None:
    before = observe_progress(WatchedJob(JOB), progress(3, 10), 1.0)

    after = fold(
        before,
        (2.0, Malformed("progress", "data is not valid JSON")),
        (3.0, Unknown("campaign_paused")),
        (4.0, Malformed("connected", "state is missing")),
    )

    assert (after.malformed, after.unknown) == (2, 1)
    assert after == replace(before, events=3, last_signal_at=4.0, malformed=2, unknown=1)


# -- stall ------------------------------------------------------------------------------------


def watched(job: WatchedJob, kind: StreamKind = StreamKind.LIVE) -> WatchedJob:
    return replace(job, stream=StreamStatus(kind))


def test_live_progress_that_stops_moving_is_stalled_despite_heartbeats() -> None:
    job = watched(apply(WatchedJob(JOB), ProgressUpdate(progress(3, 10)), now=0.0))
    job = fold(job, *((t, Heartbeat()) for t in (15.0, 30.0, 45.0, 60.0)))

    assert not is_stalled(job, now=60.0, after=60.0)
    assert is_stalled(job, now=61.0, after=60.0)


def test_live_progress_that_moves_is_not_stalled() -> None:
    job = watched(WatchedJob(JOB))
    for t in range(0, 200, 30):
        job = apply(job, ProgressUpdate(progress(t // 30 + 1, 10)), now=float(t))

    assert not is_stalled(job, now=200.0, after=60.0)


@pytest.mark.parametrize("last", [None, progress(0, 0)], ids=["no-progress", "zero-total"])
def test_without_live_progress_heartbeats_keep_a_job_from_stalling(last: Progress | None) -> None:
    job = watched(WatchedJob(JOB, progress=last, last_progress_at=0.0 if last else None))
    job = fold(job, *((t, Heartbeat()) for t in (0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0)))

    assert not is_stalled(job, now=100.0, after=60.0)


@pytest.mark.parametrize("last", [None, progress(0, 0)], ids=["no-progress", "zero-total"])
def test_without_live_progress_no_frame_at_all_for_the_threshold_is_stalled(
    last: Progress | None,
) -> None:
    job = watched(apply(WatchedJob(JOB, progress=last), Connected(JOB, JobState.ACTIVE), now=10.0))

    assert not is_stalled(job, now=70.0, after=60.0)
    assert is_stalled(job, now=71.0, after=60.0)


def test_a_job_that_never_sent_a_frame_is_not_stalled() -> None:
    assert not is_stalled(watched(WatchedJob(JOB)), now=1_000.0, after=60.0)


def test_a_reconnecting_stream_can_be_stalled() -> None:
    job = watched(
        apply(WatchedJob(JOB), ProgressUpdate(progress(3, 10)), now=0.0), StreamKind.RECONNECTING
    )

    assert is_stalled(job, now=120.0, after=60.0)


@pytest.mark.parametrize("outcome", [JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED])
def test_never_stalled_once_the_outcome_is_known(outcome: JobState) -> None:
    job = watched(apply(WatchedJob(JOB), ProgressUpdate(progress(3, 10)), now=0.0))
    assert is_stalled(job, now=1_000.0, after=60.0)

    assert not is_stalled(replace(job, outcome=outcome), now=1_000.0, after=60.0)


@pytest.mark.parametrize("kind", [StreamKind.CONNECTING, StreamKind.ENDED, StreamKind.FAILED])
def test_never_stalled_while_the_stream_is_not_watching(kind: StreamKind) -> None:
    job = watched(apply(WatchedJob(JOB), ProgressUpdate(progress(3, 10)), now=0.0), kind)

    assert not is_stalled(job, now=1_000.0, after=60.0)


def test_a_stream_behind_a_fresher_poll_is_stale_and_ignored() -> None:
    job = apply(WatchedJob(JOB), ProgressUpdate(progress(6, 10)), now=1.0)
    job = fold_poll(job, progress(8, 10), now=2.0)  # the poll is ahead of a lagging stream
    later = apply(job, ProgressUpdate(progress(7, 10)), now=3.0)
    assert later.progress == progress(8, 10)
    assert later.last_signal_at == 3.0  # still a sign of life
    assert apply(later, ProgressUpdate(progress(9, 10)), now=4.0).progress == progress(9, 10)


def test_the_streams_own_count_dropping_is_a_new_attempt() -> None:
    """A run cut off by a restart starts again from zero, with no `error` frame before it."""
    job = apply(WatchedJob(JOB), ProgressUpdate(progress(8, 9)), now=1.0)
    rerun = apply(job, ProgressUpdate(progress(0, 9)), now=2.0)
    assert rerun.progress == progress(0, 9)


def test_a_new_attempt_after_an_error_frame_may_start_again_from_zero() -> None:
    job = apply(WatchedJob(JOB), ProgressUpdate(progress(6, 10)), now=1.0)
    job = apply(job, StreamError("platform timeout"), now=2.0)
    job = apply(job, ProgressUpdate(progress(0, 10)), now=3.0)
    assert job.progress == progress(0, 10)
    assert job.attempt_error is None


def test_fold_poll_never_goes_backwards_and_ignores_finished_jobs() -> None:
    job = apply(WatchedJob(JOB), ProgressUpdate(progress(6, 10)), now=1.0)
    assert fold_poll(job, progress(5, 10), now=2.0).progress == progress(6, 10)
    assert fold_poll(job, progress(7, 10), now=2.0).progress == progress(7, 10)
    done = replace(job, outcome=JobState.COMPLETED)
    assert fold_poll(done, progress(7, 10), now=2.0) is done


def test_silent_for_counts_from_the_last_frame_or_the_open() -> None:
    live = replace(WatchedJob(JOB), stream=LIVE, live_since=10.0)
    assert silent_for(live, now=25.0) == 15.0
    assert silent_for(replace(live, last_signal_at=20.0), now=25.0) == 5.0
    assert silent_for(replace(live, stream=StreamStatus(StreamKind.RECONNECTING)), 25.0) is None


def test_a_burst_of_replayed_frames_after_a_restart_is_not_a_speed() -> None:
    """The service restarted: the run it cut off starts again from zero, and the stream, resumed
    28 s later, gets the 41 frames it missed at once (2.7 s). The sync runs at 88 campaigns a
    minute; the burst alone said 897."""
    job = WatchedJob(JOB, stream=LIVE)
    for t in range(0, 21, 5):  # the first run, before the restart
        job = apply(job, ProgressUpdate(Progress(synced=150 + t, total=250)), 100.0 + t)
    opened = 100.0 + 48
    job = replace(job, live_since=opened)
    for k in range(1, 42):  # the new run's first 41, replayed
        job = apply(job, ProgressUpdate(Progress(synced=k, total=250)), opened + k * 0.066)
    assert job.progress == Progress(synced=41, total=250)
    assert CATCH_UP_S > 41 * 0.066
    assert rate_per_minute(job.samples) is None  # one reading so far: no speed yet
    # Then live frames at the sync's own pace: the rate is that pace.
    burst_end = opened + 41 * 0.066
    for n in range(1, 11):  # 3 more every 2 s
        job = apply(job, ProgressUpdate(Progress(synced=41 + 3 * n, total=250)), burst_end + 2 * n)
        rate = rate_per_minute(job.samples)
        assert rate is not None
        assert rate == pytest.approx(90.0), rate
