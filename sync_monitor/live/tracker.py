"""What the hub knows about jobs, and how polls, stream events and actions change it.

No threads, locks or I/O: the hub calls these methods under its lock, and nothing else changes
its fields. Folding a poll, ending a stream, marking a retry or a cancel: plain state changes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sync_monitor.dotoro.events import StreamEvent
from sync_monitor.dotoro.models import Features, JobState, Platform, StatusSummary, SyncJob

from .build import HubState, RetryMark, job_id_of
from .endings import Told, endings
from .jobstate import StreamEnd, StreamKind, StreamStatus, WatchedJob, apply, fold_poll
from .snapshot import Backend, Finished

FORGET_AFTER = timedelta(minutes=5)  # finished jobs leave memory after this
MARK_TIMEOUT = timedelta(minutes=2)  # an unconfirmed optimistic retry or cancel is dropped after
JUST_QUEUED = timedelta(seconds=10)  # a retried set stays highlighted in the queue this long
REFUSAL_SHOWN = timedelta(minutes=1)  # a refused retry's reason stays on its failure this long


@dataclass
class Tracker:
    status: StatusSummary | None = None
    polled_at: datetime | None = None
    backend: Backend = field(default_factory=Backend)
    features: Features = field(default_factory=Features)
    watched: dict[str, WatchedJob] = field(default_factory=dict)
    ended_at: dict[str, datetime] = field(default_factory=dict)  # job id -> stream's final frame
    known_jobs: dict[str, str] = field(default_factory=dict)  # set id -> job id, from retries
    first_seen: dict[str, datetime] = field(default_factory=dict)  # key -> first seen active
    queued_seen: dict[str, datetime] = field(default_factory=dict)  # key -> first seen pending
    retrying: dict[str, RetryMark] = field(default_factory=dict)
    queued_by_retry: dict[str, datetime] = field(default_factory=dict)  # set id -> 202 time
    refused: dict[str, tuple[str, datetime]] = field(default_factory=dict)  # set id -> why, when
    cancelling: set[str] = field(default_factory=set)
    cancelled: dict[str, datetime] = field(default_factory=dict)
    durations: deque[tuple[Platform, float]] = field(default_factory=lambda: deque(maxlen=1000))
    finished: deque[Finished] = field(default_factory=lambda: deque(maxlen=5000))
    history: tuple[Finished, ...] = ()
    max_concurrency: int = 0

    # -- identities -------------------------------------------------------------------------
    def job_id_of(self, job: SyncJob) -> str | None:
        """The job id of a summary row: its own, or the one our retry learned (head, §3.4)."""
        return job_id_of(job, self.known_jobs)

    def listed_job_ids(self) -> set[str]:
        status = self.status or StatusSummary()
        return {j for j in map(self.job_id_of, (*status.active, *status.pending)) if j}

    def wanted_streams(self) -> dict[str, str]:
        """job id -> set id of every job that should have a stream consumer."""
        status = self.status or StatusSummary()
        want = {j: row.campaign_set_id for row in status.active if (j := self.job_id_of(row))}
        for mark in self.retrying.values():
            if mark.job_id:
                want[mark.job_id] = mark.set_id  # watch the job our retry created
        return {j: s for j, s in want.items() if j not in self.ended_at and j not in self.cancelled}

    def should_watch(self, job_id: str) -> bool:
        if job_id in self.cancelled:
            return False
        ours = {m.job_id for m in self.retrying.values()}
        return job_id in self.listed_job_ids() or job_id in ours

    # -- polls ------------------------------------------------------------------------------
    def absorb(
        self,
        status: StatusSummary,
        now: datetime,
        mono: float,
        watching: Collection[str],
        told: Told | None = None,
    ) -> None:
        """Fold a poll in; `watching` are the job ids that have a consumer right now, `told`
        how the queue's table says the jobs that left it ended."""
        previous = self.status
        self.status, self.polled_at = status, now
        self.max_concurrency = max(self.max_concurrency, len(status.active))
        for job in status.active:
            self.first_seen.setdefault(job.key, now)
            if job.job_id and job.progress.known:
                current = self.watched.get(job.job_id) or WatchedJob(job.job_id)
                self.watched[job.job_id] = fold_poll(current, job.progress, mono)
        pending_keys = {job.key for job in status.pending}
        self.queued_seen = {k: self.queued_seen.get(k, now) for k in pending_keys}
        if previous is not None:
            self._note_disappeared(previous, status, now, told or {})
        listed_sets = {j.campaign_set_id for j in (*status.pending, *status.active)}
        failed_sets = {j.campaign_set_id for j in status.failed}
        for set_id, mark in list(self.retrying.items()):
            confirmed = mark.job_id is not None and (
                set_id in listed_sets or set_id not in failed_sets
            )
            if confirmed or now - mark.sent_at > MARK_TIMEOUT:
                del self.retrying[set_id]
        self.queued_by_retry = {
            k: t for k, t in self.queued_by_retry.items() if now - t <= JUST_QUEUED
        }
        self.refused = {k: v for k, v in self.refused.items() if now - v[1] <= REFUSAL_SHOWN}
        keys = {j.key for j in (*status.active, *status.pending)}
        listed = keys | self.listed_job_ids()  # a head row's key is its set: its job id too
        for job_id, at in list(self.cancelled.items()):
            if job_id not in listed or now - at > MARK_TIMEOUT:
                del self.cancelled[job_id]
        self._forget(now, keys, listed_sets, watching)

    def _note_disappeared(
        self, previous: StatusSummary, status: StatusSummary, now: datetime, told: Told
    ) -> None:
        """Jobs that left the lists ended; time them unless their stream already did."""
        for ending in endings(previous, status, self.job_id_of, now, told, self.cancelled):
            job = ending.job
            first = self.first_seen.pop(job.key, None)
            if ending.job_id and ending.job_id in self.ended_at:
                continue  # recorded from its stream
            started, seen = (job.started_at, first) if ending.ran else (None, None)
            outcome, at = ending.outcome, ending.at
            self.record_finish(job.platform, outcome, started, seen, at, ending.job_id)

    def record_finish(
        self,
        platform: Platform,
        outcome: JobState,
        started: datetime | None,
        seen: datetime | None,
        now: datetime,
        job_id: str | None,
    ) -> None:
        """A job seen to finish. `started` is the backend's start time, `seen` when the monitor
        first saw it run: only a real duration feeds the queue estimates (head gives none)."""
        start = started or seen
        duration = (now - start).total_seconds() if start else None
        if started is not None and duration is not None and outcome is JobState.COMPLETED:
            self.durations.append((platform, duration))
        self.finished.append(Finished(now, platform, outcome, duration, job_id))

    def _forget(
        self, now: datetime, keys: set[str], listed_sets: set[str], watching: Collection[str]
    ) -> None:
        """Bounded memory: drop what finished a while ago and is no longer listed."""
        for job_id, ended in list(self.ended_at.items()):
            if now - ended > FORGET_AFTER and job_id not in keys:
                del self.ended_at[job_id]
                self.watched.pop(job_id, None)
        keep = (
            keys | set(watching) | set(self.ended_at) | {m.job_id for m in self.retrying.values()}
        )
        self.watched = {j: w for j, w in self.watched.items() if j in keep}
        # Ended ones were dropped as they ended; a job's key unlisted without an end, here.
        self.first_seen = {k: t for k, t in self.first_seen.items() if k in keys}
        # Head rows carry set ids (§3.4): the job id we learned stays while its set is listed.
        self.known_jobs = {
            s: j
            for s, j in self.known_jobs.items()
            if s in listed_sets or j in self.watched or s in self.retrying
        }

    # -- streams ----------------------------------------------------------------------------
    def apply_event(self, job_id: str, event: StreamEvent, mono: float, ids_seen: bool) -> None:
        current = apply(self.watched.get(job_id, WatchedJob(job_id)), event, mono)
        if ids_seen:
            current = replace(current, saw_event_ids=True)  # Last-Event-ID resume works
        self.watched[job_id] = current

    def watch(self, job_id: str) -> None:
        """A consumer starts for `job_id`: keep what is known of it, or start afresh."""
        self.watched.setdefault(job_id, WatchedJob(job_id))

    def set_stream(self, job_id: str, stream: StreamStatus, mono: float) -> None:
        current = self.watched.get(job_id, WatchedJob(job_id))
        opened = stream.kind is StreamKind.LIVE and current.stream.kind is not StreamKind.LIVE
        live_since = mono if opened else current.live_since
        self.watched[job_id] = replace(current, stream=stream, live_since=live_since)

    def end(self, job_id: str, outcome: StreamEnd, reason: str | None, now: datetime) -> None:
        """A consumer stopped for good; a final outcome is recorded once."""
        kind = StreamKind.FAILED if outcome is StreamEnd.DENIED else StreamKind.ENDED
        current = replace(
            self.watched.get(job_id, WatchedJob(job_id)), stream=StreamStatus(kind, reason=reason)
        )
        final = outcome.final_state
        if final is not None:
            current = replace(current, outcome=final)
            self.ended_at[job_id] = now
            status = self.status or StatusSummary()
            for job in status.active:
                if self.job_id_of(job) == job_id:
                    seen = self.first_seen.get(job.key)
                    self.record_finish(job.platform, final, job.started_at, seen, now, job_id)
                    break
        self.watched[job_id] = current

    # -- actions ----------------------------------------------------------------------------
    def mark_retry(self, set_id: str, now: datetime) -> None:
        """Show a failure as retrying at once, where the user clicked, until the service
        answers; then as queued (optimistic) until the poll lists it."""
        if set_id in self.retrying:
            return
        self.refused.pop(set_id, None)
        status = self.status or StatusSummary()
        failed = next((j for j in status.failed if j.campaign_set_id == set_id), None)
        self.retrying[set_id] = RetryMark(
            set_id,
            failed.campaign_set_name if failed else "",
            failed.platform if failed else Platform.OTHER,
            now,
        )

    def retry_pending(self, set_id: str) -> bool:
        """True while a retry of `set_id` is in flight or awaits the poll's confirmation."""
        return set_id in self.retrying

    def retry_queued(self, set_id: str, job_id: str, now: datetime) -> None:
        """The service queued the retry (202): the set moves to the queue, highlighted."""
        mark = self.retrying.get(set_id)
        if mark is not None:
            self.retrying[set_id] = replace(mark, job_id=job_id)
        self.queued_by_retry[set_id] = now
        self.known_jobs[set_id] = job_id
        self.watch(job_id)

    def retry_refused(self, set_id: str, reason: str, now: datetime) -> None:
        """The service refused: the failure is back as it was, with the reason."""
        self.retrying.pop(set_id, None)
        self.refused[set_id] = (reason, now)

    def mark_cancel(self, job_id: str) -> None:
        """Show a job as cancelling at once (optimistic), until the service answers."""
        self.cancelling.add(job_id)

    def cancel_refused(self, job_id: str) -> None:
        self.cancelling.discard(job_id)

    def cancel_pending(self, job_id: str) -> bool:
        """True while a cancel of `job_id` is in flight or awaits the poll's confirmation."""
        return job_id in self.cancelling or job_id in self.cancelled

    def cancel_done(self, job_id: str, now: datetime) -> None:
        self.cancelling.discard(job_id)
        self.cancelled[job_id] = now

    # -- the backend ------------------------------------------------------------------------
    def set_backend(self, backend: Backend) -> None:
        self.backend = backend

    def set_features(
        self, features: Features, durations: Collection[tuple[Platform, float]] = ()
    ) -> None:
        """The extensions found by probing, and job durations from the history listing that
        seed the queue estimates."""
        self.features = features
        self.durations.extend(durations)

    def set_history(self, outcomes: Collection[Finished]) -> None:
        """The backend's own outcomes of the last 24 h, where it lists history (ext, §3.6)."""
        self.history = tuple(outcomes)

    # -- reading ----------------------------------------------------------------------------
    def hub_state(
        self,
        *,
        now: datetime,
        mono: float,
        workers: int | None,
        stall_seconds: float,
        version: int,
    ) -> HubState:
        """A consistent copy for the snapshot builder."""
        return HubState(
            now=now,
            mono=mono,
            status=self.status,
            polled_at=self.polled_at,
            backend=self.backend,
            features=self.features,
            watched=dict(self.watched),
            known_jobs=dict(self.known_jobs),
            first_seen=dict(self.first_seen),
            queued_seen=dict(self.queued_seen),
            retrying=dict(self.retrying),
            queued_by_retry=frozenset(self.queued_by_retry),
            refused={set_id: why for set_id, (why, _) in self.refused.items()},
            cancelling=frozenset(self.cancelling),
            cancelled=frozenset(self.cancelled),
            durations=tuple(self.durations),
            finished=tuple(self.finished),
            history=self.history,
            max_concurrency=self.max_concurrency,
            workers=workers,
            stall_seconds=stall_seconds,
            version=version,
        )
