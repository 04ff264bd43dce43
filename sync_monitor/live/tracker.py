"""How polls, stream events and actions change what the monitor knows of jobs.

No threads, locks or I/O: the live state calls these methods under its lock, and nothing else
changes the tracker. Each change swaps in a new frozen `Known` (records.py), so a reader that
took the last one keeps a consistent view without copying anything.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from sync_monitor.dotoro.events import StreamEvent
from sync_monitor.dotoro.models import Features, JobState, Platform, StatusSummary

from .endings import Told, endings
from .jobstate import StreamEnd, StreamKind, StreamStatus, WatchedJob, apply, fold_poll
from .records import (
    DURATIONS_KEPT,
    FINISHED_KEPT,
    WORKERS_WINDOW,
    JobRecord,
    Known,
    RetryMark,
    SetRecord,
)
from .snapshot import Backend, Finished

Record = TypeVar("Record", JobRecord, SetRecord)


class Tracker:
    def __init__(self, known: Known | None = None) -> None:
        self.known = known or Known()

    # -- records ----------------------------------------------------------------------------
    def _job(self, key: str) -> JobRecord:
        return self.known.jobs.get(key, JobRecord())

    def _put_job(self, key: str, record: JobRecord) -> None:
        self.known = replace(self.known, jobs=_put(self.known.jobs, key, record))

    def _set(self, set_id: str) -> SetRecord:
        return self.known.sets.get(set_id, SetRecord())

    def _put_set(self, set_id: str, record: SetRecord) -> None:
        self.known = replace(self.known, sets=_put(self.known.sets, set_id, record))

    # -- identities -------------------------------------------------------------------------
    def listed_job_ids(self) -> set[str]:
        status = self.known.status or StatusSummary()
        return {j for j in map(self.known.job_id_of, (*status.active, *status.pending)) if j}

    def wanted_streams(self) -> dict[str, str]:
        """job id -> set id of every job that should have a stream consumer."""
        status = self.known.status or StatusSummary()
        want = {j: row.campaign_set_id for row in status.active if (j := self.known.job_id_of(row))}
        for mark in self.known.retries().values():
            if mark.job_id:
                want[mark.job_id] = mark.set_id  # watch the job our retry created
        return {
            j: s
            for j, s in want.items()
            if (record := self._job(j)).ended_at is None and record.cancelled_at is None
        }

    def should_watch(self, job_id: str) -> bool:
        if self._job(job_id).cancelled_at is not None:
            return False
        ours = {m.job_id for m in self.known.retries().values()}
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
        previous = self.known.status
        if previous is not None:
            self._note_disappeared(previous, status, now, told or {})
        known = self.known
        listed_sets = {j.campaign_set_id for j in (*status.pending, *status.active)}
        failed_sets = {j.campaign_set_id for j in status.failed}
        sets = {s: r.aged(now, s in listed_sets, s in failed_sets) for s, r in known.sets.items()}
        running = {known.identity(j) for j in status.active}
        waiting = {known.identity(j) for j in status.pending}
        named = {j.key for j in (*status.active, *status.pending)}  # the service's own keys
        retried = {r.retry.job_id for r in sets.values() if r.retry and r.retry.job_id}
        jobs: dict[str, JobRecord] = {}
        for key in {*known.jobs, *running, *waiting}:
            record = known.jobs.get(key, JobRecord())
            followed = key in retried or key in watching
            jobs[key] = record.aged(now, key in running, key in waiting, key in named, followed)
        for row in status.active:
            key = known.identity(row)
            record = jobs[key]
            if row.job_id and row.progress.known:
                watched = fold_poll(record.watched or WatchedJob(row.job_id), row.progress, mono)
                record = replace(record, watched=watched)
            if record.running_since is None:
                record = replace(record, running_since=now)
            jobs[key] = record
        for row in status.pending:
            key = known.identity(row)
            if jobs[key].waiting_since is None:
                jobs[key] = replace(jobs[key], waiting_since=now)
        # Head rows carry set ids (§3.4): the job id we learned stays while its set is listed.
        sets = {
            s: r
            if r.retried_job is None
            or s in listed_sets
            or r.retry is not None
            or (r.retried_job in jobs and jobs[r.retried_job].watched is not None)
            else replace(r, retried_job=None)
            for s, r in sets.items()
        }
        self.known = replace(
            known,
            status=status,
            polled_at=now,
            concurrency=(
                *((t, n) for t, n in known.concurrency if now - t <= WORKERS_WINDOW),
                (now, len(status.active)),
            ),
            jobs={k: r for k, r in jobs.items() if not r.empty},
            sets={s: r for s, r in sets.items() if not r.empty},
        )

    def _note_disappeared(
        self, previous: StatusSummary, status: StatusSummary, now: datetime, told: Told
    ) -> None:
        """Jobs that left the lists ended; time them unless their stream already did."""
        known = self.known
        for ending in endings(previous, status, known.job_id_of, now, told, known.cancelled()):
            job = ending.job
            key = known.identity(job)
            record = self._job(key)
            self._put_job(key, replace(record, running_since=None))
            if ending.job_id and self._job(ending.job_id).ended_at is not None:
                continue  # recorded from its stream
            started, seen = (job.started_at, record.running_since) if ending.ran else (None, None)
            self._record_finish(
                job.platform, ending.outcome, started, seen, ending.at, ending.job_id
            )

    def _record_finish(
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
            self._add_durations([(platform, duration)])
        finished = (*self.known.finished, Finished(now, platform, outcome, duration, job_id))
        self.known = replace(self.known, finished=finished[-FINISHED_KEPT:])

    def _add_durations(self, durations: Iterable[tuple[Platform, float]]) -> None:
        kept = (*self.known.durations, *durations)[-DURATIONS_KEPT:]
        self.known = replace(self.known, durations=kept)

    # -- streams ----------------------------------------------------------------------------
    def apply_event(self, job_id: str, event: StreamEvent, mono: float, ids_seen: bool) -> None:
        record = self._job(job_id)
        current = apply(record.watched or WatchedJob(job_id), event, mono)
        if ids_seen:
            current = replace(current, saw_event_ids=True)  # Last-Event-ID resume works
        self._put_job(job_id, replace(record, watched=current))

    def watch(self, job_id: str) -> None:
        """A consumer starts for `job_id`: keep what is known of it, or start afresh."""
        record = self._job(job_id)
        if record.watched is None:
            self._put_job(job_id, replace(record, watched=WatchedJob(job_id)))

    def set_stream(self, job_id: str, stream: StreamStatus, mono: float) -> None:
        record = self._job(job_id)
        current = record.watched or WatchedJob(job_id)
        opened = stream.kind is StreamKind.LIVE and current.stream.kind is not StreamKind.LIVE
        live_since = mono if opened else current.live_since
        current = replace(current, stream=stream, live_since=live_since)
        self._put_job(job_id, replace(record, watched=current))

    def end(self, job_id: str, outcome: StreamEnd, reason: str | None, now: datetime) -> None:
        """A consumer stopped for good; a final outcome is recorded once."""
        kind = StreamKind.FAILED if outcome is StreamEnd.DENIED else StreamKind.ENDED
        record = self._job(job_id)
        current = replace(
            record.watched or WatchedJob(job_id), stream=StreamStatus(kind, reason=reason)
        )
        final = outcome.final_state
        ended_at = record.ended_at
        if final is not None:
            current, ended_at = replace(current, outcome=final), now
            status = self.known.status or StatusSummary()
            for job in status.active:
                if self.known.job_id_of(job) == job_id:
                    seen = self.known.job(job).running_since
                    self._record_finish(job.platform, final, job.started_at, seen, now, job_id)
                    break
        self._put_job(job_id, replace(record, watched=current, ended_at=ended_at))

    # -- actions ----------------------------------------------------------------------------
    def mark_retry(self, set_id: str, now: datetime) -> None:
        """Show a failure as retrying at once, where the user clicked, until the service
        answers; then as queued (optimistic) until the poll lists it."""
        record = self._set(set_id)
        if record.retry is not None:
            return
        status = self.known.status or StatusSummary()
        failed = next((j for j in status.failed if j.campaign_set_id == set_id), None)
        mark = RetryMark(
            set_id,
            failed.campaign_set_name if failed else "",
            failed.platform if failed else Platform.OTHER,
            now,
        )
        self._put_set(set_id, replace(record, retry=mark, refused=None, refused_at=None))

    def retry_pending(self, set_id: str) -> bool:
        """True while a retry of `set_id` is in flight or awaits the poll's confirmation."""
        return self._set(set_id).retry is not None

    def retry_queued(self, set_id: str, job_id: str, now: datetime) -> None:
        """The service queued the retry (202): the set moves to the queue, highlighted."""
        record = self._set(set_id)
        mark = record.retry and replace(record.retry, job_id=job_id)
        self._put_set(set_id, replace(record, retry=mark, requeued_at=now, retried_job=job_id))
        # A listed head row of this set is now known by this job id (§3.4): its times go along.
        before = self._job(set_id)
        if before.running_since is not None or before.waiting_since is not None:
            self._put_job(job_id, self._job(job_id).with_times_of(before))
            self._put_job(set_id, replace(before, running_since=None, waiting_since=None))
        self.watch(job_id)

    def retry_refused(self, set_id: str, reason: str, now: datetime) -> None:
        """The service refused: the failure is back as it was, with the reason."""
        self._put_set(
            set_id, replace(self._set(set_id), retry=None, refused=reason, refused_at=now)
        )

    def mark_cancel(self, job_id: str) -> None:
        """Show a job as cancelling at once (optimistic), until the service answers."""
        self._put_job(job_id, replace(self._job(job_id), cancelling=True))

    def cancel_refused(self, job_id: str) -> None:
        self._put_job(job_id, replace(self._job(job_id), cancelling=False))

    def cancel_pending(self, job_id: str) -> bool:
        """True while a cancel of `job_id` is in flight or awaits the poll's confirmation."""
        record = self._job(job_id)
        return record.cancelling or record.cancelled_at is not None

    def cancel_done(self, job_id: str, now: datetime) -> None:
        self._put_job(job_id, replace(self._job(job_id), cancelling=False, cancelled_at=now))

    # -- the backend ------------------------------------------------------------------------
    def set_backend(self, backend: Backend) -> None:
        back = self.known.backend.stale and not backend.stale
        # A backend back from an outage may have restarted with another number of workers.
        concurrency = () if back else self.known.concurrency
        self.known = replace(self.known, backend=backend, concurrency=concurrency)

    def set_features(
        self, features: Features, durations: Collection[tuple[Platform, float]] = ()
    ) -> None:
        """The extensions found by probing, and job durations from the history listing that
        seed the queue estimates."""
        self.known = replace(self.known, features=features)
        self._add_durations(durations)

    def set_history(self, outcomes: Collection[Finished]) -> None:
        """The backend's own outcomes of the last 24 h, where it lists history (ext, §3.6)."""
        self.known = replace(self.known, history=tuple(outcomes))


def _put(records: Mapping[str, Record], key: str, record: Record) -> dict[str, Record]:
    """A new map with `record` under `key`: a record with nothing in it is dropped whole."""
    changed = dict(records)
    if record.empty:
        changed.pop(key, None)
    else:
        changed[key] = record
    return changed
