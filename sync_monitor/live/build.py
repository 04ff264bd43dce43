"""The pure function that builds the immutable snapshot the UI reads from the hub's state.

Pages never see the hub's mutable state: they get a `Snapshot` of frozen views (`snapshot.py`).
Building is pure (state in, snapshot out), so it is unit-tested and benchmarked on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sync_monitor.dotoro.models import Features, JobState, Platform, StatusSummary, SyncJob

from .estimates import DurationStats, estimate_queue, eta_seconds, infer_workers, rate_per_minute
from .jobstate import StreamKind, WatchedJob, is_stalled, shown_progress
from .snapshot import ActiveView, Backend, BackendKind, FailedView, Finished, PendingView, Snapshot

__all__ = [
    "ActiveView",
    "Backend",
    "BackendKind",
    "FailedView",
    "Finished",
    "HubState",
    "PendingView",
    "RetryMark",
    "Snapshot",
    "build",
    "job_id_of",
]


@dataclass(frozen=True)
class RetryMark:
    set_id: str
    name: str
    platform: Platform
    sent_at: datetime
    job_id: str | None = None


@dataclass(frozen=True)
class HubState:
    """A consistent copy of what the hub holds, taken under its lock."""

    now: datetime
    mono: float
    status: StatusSummary | None
    polled_at: datetime | None
    backend: Backend
    features: Features
    watched: dict[str, WatchedJob]
    known_jobs: dict[str, str]  # set id -> job id learned from our own retries
    first_seen: dict[str, datetime]  # key -> when first seen active (no startedAt today)
    queued_seen: dict[str, datetime]  # key -> when first seen pending (head: no queue time)
    retrying: dict[str, RetryMark]
    queued_by_retry: frozenset[str]  # set ids our retry queued a moment ago (highlighted)
    refused: dict[str, str]  # set id -> why the service refused its retry, a moment ago
    cancelling: frozenset[str]
    cancelled: frozenset[str]
    durations: tuple[tuple[Platform, float], ...]
    finished: tuple[Finished, ...]
    history: tuple[Finished, ...]  # the backend's own 24 h history, where it lists one
    max_concurrency: int
    workers: int | None
    stall_seconds: float
    version: int


def job_id_of(job: SyncJob, known_jobs: dict[str, str]) -> str | None:
    """The job id of a summary row: its own, or the one our retry's 202 taught us (a head-style
    row carries none, §3.4)."""
    return job.job_id or known_jobs.get(job.campaign_set_id)


def _active(state: HubState, job: SyncJob) -> ActiveView:
    key = job.key
    job_id = job_id_of(job, state.known_jobs)
    watched = state.watched.get(job_id) if job_id else None
    progress = shown_progress(watched, job.progress)
    started = job.started_at or state.first_seen.get(key)
    rate = rate_per_minute(watched.samples) if watched is not None and progress.known else None
    return ActiveView(
        key=key,
        job_id=job_id,
        set_id=job.campaign_set_id,
        name=job.campaign_set_name,
        platform=job.platform,
        progress=progress,
        started_at=started,
        elapsed_s=(state.now - started).total_seconds() if started else None,
        rate_per_min=rate,
        eta_s=eta_seconds(progress, rate),
        stalled=watched is not None and is_stalled(watched, state.mono, state.stall_seconds),
        stream=watched.stream if watched is not None else None,
        elapsed_at_least=job.started_at is None,
        cancelling=job_id in state.cancelling if job_id else False,
        tries=tries_of(job),
    )


def _outcomes(state: HubState) -> tuple[Finished, ...]:
    """The backend's history where it has one, plus what this process saw that it lacks."""
    known = {f.job_id for f in state.history if f.job_id}
    seen = tuple(f for f in state.finished if f.job_id is None or f.job_id not in known)
    return state.history + seen


def tries_of(job: SyncJob) -> tuple[int, int] | None:
    """(this try, tries allowed) from pg-boss's own counts; None where only the API speaks.
    pg-boss counts a retry when it fetches the job again, not when the try fails: a job waiting
    in `retry` with retry_count n runs try n + 2 next (tests/integration/test_pgboss_client.py)."""
    if job.retry_limit is None:
        return None
    upcoming = 1 if job.state is JobState.RETRY else 0
    return job.retry_count + 1 + upcoming, job.retry_limit + 1


def _held(job: SyncJob, now: datetime) -> datetime | None:
    """When a job held back by pg-boss's start_after may start, if that is still ahead."""
    return job.start_after if job.start_after is not None and job.start_after > now else None


