"""pg-boss's jobs and the status made true with them (issue 12), the pure part: serialized
errors, the fetch order, and the merge with what the API says."""

from __future__ import annotations

from datetime import timedelta

from sync_monitor.dotoro.models import JobState, Platform, Progress
from sync_monitor.pgboss.jobs import QueueJob, QueueRead, fetch_order, merge, serialized_error
from tests.support.rows import NOW, job_id, row, set_id, status


def qjob(n: int, state: JobState, **changes: object) -> QueueJob:
    values: dict[str, object] = {
        "id": job_id(n),
        "set_id": set_id(n),
        "platform": Platform.REDDIT,
        "state": state,
        "priority": 0,
        "retry_count": 0,
        "retry_limit": 2,
        "start_after": NOW - timedelta(minutes=10),
        "created_on": NOW - timedelta(minutes=10),
        "started_on": None,
        "completed_on": None,
        "error": None,
        "stack": None,
    }
    values.update(changes)
    return QueueJob(**values)  # type: ignore[arg-type]


def test_every_output_shape_pg_boss_writes_is_read() -> None:
    """Issue 19: what pg-boss 12.5.4 writes (tests/integration/test_pgboss_client.py)."""
    # fail() with a string, and a shutdown while the handler ran: {"value": "…"}.
    assert serialized_error({"value": "Reddit Ads API error 429"}) == (
        "Reddit Ads API error 429",
        None,
    )
    assert serialized_error('{"value": "pg-boss shut down while active"}') == (
        "pg-boss shut down while active",
        None,
    )
    # The supervisor's expiry, in words, with the job's expiry.
    expired = {"value": {"message": "job timed out"}}
    assert serialized_error(expired, 900) == (
        "timed out: the worker stopped answering after 15 min",
        None,
    )
    assert serialized_error(expired, 45) == (
        "timed out: the worker stopped answering after 45 s",
        None,
    )
    # A value that is itself an error, and one that says nothing.
    assert serialized_error({"value": {"message": "boom", "stack": "s"}}) == ("boom", "s")
    assert serialized_error({"value": None}) == (None, None)
    assert serialized_error({"value": ""}) == (None, None)


def test_a_serialized_error_gives_its_message_and_stack() -> None:
    full = {"name": "Error", "message": "Reddit 429", "stack": "Error: Reddit 429\n at x"}
    assert serialized_error(full) == ("Reddit 429", "Error: Reddit 429\n at x")
    assert serialized_error({"name": "TimeoutError", "message": "900s"}) == (
        "TimeoutError: 900s",
        None,
    )
    assert serialized_error('{"message": "from text"}') == ("from text", None)
    assert serialized_error("plain words") == ("plain words", None)
    assert serialized_error(None) == (None, None)
    assert serialized_error({"message": 42}) == (None, None)
    assert serialized_error([1, 2]) == (None, None)


def test_the_fetch_order_is_priority_then_age_then_id_and_held_jobs_last() -> None:
    old = qjob(1, JobState.CREATED, created_on=NOW - timedelta(minutes=9))
    young = qjob(2, JobState.CREATED, created_on=NOW - timedelta(minutes=1))
    urgent = qjob(3, JobState.RETRY, priority=5, created_on=NOW - timedelta(seconds=5))
    held = qjob(4, JobState.CREATED, priority=9, start_after=NOW + timedelta(minutes=5))
    later = qjob(5, JobState.CREATED, start_after=NOW + timedelta(minutes=1))
    order = fetch_order([held, young, old, later, urgent], NOW)
    assert [j.id for j in order] == [urgent.id, old.id, young.id, later.id, held.id]


