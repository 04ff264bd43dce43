"""What the tracker knows, as frozen values: one record per job, one per campaign set.

The service names two things: the campaign set (what a retry queues, §3.1) and the job (what runs,
streams and is cancelled). A set may have several jobs at once (repeated calls queue duplicates),
so a job's facts live in its own record, keyed by its id (or, for a head-style row that names no
job, §3.4, by its set's id), and a set's own facts in the set's. Each record is dropped whole when
it holds nothing more (`empty`), so forgetting a job is one deletion, never one per fact.

`Known` is everything at once. The tracker swaps in a new `Known` for every change and never
changes one in place, so the snapshot builder reads it outside the lock, as it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sync_monitor.dotoro.models import Features, Platform, StatusSummary, SyncJob

from .jobstate import WatchedJob
from .snapshot import Backend, Finished

FORGET_AFTER = timedelta(minutes=5)  # finished jobs leave memory after this
MARK_TIMEOUT = timedelta(minutes=2)  # an unconfirmed optimistic retry or cancel is dropped after
JUST_QUEUED = timedelta(seconds=10)  # a retried set stays highlighted in the queue this long
REFUSAL_SHOWN = timedelta(minutes=1)  # a refused retry's reason stays on its failure this long
WORKERS_WINDOW = timedelta(minutes=10)  # the service's workers: the most seen running this long
DURATIONS_KEPT = 1000  # recent successful run times that feed the queue estimates
FINISHED_KEPT = 5000  # recent finishes this process saw, for the throughput figures


@dataclass(frozen=True)
class JobRecord:
    """One job beyond its row in the poll: its stream, when it was first seen, our cancel."""

    watched: WatchedJob | None = None  # what its stream (and the polls' progress) told
    running_since: datetime | None = None  # first seen running (head gives no start, §3.4)
    waiting_since: datetime | None = None  # first seen waiting (head gives no queue time)
    ended_at: datetime | None = None  # its stream's final frame
    cancelling: bool = False  # our cancel is in flight
    cancelled_at: datetime | None = None  # the service confirmed our cancel, awaiting the poll

    @property
    def empty(self) -> bool:
        return self == NO_JOB_FACTS

    @property
    def hidden(self) -> bool:
        """Gone from the page although a poll may still list it: cancelled, or its stream ended."""
        return self.cancelled_at is not None or (
            self.watched is not None and self.watched.outcome is not None
        )

    def with_times_of(self, other: JobRecord) -> JobRecord:
        """This record, with the first-seen times of `other` where it has none."""
        return replace(
            self,
            running_since=self.running_since or other.running_since,
            waiting_since=self.waiting_since or other.waiting_since,
        )

    def aged(
        self, now: datetime, running: bool, waiting: bool, named: bool, followed: bool
    ) -> JobRecord:
        """This record after a poll (bounded memory): a stream's end is forgotten a while after
        the service stopped naming its job in the lists (`named`: a row's own key; a head row's
        job id learned from our retry does not count, as its set may be listed again for
        another run), a confirmed cancel once its job left them, first-seen times as soon as it
        did, and a stream's view once nothing follows the job (`followed`: a consumer or our
        retry)."""
        listed = running or waiting
        ended, watched = self.ended_at, self.watched
        if ended is not None and now - ended > FORGET_AFTER and not named:
            ended, watched = None, None
        cancelled = self.cancelled_at
        if cancelled is not None and (not listed or now - cancelled > MARK_TIMEOUT):
            cancelled = None
        aged = (
            watched if listed or followed or ended is not None else None,
            ended,
            cancelled,
            self.running_since if listed else None,
            self.waiting_since if waiting else None,
        )
        now_as = (
            self.watched,
            self.ended_at,
            self.cancelled_at,
            self.running_since,
            self.waiting_since,
        )
        if aged == now_as:
            return self  # the common case, every poll, for every listed job: no copy
        watched, ended, cancelled, running_since, waiting_since = aged
        return replace(
            self,
            watched=watched,
            ended_at=ended,
            cancelled_at=cancelled,
            running_since=running_since,
            waiting_since=waiting_since,
        )


NO_JOB_FACTS = JobRecord()


@dataclass(frozen=True)
class RetryMark:
    """A retry this monitor sent: in flight (no job id yet), then queued until a poll lists it."""

    set_id: str
    name: str
    platform: Platform
    sent_at: datetime
    job_id: str | None = None


@dataclass(frozen=True)
class SetRecord:
    """One campaign set's own facts: our retry of it and what the service answered."""

    retried_job: str | None = None  # the job our retry's 202 named (a head row names none)
    retry: RetryMark | None = None
    requeued_at: datetime | None = None  # our retry queued it: highlighted in the queue a moment
    refused: str | None = None  # why the service refused our retry, shown a moment
    refused_at: datetime | None = None

    @property
    def empty(self) -> bool:
        return self == NO_SET_FACTS

    def aged(self, now: datetime, listed: bool, failed: bool) -> SetRecord:
        """This record after a poll: a retry confirmed (the set is listed, or no longer failed)
        or timed out, an old highlight and an old refusal are dropped."""
        retry = self.retry
        if retry is not None:
            confirmed = retry.job_id is not None and (listed or not failed)
            if confirmed or now - retry.sent_at > MARK_TIMEOUT:
                retry = None
        requeued = self.requeued_at
        if requeued is not None and now - requeued > JUST_QUEUED:
            requeued = None
        refused, refused_at = self.refused, self.refused_at
        if refused_at is not None and now - refused_at > REFUSAL_SHOWN:
            refused, refused_at = None, None
        return replace(
            self, retry=retry, requeued_at=requeued, refused=refused, refused_at=refused_at
        )