def build(state: HubState) -> Snapshot:
    """The snapshot of `state`: active, pending in queue order with estimates, failed."""
    status = state.status or StatusSummary()
    gone = state.cancelled
    finished_ids = {k for k, v in state.watched.items() if v.outcome is not None}
    hidden = gone | finished_ids
    # `gone` holds job ids: match it against the resolved job id, not the key, which is the set
    # id for a head-style row (a cancelled job known only through our retry stayed visible).
    active = [
        _active(state, j)
        for j in status.active
        if j.key not in gone and (job_id_of(j, state.known_jobs) or "") not in hidden
    ]
    active.sort(key=lambda a: (a.started_at or state.now, a.key))  # stable: no reshuffling

    listed = {j.campaign_set_id for j in (*status.pending, *status.active)}
    pending_jobs = [
        j
        for j in status.pending
        if j.key not in gone and job_id_of(j, state.known_jobs) not in gone
    ]
    # A retry moves its failure to the queue once the service queued it (202), not before.
    optimistic = [
        m for m in state.retrying.values() if m.job_id is not None and m.set_id not in listed
    ]
    # A head-style row's createdAt is the campaign set's (§3.4), not when it was queued: such a
    # row counts from when the monitor first saw it pending, orders by that, and gets no
    # estimate (its inputs would be guesses).
    since_seen = [j.job_id is None for j in pending_jobs]
    rows: list[tuple[Platform, datetime]] = [
        (j.platform, state.queued_seen.get(j.key, state.now) if seen else j.created_at)
        for j, seen in zip(pending_jobs, since_seen, strict=True)
    ]
    rows += [(m.platform, m.sent_at) for m in optimistic]
    stats = DurationStats.from_samples(state.durations)
    workers = infer_workers(max(state.max_concurrency, len(active)), state.workers)
    remaining = [a.eta_s for a in active]
    pending: list[PendingView] = []
    ranks = [j.queue_rank for j in pending_jobs] + [None] * len(optimistic)
    for est in estimate_queue(rows, remaining, workers, stats, ranks):
        guessed = False
        if est.index < len(pending_jobs):
            j = pending_jobs[est.index]
            key, set_id, name = j.key, j.campaign_set_id, j.campaign_set_name
            job_id = job_id_of(j, state.known_jobs)
            is_optimistic, guessed = False, since_seen[est.index]
        else:
            m = optimistic[est.index - len(pending_jobs)]
            key, job_id, set_id, name, is_optimistic = m.set_id, m.job_id, m.set_id, m.name, True
        platform, created = rows[est.index]
        pending.append(
            PendingView(
                key=key,
                job_id=job_id,
                set_id=set_id,
                name=name,
                platform=platform,
                created_at=created,
                position=est.position,
                waiting_s=max(0.0, (state.now - created).total_seconds()),
                wait_low_s=None if guessed else est.wait_low,
                wait_high_s=None if guessed else est.wait_high,
                optimistic=is_optimistic,
                waiting_at_least=guessed,
                just_queued=set_id in state.queued_by_retry,
                cancelling=bool(job_id and job_id in state.cancelling),
                tries=tries_of(pending_jobs[est.index]) if est.index < len(pending_jobs) else None,
                not_before=_held(pending_jobs[est.index], state.now)
                if est.index < len(pending_jobs)
                else None,
            )
        )

    failed = [
        FailedView(
            key=j.key,
            job_id=j.job_id,
            set_id=j.campaign_set_id,
            name=j.campaign_set_name,
            platform=j.platform,
            error=j.error,
            failed_at=j.completed_at,
            retrying=j.campaign_set_id in state.retrying,
            refused=state.refused.get(j.campaign_set_id),
            tries=tries_of(j),
            stack=j.error_stack,
        )
        for j in status.failed
        if (mark := state.retrying.get(j.campaign_set_id)) is None or mark.job_id is None
    ]
    failed.sort(
        key=lambda f: (f.failed_at or datetime.min.replace(tzinfo=UTC), f.key), reverse=True
    )
    live_progress = any(j.progress.known for j in status.active) or any(
        v.progress is not None and v.progress.known for v in state.watched.values()
    )
    return Snapshot(
        taken_at=state.now,
        version=state.version,
        backend=state.backend,
        features=state.features,
        polled_at=state.polled_at,
        active=tuple(active),
        pending=tuple(pending),
        failed=tuple(failed),
        finished=_outcomes(state),
        workers=workers,
        live_progress=live_progress,
        event_ids=any(v.saw_event_ids for v in state.watched.values()),
        malformed_events=sum(v.malformed for v in state.watched.values()),
        unknown_events=sum(v.unknown for v in state.watched.values()),
        loaded=state.status is not None,
        stall_seconds=state.stall_seconds,
        streams_wanted=sum(1 for a in active if a.stream is not None),
        streams_live=sum(1 for a in active if a.stream and a.stream.kind is StreamKind.LIVE),
        streams_waiting=sum(1 for a in active if a.stream and a.stream.kind is StreamKind.WAITING),
    )
