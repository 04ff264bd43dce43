"""The tracker on its own: polls, stream ends, retries and cancels as plain state changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sync_monitor.dotoro.events import Completed, ProgressUpdate
from sync_monitor.dotoro.models import JobState, Platform, Progress, StatusSummary
from sync_monitor.live.jobstate import StreamEnd, StreamKind, StreamStatus, silent_jobs
from sync_monitor.live.records import FORGET_AFTER, MARK_TIMEOUT, REFUSAL_SHOWN
from sync_monitor.live.tracker import Tracker
from tests.support.rows import AT, MONO, NOW, built, job_id, row, set_id, status


def test_finished_jobs_are_forgotten_after_a_while() -> None:
    """Bounded memory: a job whose stream ended leaves the tracker once old and unlisted."""
    tracker = Tracker()
    tracker.apply_event("job-1", Completed(Progress(synced=3, total=3)), MONO, ids_seen=False)
    tracker.end("job-1", StreamEnd.COMPLETED, None, NOW)
    tracker.absorb(StatusSummary(), NOW, MONO, watching=())
    assert "job-1" in tracker.known.watched()  # recently finished: kept (the UI may still show it)
    later = NOW + FORGET_AFTER + timedelta(seconds=1)
    tracker.absorb(StatusSummary(), later, MONO, watching=())
    assert "job-1" not in tracker.known.jobs  # the whole record: its stream and its end


def test_a_job_leaving_the_active_list_is_timed_as_finished() -> None:
    tracker = Tracker()
    started = NOW - timedelta(seconds=90)
    tracker.absorb(status(active=(row(1, started_at=started),)), NOW, MONO, watching=())
    failed = row(1, state=JobState.FAILED)
    tracker.absorb(status(failed=(failed,)), NOW, MONO, watching=())
    (finish,) = tracker.known.finished
    assert (finish.outcome, finish.duration_s, finish.job_id) == (JobState.FAILED, 90.0, job_id(1))
    assert not tracker.known.durations  # only successful runs feed the queue estimates


def test_the_newest_progress_wins_whichever_source_but_never_goes_back() -> None:
    tracker = Tracker()
    tracker.set_stream(job_id(1), StreamStatus(StreamKind.LIVE), MONO)
    tracker.apply_event(job_id(1), ProgressUpdate(Progress(synced=8, total=10)), MONO, False)
    behind = row(1, progress=Progress(synced=5, total=10))
    tracker.absorb(status(active=(behind,)), NOW, MONO + 1, watching={job_id(1)})
    assert tracker.known.watched()[job_id(1)].progress == Progress(synced=8, total=10)  # older news

    # The stream went quiet while the job moved on: the poll's fresher count wins, live or not.
    ahead = row(1, progress=Progress(synced=9, total=10))
    tracker.absorb(status(active=(ahead,)), NOW, MONO + 2, watching={job_id(1)})
    assert tracker.known.watched()[job_id(1)].progress == Progress(synced=9, total=10)
    assert tracker.known.watched()[job_id(1)].last_progress_at == MONO + 2  # progress by any source

    # A stale frame from the lagging stream does not pull the count back.
    tracker.apply_event(job_id(1), ProgressUpdate(Progress(synced=8, total=10)), MONO + 3, False)
    assert tracker.known.watched()[job_id(1)].progress == Progress(synced=9, total=10)


def test_a_silent_live_stream_is_found_after_the_window() -> None:
    tracker = Tracker()
    tracker.set_stream(job_id(1), StreamStatus(StreamKind.LIVE), MONO)
    tracker.set_stream(job_id(2), StreamStatus(StreamKind.LIVE), MONO)
    tracker.apply_event(job_id(2), ProgressUpdate(Progress()), MONO + 15, False)
    tracker.set_stream(job_id(3), StreamStatus(StreamKind.RECONNECTING, attempt=1), MONO)
    assert silent_jobs(tracker.known.watched(), MONO + 21, after=20) == [job_id(1)]
    assert silent_jobs(tracker.known.watched(), MONO + 19, after=20) == []


def test_stream_outcome_records_one_finish_and_ends_the_watch() -> None:
    tracker = Tracker()
    started = row(1, platform=Platform.META, started_at=NOW)  # a real start: a real duration
    tracker.absorb(status(active=(started,)), NOW, MONO, watching=())
    tracker.end(job_id(1), StreamEnd.COMPLETED, None, NOW + timedelta(seconds=30))
    assert tracker.known.watched()[job_id(1)].outcome is JobState.COMPLETED
    assert tracker.known.watched()[job_id(1)].stream.kind is StreamKind.ENDED
    assert job_id(1) not in tracker.wanted_streams()
    # The poll that no longer lists it does not count the same finish twice.
    tracker.absorb(status(), NOW + timedelta(seconds=31), MONO, watching=())
    assert [f.job_id for f in tracker.known.finished] == [job_id(1)]
    assert tracker.known.durations[0] == (Platform.META, 30.0)


def test_a_denied_stream_is_failed_not_finished() -> None:
    tracker = Tracker()
    tracker.end(job_id(1), StreamEnd.DENIED, "Access denied", NOW)
    assert tracker.known.watched()[job_id(1)].stream.kind is StreamKind.FAILED
    assert tracker.known.watched()[job_id(1)].outcome is None
    assert not tracker.known.finished


def test_retry_is_optimistic_then_confirmed_by_the_poll() -> None:
    tracker = Tracker()
    failed = row(1, head=True, state=JobState.FAILED, platform=Platform.GOOGLE)
    tracker.absorb(status(failed=(failed,)), NOW, MONO, watching=())
    tracker.mark_retry(set_id(1), NOW)
    assert tracker.retry_pending(set_id(1))
    assert tracker.known.retries()[set_id(1)].platform is Platform.GOOGLE
    tracker.retry_queued(set_id(1), job_id(7), NOW)
    assert tracker.wanted_streams() == {job_id(7): set_id(1)}  # the new job is watched at once
    queued = row(1, head=True, state=JobState.CREATED)
    tracker.absorb(status(pending=(queued,)), NOW, MONO, watching=())
    assert not tracker.retry_pending(set_id(1))
    assert tracker.known.job_id_of(queued) == job_id(7)  # from the 202 (head rows carry none)


def test_a_refused_retry_rolls_back() -> None:
    tracker = Tracker()
    tracker.mark_retry(set_id(1), NOW)
    tracker.retry_refused(set_id(1), "refused: not found", NOW)
    assert not tracker.retry_pending(set_id(1))
    record = tracker.known.sets[set_id(1)]
    assert (record.refused, record.refused_at) == ("refused: not found", NOW)
    tracker.absorb(status(), NOW + REFUSAL_SHOWN + timedelta(seconds=1), MONO, watching=())
    assert set_id(1) not in tracker.known.sets  # the reason is shown for a while, not forever


def test_an_unconfirmed_retry_is_dropped_after_its_timeout() -> None:
    tracker = Tracker()
    failed = row(1, head=True, state=JobState.FAILED)
    tracker.absorb(status(failed=(failed,)), NOW, MONO, watching=())
    tracker.mark_retry(set_id(1), NOW)
    later = NOW + MARK_TIMEOUT + timedelta(seconds=1)
    tracker.absorb(status(failed=(failed,)), later, MONO, watching=())
    assert not tracker.retry_pending(set_id(1))


def test_cancel_marks_then_settles_with_the_poll() -> None:
    tracker = Tracker()
    tracker.absorb(status(active=(row(1),)), NOW, MONO, watching=())
    tracker.mark_cancel(job_id(1))
    assert tracker.cancel_pending(job_id(1))
    tracker.cancel_refused(job_id(1))
    assert not tracker.cancel_pending(job_id(1))
    tracker.mark_cancel(job_id(1))
    tracker.cancel_done(job_id(1), NOW)
    assert not tracker.should_watch(job_id(1))
    assert job_id(1) not in tracker.wanted_streams()
    tracker.absorb(status(), NOW, MONO, watching=())  # no longer listed: settled
    assert not tracker.cancel_pending(job_id(1))


def test_a_retried_jobs_end_does_not_hide_its_sets_next_run_for_ever() -> None:
    """Head rows name no job: the job our retry learned names the set's rows while it is listed.
    Its stream's end hides that run at once, and is forgotten after a while like any other,
    even though the set is listed again for a new run (which then shows)."""
    tracker = Tracker()
    tracker.absorb(status(failed=(row(1, head=True, state=JobState.FAILED),)), NOW, MONO, ())
    tracker.mark_retry(set_id(1), NOW)
    tracker.retry_queued(set_id(1), job_id(7), NOW)
    running = row(1, head=True)
    tracker.absorb(status(active=(running,)), NOW, MONO, ())
    tracker.end(job_id(7), StreamEnd.COMPLETED, None, NOW + timedelta(seconds=30))
    assert built(tracker.known).active == ()  # ended: gone at once, though the poll lags
    later = NOW + FORGET_AFTER + timedelta(minutes=1)
    tracker.absorb(status(active=(running,)), later, MONO, ())  # the set runs again
    assert [a.set_id for a in built(tracker.known, replace(AT, now=later)).active] == [set_id(1)]


def test_a_listed_head_row_keeps_its_times_when_a_retry_names_its_job() -> None:
    """A head row counts from first sight; a retry of its set's earlier failure teaches the
    monitor a job id for the set's rows: the running row keeps counting from first sight."""
    running, failed = row(1, head=True), row(1, head=True, state=JobState.FAILED)
    tracker = Tracker()
    tracker.absorb(
        status(active=(running,), failed=(failed,)), NOW - timedelta(seconds=300), MONO, ()
    )
    tracker.mark_retry(set_id(1), NOW)
    tracker.retry_queued(set_id(1), job_id(7), NOW)
    tracker.absorb(status(active=(running,), failed=(failed,)), NOW, MONO, ())
    assert [a.elapsed_s for a in built(tracker.known).active] == [300.0]