NO_SET_FACTS = SetRecord()


@dataclass(frozen=True)
class Known:
    """Everything the tracker knows, frozen. The maps are never changed once made."""

    status: StatusSummary | None = None  # the last successful poll
    polled_at: datetime | None = None
    backend: Backend = field(default_factory=Backend)
    features: Features = field(default_factory=Features)
    jobs: Mapping[str, JobRecord] = field(default_factory=dict)
    sets: Mapping[str, SetRecord] = field(default_factory=dict)
    durations: tuple[tuple[Platform, float], ...] = ()  # successful runs' seconds, by platform
    finished: tuple[Finished, ...] = ()  # jobs this process saw finish
    history: tuple[Finished, ...] = ()  # the backend's own 24 h history, where it lists one
    # (poll time, syncs running) over the last WORKERS_WINDOW: the workers are re-learned, so a
    # service restarted with fewer of them is soon estimated with fewer.
    concurrency: tuple[tuple[datetime, int], ...] = ()

    def job_id_of(self, job: SyncJob) -> str | None:
        """The job id of a summary row: its own, or the one our retry's 202 taught us (a
        head-style row carries none, §3.4)."""
        if job.job_id:
            return job.job_id
        record = self.sets.get(job.campaign_set_id)
        return record.retried_job if record is not None else None

    def identity(self, job: SyncJob) -> str:
        """The key of a row's job record: its job id, else its set's id."""
        return self.job_id_of(job) or job.campaign_set_id

    def job(self, job: SyncJob) -> JobRecord:
        """The record of a row's job (an empty one if there is none)."""
        return self.jobs.get(self.identity(job), JobRecord())

    def watched(self) -> dict[str, WatchedJob]:
        """Job id -> what its stream told, for every job with a stream's view."""
        return {j: r.watched for j, r in self.jobs.items() if r.watched is not None}

    def cancelled(self) -> frozenset[str]:
        """Job ids whose cancel the service confirmed (awaiting the poll)."""
        return frozenset(j for j, r in self.jobs.items() if r.cancelled_at is not None)

    def retries(self) -> dict[str, RetryMark]:
        """Set id -> our retry of it, while it is in flight or awaits the poll."""
        return {s: r.retry for s, r in self.sets.items() if r.retry is not None}