def test_the_table_replaces_the_apis_rows_and_keeps_the_rest() -> None:
    api = status(
        active=(
            row(1, head=True),  # the same set as the table's running job
            row(7, head=True),  # a set the table has nothing of (yet): kept
        ),
        pending=(row(2, head=True, state=JobState.CREATED),),
        failed=(
            row(3, head=True, state=JobState.FAILED),
            row(8, head=True, state=JobState.FAILED),
        ),
    )
    table = QueueRead(
        NOW,
        (
            qjob(1, JobState.ACTIVE, retry_count=1, started_on=NOW),
            qjob(2, JobState.RETRY, retry_count=1),
            qjob(3, JobState.FAILED, error="Reddit 429", completed_on=NOW),
            # An older failure of set 3 (its latest is above), and a failure of a set that
            # runs again: neither is listed.
            qjob(9, JobState.FAILED, set_id=set_id(3), completed_on=NOW - timedelta(hours=1)),
            qjob(10, JobState.FAILED, set_id=set_id(2), completed_on=NOW - timedelta(hours=2)),
            # A failure of a set the API no longer lists as failed: it synced since.
            qjob(11, JobState.FAILED, completed_on=NOW - timedelta(hours=3)),
        ),
    )
    names = {set_id(n): f"set {n}" for n in range(12)}
    merged = merge(api, table, names)
    assert [(r.id, r.retry_count) for r in merged.active] == [(job_id(1), 1), (set_id(7), 0)]
    assert [(r.id, r.queue_rank) for r in merged.pending] == [(job_id(2), 0)]
    assert [(r.id, r.error) for r in merged.failed] == [
        (job_id(3), "Reddit 429"),
        (set_id(8), None),
    ]
    assert merged.active[0].campaign_set_name == "set 1"


def test_the_apis_live_progress_of_the_same_job_is_kept() -> None:
    api = status(active=(row(1, progress=Progress(synced=4, failed=1, total=10)),))
    merged = merge(api, QueueRead(NOW, (qjob(1, JobState.ACTIVE, started_on=NOW),)), {})
    assert merged.active[0].progress == Progress(synced=4, failed=1, total=10)


def test_a_set_the_table_says_ended_is_not_running_on_the_apis_lagging_word() -> None:
    """The API still lists the set as running one poll after the table says its job ended:
    that row would end again on the next poll (a second completion), so it is left out."""
    api = status(active=(row(1, head=True), row(2, head=True)))
    ended = qjob(1, JobState.COMPLETED, started_on=NOW, completed_on=NOW)
    merged = merge(api, QueueRead(NOW, (), ended=(ended,)), {})
    assert [r.campaign_set_id for r in merged.active] == [set_id(2)]


def test_the_table_decides_for_every_set_it_has_jobs_for() -> None:
    """Issue 19, with each set's newest job (the reader reads every job of the listed sets)."""
    api = status(
        active=(row(1, head=True),),  # its job was expired by the supervisor, then failed
        pending=(
            row(2, head=True, state=JobState.CREATED),  # its only job was cancelled
            row(3, head=True, state=JobState.CREATED),  # a draft: no job at all
            row(4, head=True, state=JobState.CREATED),  # failed before Dotoro's service ran
            row(5, head=True, state=JobState.CREATED),  # really waiting
        ),
    )
    expired = qjob(1, JobState.FAILED, error="timed out", completed_on=NOW)
    cancelled = qjob(2, JobState.CANCELLED, completed_on=NOW)
    early = qjob(4, JobState.FAILED, error="OAuth tokens not available", completed_on=NOW)
    waiting = qjob(5, JobState.CREATED)
    # Set 6 failed this morning and synced since: the API does not list it.
    morning = qjob(6, JobState.FAILED, error="old", completed_on=NOW - timedelta(hours=3))
    table = QueueRead(
        NOW,
        (expired, early, waiting, morning),
        newest=(expired, cancelled, early, waiting, morning),
    )
    merged = merge(api, table, {})
    assert merged.active == []
    assert [r.id for r in merged.pending] == [job_id(5)]
    assert sorted((r.id, r.error) for r in merged.failed) == sorted(
        [(job_id(1), "timed out"), (job_id(4), "OAuth tokens not available")]
    )
