"""pg-boss's jobs as the monitor reads them, and the status the API gives made true with them
(pure). dotoro-api.md §4: queue `sync-campaign-set`, states created → retry → active →
completed / cancelled / failed, a failed job's output a serialized error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sync_monitor.dotoro.models import JobState, Platform, Progress, StatusSummary, SyncJob

QUEUE = "sync-campaign-set"
WAITING = (JobState.CREATED, JobState.RETRY)


@dataclass(frozen=True)
class QueueJob:
    """One row of pgboss.job, the columns the monitor reads."""

    id: str
    set_id: str
    platform: Platform
    state: JobState
    priority: int
    retry_count: int
    retry_limit: int
    start_after: datetime
    created_on: datetime
    started_on: datetime | None
    completed_on: datetime | None
    error: str | None  # a failed job's message
    stack: str | None  # ... and its stack, shown only on demand
    team_id: str | None = None  # the job data's (its set's client, issue 24)
    ad_account_id: str | None = None


@dataclass(frozen=True)
class QueueRead:
    """What one poll read from the table: every job waiting or running, those that failed in
    the last 24 hours, and the jobs followed at the poll before that have since ended
    (`ended`: completed, cancelled or failed; the API's lists cannot tell the first two apart,
    and miss a job that ran and failed between two polls)."""

    read_at: datetime
    jobs: tuple[QueueJob, ...]
    ended: tuple[QueueJob, ...] = ()
    # The newest job of each set the table holds in its recent window (any state): the table,
    # not the API, says whether a set is waiting, running or has ended.
    newest: tuple[QueueJob, ...] = ()


EXPIRED = "job timed out"  # the supervisor's words when a job outlives its expiry


def serialized_error(
    output: object, expire_seconds: int | None = None
) -> tuple[str | None, str | None]:
    """(message, stack) of a failed job's output, in every shape pg-boss 12 writes
    (tests/integration/test_pgboss_client.py): a serialized Error {"name", "message", "stack"}
    (a thrown error); {"value": {"message": …}} (the supervisor's expiry, said in words with
    the job's `expire_seconds`); {"value": "…"} (`fail()` with a string, a shutdown); a plain
    string. Anything else gives nothing."""
    if isinstance(output, str):
        try:
            parsed: object = json.loads(output)
        except ValueError:
            return output or None, None
        if not isinstance(parsed, Mapping):
            return output or None, None
        output = parsed
    if not isinstance(output, Mapping):
        return None, None
    if set(output) == {"value"}:  # pg-boss wrapped what it was given
        value = output["value"]
        if isinstance(value, str):
            return value or None, None
        if isinstance(value, Mapping) and value.get("message") == EXPIRED:
            after = ""
            if expire_seconds:
                minutes, seconds = divmod(int(expire_seconds), 60)
                after = (
                    f" after {minutes} min"
                    if minutes and not seconds
                    else f" after {expire_seconds} s"
                )
            return f"timed out: the worker stopped answering{after}", None
        return serialized_error(value) if isinstance(value, Mapping) else (None, None)
    message = output.get("message")
    name = output.get("name")
    stack = output.get("stack")
    text = message if isinstance(message, str) and message else None
    if text and isinstance(name, str) and name and name != "Error" and not text.startswith(name):
        text = f"{name}: {text}"
    return text, stack if isinstance(stack, str) and stack else None


def fetch_order(jobs: list[QueueJob], now: datetime) -> list[QueueJob]:
    """Waiting jobs in the order pg-boss fetches them: those it may start now by priority
    (highest first), then creation, then id; after them, those held by `start_after`, by when
    they may start."""
    ready = [j for j in jobs if j.start_after <= now]
    held = [j for j in jobs if j.start_after > now]
    ready.sort(key=lambda j: (-j.priority, j.created_on, j.id))
    held.sort(key=lambda j: (j.start_after, -j.priority, j.created_on, j.id))
    return ready + held


def _row(
    job: QueueJob,
    names: Mapping[str, str],
    rank: int | None = None,
    progress: Progress | None = None,
) -> SyncJob:
    return SyncJob(
        id=job.id,
        campaign_set_id=job.set_id,
        campaign_set_name=names.get(job.set_id, ""),
        platform=job.platform,
        state=job.state,
        progress=progress or Progress(),
        error=job.error,
        created_at=job.created_on,
        started_at=job.started_on,
        completed_at=job.completed_on,
        retry_count=job.retry_count,
        retry_limit=job.retry_limit,
        queue_rank=rank,
        start_after=job.start_after,
        error_stack=job.stack,
        team_id=job.team_id,
        ad_account_id=job.ad_account_id,
    )


def merge(status: StatusSummary, read: QueueRead, names: Mapping[str, str]) -> StatusSummary:
    """The status as the queue tells it: the table decides for every set it has jobs for.
    Active and waiting jobs come from the table, with their real ids, ranks and tries. A set
    whose newest job has ended is never shown as queued or syncing, whatever the API still
    says (a cancelled job, a job the supervisor expired): failed if that job failed (with its
    message, whether or not Dotoro marked the set failed), else left out. A set the API lists as
    waiting with no job at all is not queued (a draft: Dotoro's default status is pending), and
    is left out. Only sets the table knows nothing about keep the API's row: a failure older
    than the table's window, or the table not read yet (`newest` empty). Names come from the
    API."""
    by_state: dict[JobState, list[QueueJob]] = {}
    for job in read.jobs:
        by_state.setdefault(job.state, []).append(job)
    active = by_state.get(JobState.ACTIVE, [])
    waiting = fetch_order([j for s in WAITING for j in by_state.get(s, [])], read.read_at)
    newest = {j.set_id: j for j in read.newest}
    running_sets = {j.set_id for j in (*active, *waiting)}
    # The latest failure of each set the API lists, where it is the set's newest job (a set
    # retried since is not failed): listed as failed, or still as waiting or syncing (a job that
    # failed before Dotoro's sync service ran, which never marked the set). A set the API does
    # not list has synced since, as far as Dotoro knows (the table read only the jobs of the
    # listed sets). Without the table's newest jobs: the sets the API lists as failed.
    failed_sets = {r.campaign_set_id for r in status.failed}
    listed = failed_sets | {r.campaign_set_id for r in (*status.active, *status.pending)}
    latest_failure: dict[str, QueueJob] = {}
    for job in sorted(
        by_state.get(JobState.FAILED, []), key=lambda j: j.completed_on or j.created_on
    ):
        last = newest.get(job.set_id)
        if last is None:
            shown = job.set_id in failed_sets
        else:
            shown = last.id == job.id and job.set_id in listed
        if shown:
            latest_failure[job.set_id] = job
    known_sets = running_sets | set(latest_failure)
    # The table says these ended: an API row still listing the set as running lags by a poll
    # (it would end again next poll, counted twice), or is wrong (an expired job).
    ended_sets = {j.set_id for j in read.ended} - running_sets
    ended_sets |= {k for k, j in newest.items() if j.state.final} - running_sets

    def api_only(set_id: str) -> bool:
        """An API row of a waiting or running set that the table has nothing to say against
        (with no job at all in the table, it is not queued, not syncing)."""
        if set_id in known_sets or set_id in ended_sets:
            return False
        return not (read.newest and set_id not in newest)

    def still_failed(set_id: str) -> bool:
        """An API failure the table does not contradict: no job of the set in its window, or
        the newest one failed (before the last 24 hours)."""
        last = newest.get(set_id)
        return last is None or last.state is JobState.FAILED

    # Where the API knows the job too (the plan's extensions), its live progress is kept.
    progress = {r.job_id: r.progress for r in status.active if r.job_id}
    return StatusSummary(
        active=[_row(j, names, progress=progress.get(j.id)) for j in active]
        + [r for r in status.active if api_only(r.campaign_set_id)],
        pending=[_row(j, names, rank) for rank, j in enumerate(waiting)]
        + [r for r in status.pending if api_only(r.campaign_set_id)],
        failed=[_row(j, names) for j in latest_failure.values() if j.set_id not in running_sets]
        + [
            r
            for r in status.failed
            if r.campaign_set_id not in known_sets and still_failed(r.campaign_set_id)
        ],
    )


def names_of(status: StatusSummary) -> dict[str, str]:
    """Campaign set names by id, from the API's lists (the table holds only ids)."""
    return {
        r.campaign_set_id: r.campaign_set_name
        for r in (*status.active, *status.pending, *status.failed)
        if r.campaign_set_name
    }
