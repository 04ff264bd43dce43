"""How the jobs that left the status lists between two polls ended (pure).

The API's lists only say that a job left them: one whose set is now listed as failed failed,
and any other is taken to have completed (dotoro-api.md §3.4). Better words win where there
are any: pg-boss's table says completed, cancelled or failed (`told`, issue 12), and a cancel
this monitor made and the service confirmed is a cancellation. A job that left the queue without
being seen to run is counted only when one of those says how it ended: otherwise it went on to
run between two polls, which is not an end.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sync_monitor.dotoro.models import JobState, StatusSummary, SyncJob

Told = Mapping[str, tuple[JobState, datetime]]  # job id -> how and when the table says it ended


@dataclass(frozen=True)
class Ending:
    job: SyncJob  # the row as the poll before listed it
    job_id: str | None
    outcome: JobState  # completed, failed or cancelled
    at: datetime
    ran: bool  # seen running, so its run time means something


def endings(
    previous: StatusSummary,
    status: StatusSummary,
    job_id_of: Callable[[SyncJob], str | None],
    now: datetime,
    told: Told,
    cancelled: Collection[str] = (),
) -> list[Ending]:
    active = {j.key for j in status.active}
    pending = {j.key for j in status.pending}
    failed_sets = {j.campaign_set_id for j in status.failed}
    found: list[Ending] = []
    for job in previous.active:
        # Still running; or, for a row with a job id, the same job waiting for another try
        # (pg-boss's `retry`): neither has ended. A head row (no id) back in the queue is the
        # set queued again, so the run before it ended.
        if job.key in active or (job.job_id and job.key in pending):
            continue
        job_id = job_id_of(job)
        outcome, at = _said(job_id, told, cancelled, now)
        if outcome is None:
            failed = job.campaign_set_id in failed_sets
            outcome = JobState.FAILED if failed else JobState.COMPLETED
        found.append(Ending(job, job_id, outcome, at, ran=True))
    for job in previous.pending:
        if job.key in active or job.key in pending:
            continue
        job_id = job_id_of(job)
        outcome, at = _said(job_id, told, cancelled, now)
        if outcome is not None:
            found.append(Ending(job, job_id, outcome, at, ran=False))
    return found


def _said(
    job_id: str | None, told: Told, cancelled: Collection[str], now: datetime
) -> tuple[JobState | None, datetime]:
    if job_id is None:
        return None, now
    if job_id in told:
        return told[job_id]
    if job_id in cancelled:
        return JobState.CANCELLED, now
    return None, now
