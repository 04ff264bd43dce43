"""One attempt to sync a campaign set: the history's row (pure).

An attempt is one job of pg-boss's queue where the job id is known ("job:<id>"); against the
service as deployed, which lists campaign sets and no job ids, it is one run of a set from
queued (or first seen) to its end, as the polls saw it ("set:<set id>:<start, epoch ms>").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from sync_monitor.dotoro.models import JobState, Platform, SyncJob
from sync_monitor.pgboss.jobs import QueueJob
from sync_monitor.words.categories import categorize

from .signature import signature


class Outcome(StrEnum):
    QUEUED = "queued"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        return self in (Outcome.COMPLETED, Outcome.FAILED, Outcome.CANCELLED)


class Source(StrEnum):
    """Where the monitor learned of an attempt."""

    STATUS = "status"  # the status poll, as the live page saw it
    HISTORY = "history"  # the API's history listing
    QUEUE = "queue"  # pg-boss's table


@dataclass(frozen=True)
class Attempt:
    key: str
    set_id: str
    set_name: str
    platform: Platform
    state: Outcome
    at: datetime  # when it began: queued, else started, else first seen
    job_id: str | None = None
    attempt: int = 1  # its number among the set's attempts, oldest first
    queued_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    synced: int | None = None
    failed: int | None = None
    total: int | None = None
    error: str | None = None
    source: Source = Source.STATUS

    @property
    def category(self) -> str:
        return categorize(self.error).kind.value if self.state is Outcome.FAILED else ""

    @property
    def signature(self) -> str:
        return signature(self.error) if self.state is Outcome.FAILED else ""

    def numbered(self, attempt: int) -> Attempt:
        return replace(self, attempt=attempt)


# How a job's final state reads as an attempt's.
ENDED = {
    JobState.COMPLETED: Outcome.COMPLETED,
    JobState.FAILED: Outcome.FAILED,
    JobState.CANCELLED: Outcome.CANCELLED,
}


def job_key(job_id: str) -> str:
    return f"job:{job_id}"


def set_key(set_id: str, began: datetime) -> str:
    return f"set:{set_id}:{to_ms(began)}"


def to_ms(when: datetime) -> int:
    return round(when.timestamp() * 1000)


def from_ms(ms: int | None) -> datetime | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC)


def from_listing(job: SyncJob) -> Attempt | None:
    """An attempt from a row of the backend's history listing (ext, §3.6); None for a job
    still queued or running (the live polls record those)."""
    outcome = ENDED.get(job.state)
    if outcome is None:
        return None
    progress = job.progress
    known = progress.total > 0
    return Attempt(
        key=job_key(job.id),
        set_id=job.campaign_set_id,
        set_name=job.campaign_set_name,
        platform=job.platform,
        state=outcome,
        at=job.created_at,
        job_id=job.id,
        queued_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.completed_at,
        synced=progress.synced if known else None,
        failed=progress.failed if known else None,
        total=progress.total if known else None,
        error=job.error,
        source=Source.HISTORY,
    )


def from_queue(job: QueueJob, name: str) -> Attempt:
    """An attempt from an ended row of pg-boss's table (issue 12). Its queue wait counts from
    when it could start (`start_after`), not from its creation."""
    outcome = ENDED.get(job.state, Outcome.COMPLETED)
    return Attempt(
        key=job_key(job.id),
        set_id=job.set_id,
        set_name=name,  # "" until the API lists the set: never overwrites a known name
        platform=job.platform,
        state=outcome,
        at=job.created_on,
        job_id=job.id,
        queued_at=max(job.created_on, job.start_after)
        if job.started_on is None or job.start_after <= job.started_on
        else job.created_on,
        started_at=job.started_on,
        finished_at=job.completed_on,
        error=job.error,
        source=Source.QUEUE,
    )
