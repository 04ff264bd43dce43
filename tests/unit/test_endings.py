"""How jobs that left the status lists ended: the API's lists, then better words where there
are any (pg-boss's table, a cancel the service confirmed)."""

from __future__ import annotations

from datetime import timedelta

from sync_monitor.dotoro.models import JobState, SyncJob
from sync_monitor.live.endings import Ending, endings
from sync_monitor.live.records import Known, SetRecord
from sync_monitor.live.tracker import Tracker
from tests.support.rows import MONO, NOW, ago, job_id, row, set_id, status

LATER = NOW + timedelta(seconds=2)


def own_id(job: SyncJob) -> str | None:
    return job.job_id


def outcomes(found: list[Ending]) -> list[tuple[str | None, JobState, bool]]:
    return [(e.job_id, e.outcome, e.ran) for e in found]


def test_the_lists_alone_say_failed_or_completed_for_a_run_and_nothing_for_the_queue() -> None:
    before = status(active=(row(1), row(2)), pending=(row(3, state=JobState.CREATED),))
    after = status(failed=(row(2, state=JobState.FAILED),))
    found = endings(before, after, own_id, LATER, told={})
    assert outcomes(found) == [
        (job_id(1), JobState.COMPLETED, True),
        (job_id(2), JobState.FAILED, True),
    ]  # job 3 left the queue unseen: it may have run between the polls, which is no end
    assert {e.at for e in found} == {LATER}


def test_the_table_tells_a_cancellation_and_when_for_a_run_and_for_a_queued_job() -> None:
    before = status(active=(row(1),), pending=(row(2, state=JobState.CREATED),))
    told = {job_id(1): (JobState.CANCELLED, ago(1)), job_id(2): (JobState.CANCELLED, ago(3))}
    found = endings(before, status(), own_id, LATER, told)
    assert outcomes(found) == [
        (job_id(1), JobState.CANCELLED, True),
        (job_id(2), JobState.CANCELLED, False),
    ]
    assert [e.at for e in found] == [ago(1), ago(3)]


def test_the_table_tells_a_failure_the_lists_missed_between_two_polls() -> None:
    before = status(pending=(row(1, state=JobState.CREATED),))
    found = endings(before, status(), own_id, LATER, {job_id(1): (JobState.FAILED, ago(1))})
    assert outcomes(found) == [(job_id(1), JobState.FAILED, False)]


def test_a_cancel_the_service_confirmed_is_a_cancellation() -> None:
    before = status(active=(row(1),), pending=(row(2, state=JobState.CREATED),))
    found = endings(before, status(), own_id, LATER, told={}, cancelled={job_id(2): NOW})
    assert outcomes(found) == [
        (job_id(1), JobState.COMPLETED, True),
        (job_id(2), JobState.CANCELLED, False),
    ]


def test_a_job_waiting_for_another_try_has_not_ended_but_a_head_set_queued_again_has() -> None:
    # pg-boss: the same job id goes from active back to `retry`.
    retried = endings(
        status(active=(row(1),)), status(pending=(row(1, state=JobState.RETRY),)), own_id, NOW, {}
    )
    assert retried == []
    # Head rows carry the set id only: the set queued again means the run before ended.
    head = row(1, head=True)
    requeued = endings(
        status(active=(head,)),
        status(pending=(row(1, head=True, state=JobState.CREATED),)),
        own_id,
        NOW,
        {},
    )
    assert outcomes(requeued) == [(None, JobState.COMPLETED, True)]


def test_a_queued_job_that_started_has_not_ended() -> None:
    before = status(pending=(row(1, state=JobState.CREATED),))
    assert endings(before, status(active=(row(1),)), own_id, NOW, {}) == []


def test_the_tracker_records_what_the_table_told_and_times_only_real_runs() -> None:
    tracker = Tracker()
    started = NOW - timedelta(seconds=90)
    queued = row(2, state=JobState.CREATED)
    tracker.absorb(status(active=(row(1, started_at=started),), pending=(queued,)), NOW, MONO, ())
    told = {job_id(1): (JobState.CANCELLED, ago(30)), job_id(2): (JobState.CANCELLED, NOW)}
    tracker.absorb(status(), LATER, MONO, (), told=told)
    by_job = {f.job_id: f for f in tracker.known.finished}
    assert by_job[job_id(1)].outcome is JobState.CANCELLED
    assert by_job[job_id(1)].duration_s == 60.0  # to the table's end, not to the poll
    assert by_job[job_id(2)].outcome is JobState.CANCELLED
    assert by_job[job_id(2)].duration_s is None  # it never ran
    assert not tracker.known.durations  # a cancelled run says nothing of how long a sync takes


def test_a_confirmed_cancel_of_a_head_row_is_kept_while_its_set_is_listed() -> None:
    """A head row is keyed by its set; the job id the monitor knows (from its retry) still
    names it, so the cancel stays marked until the row leaves the lists."""
    tracker = Tracker(Known(sets={set_id(1): SetRecord(retried_job=job_id(1))}))
    listed = status(active=(row(1, head=True),))
    tracker.absorb(listed, NOW, MONO, ())
    tracker.cancel_done(job_id(1), NOW)
    tracker.absorb(listed, LATER, MONO, ())
    assert tracker.cancel_pending(job_id(1))
    tracker.absorb(status(), LATER, MONO, ())
    [finish] = tracker.known.finished
    assert (finish.job_id, finish.outcome) == (job_id(1), JobState.CANCELLED)


def test_a_job_that_leaves_the_lists_without_an_end_is_forgotten() -> None:
    """A job back in the queue for another try has not ended; if it then leaves the queue
    with nothing to say how, the tracker keeps nothing of it (bounded memory)."""
    tracker = Tracker()
    tracker.absorb(status(active=(row(1),)), NOW, MONO, ())
    tracker.absorb(status(pending=(row(1, state=JobState.RETRY),)), NOW, MONO, ())
    assert not tracker.known.finished
    tracker.absorb(status(), LATER, MONO, ())
    assert not tracker.known.finished
    assert tracker.known.jobs == {}
