"""The pure function that builds the snapshot the pages read from what the tracker knows.

Pages never see the tracker: they get a `Snapshot` of frozen views (`snapshot.py`). Building is
pure (a frozen `Known` and a `Moment` in, a snapshot out), so it is unit-tested and benchmarked
on its own, and runs outside the live state's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sync_monitor.dotoro.models import JobState, Platform, StatusSummary, SyncJob

from .estimates import DurationStats, estimate_queue, eta_seconds, infer_workers, rate_per_minute
from .jobstate import StreamKind, is_stalled, shown_progress
from .records import Known
from .snapshot import ActiveView, FailedView, Finished, Owner, PendingView, Snapshot

WAITED_GRACE = timedelta(seconds=10)  # waiting this long through polls: no worker is free


@dataclass(frozen=True)
class Moment:
    """When a snapshot is taken and how it is read: beside what is known, all `build` needs."""

    now: datetime
    mono: float  # the monotonic clock, which stream timings use
    version: int  # the live state's version the snapshot shows
    workers: int | None = None  # from the settings; else inferred from what ran at once
    stall_seconds: float = 60.0  # a sync with no progress for this long is flagged
    silent_after: float = 30.0  # no poll finished for this long: the figures are stale


def _frozen_at(known: Known, at: Moment) -> datetime | None:
    """When the figures stopped being live, their times stop, at the moment they stopped: when
    the backend became stale, or when no poll had finished for `silent_after`. (Not back at the
    last poll: a running time shown a moment ago would go back.)"""
    polled = known.polled_at
    if polled is None:
        return None
    if known.backend.stale:
        since = known.backend.stale_since
        return max(polled, since) if since is not None else polled
    silent_from = polled + timedelta(seconds=at.silent_after)
    return silent_from if at.now > silent_from else None


def _active(known: Known, at: Moment, job: SyncJob, frozen_at: datetime | None) -> ActiveView:
    job_id = known.job_id_of(job)
    record = known.job(job)
    watched = record.watched
    progress = shown_progress(watched, job.progress)
    started = job.started_at or record.running_since
    rate = rate_per_minute(watched.samples) if watched is not None and progress.known else None
    return ActiveView(
        key=job.key,
        job_id=job_id,
        set_id=job.campaign_set_id,
        name=job.campaign_set_name,
        platform=job.platform,
        progress=progress,
        started_at=started,
        elapsed_s=max(0.0, ((frozen_at or at.now) - started).total_seconds()) if started else None,
        rate_per_min=rate,
        eta_s=eta_seconds(progress, rate),
        # Stale, nothing can be said of progress: the outage stops every stream, not the sync.
        stalled=frozen_at is None
        and watched is not None
        and is_stalled(watched, at.mono, at.stall_seconds),
        stream=watched.stream if watched is not None else None,
        elapsed_at_least=job.started_at is None,
        cancelling=record.cancelling,
        tries=tries_of(job),
    )


def _outcomes(known: Known) -> tuple[Finished, ...]:
    """The backend's history where it has one, plus what this process saw that it lacks."""
    listed = {f.job_id for f in known.history if f.job_id}
    seen = tuple(f for f in known.finished if f.job_id is None or f.job_id not in listed)
    return known.history + seen


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


def _waited_through_a_poll(known: Known, pending: list[SyncJob], now: datetime) -> bool:
    """Some job not held back (start_after) was already waiting at a poll WAITED_GRACE or more
    before the last (a worker fetches new jobs every few seconds, not at once)."""
    polled = known.polled_at
    return polled is not None and any(
        (since := known.job(j).waiting_since) is not None
        and polled - since >= WAITED_GRACE
        and _held(j, now) is None
        for j in pending
    )


def build(known: Known, at: Moment) -> Snapshot:
    """The snapshot of `known` at `at`: active, pending in queue order with estimates, failed."""
    status = known.status or StatusSummary()
    frozen_at = _frozen_at(known, at)
    as_of = frozen_at or at.now
    # A job whose cancel the service confirmed, or whose stream ended, is gone at once, though a
    # poll may list it a moment more. A head-style row's job is found through our retry (§3.4).
    active = [_active(known, at, j, frozen_at) for j in status.active if not known.job(j).hidden]
    active.sort(key=lambda a: (a.started_at or at.now, a.key))  # stable: no reshuffling

    listed = {j.campaign_set_id for j in (*status.pending, *status.active)}
    pending_jobs = [j for j in status.pending if known.job(j).cancelled_at is None]
    # A retry moves its failure to the queue once the service queued it (202), not before.
    retries = known.retries()
    optimistic = [m for m in retries.values() if m.job_id is not None and m.set_id not in listed]
    # A head-style row's createdAt is the campaign set's (§3.4), not when it was queued: such a
    # row counts from when the monitor first saw it pending, orders by that, and gets no
    # estimate (its inputs would be guesses).
    since_seen = [j.job_id is None for j in pending_jobs]
    rows: list[tuple[Platform, datetime]] = [
        (j.platform, (known.job(j).waiting_since or at.now) if seen else j.created_at)
        for j, seen in zip(pending_jobs, since_seen, strict=True)
    ]
    rows += [(m.platform, m.sent_at) for m in optimistic]
    stats = DurationStats.from_samples(known.durations)
    seen_running = max((n for _, n in known.concurrency), default=0)
    workers = infer_workers(max(seen_running, len(active)), at.workers)
    if _waited_through_a_poll(known, pending_jobs, at.now):
        # A job waiting since an earlier poll would have been taken by a free worker: every
        # worker is busy, whatever was seen or configured ("starts now" only when one is free).
        # Every listed run counts, shown or not (one whose stream just ended may hold it still).
        workers = max(1, len(status.active))
    remaining = [a.eta_s for a in active]
    pending: list[PendingView] = []
    ranks = [j.queue_rank for j in pending_jobs] + [None] * len(optimistic)
    requeued = {s for s, r in known.sets.items() if r.requeued_at is not None}
    for est in estimate_queue(rows, remaining, workers, stats, ranks):
        listed_job = pending_jobs[est.index] if est.index < len(pending_jobs) else None
        if listed_job is not None:
            j = listed_job
            key, set_id, name = j.key, j.campaign_set_id, j.campaign_set_name
            job_id, cancelling = known.job_id_of(j), known.job(j).cancelling
            is_optimistic, guessed = False, since_seen[est.index]
        else:
            m = optimistic[est.index - len(pending_jobs)]
            key, job_id, set_id, name, is_optimistic = m.set_id, m.job_id, m.set_id, m.name, True
            cancelling, guessed = False, False
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
                waiting_s=max(0.0, (as_of - created).total_seconds()),
                wait_low_s=None if guessed else est.wait_low,
                wait_high_s=None if guessed else est.wait_high,
                optimistic=is_optimistic,
                waiting_at_least=guessed,
                just_queued=set_id in requeued,
                cancelling=cancelling,
                tries=tries_of(listed_job) if listed_job is not None else None,
                not_before=_held(listed_job, at.now) if listed_job is not None else None,
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
            retrying=j.campaign_set_id in retries,
            refused=record.refused if (record := known.sets.get(j.campaign_set_id)) else None,
            tries=tries_of(j),
            stack=j.error_stack,
        )
        for j in status.failed
        if (mark := retries.get(j.campaign_set_id)) is None or mark.job_id is None
    ]
    failed.sort(
        key=lambda f: (f.failed_at or datetime.min.replace(tzinfo=UTC), f.key), reverse=True
    )
    watched = known.watched().values()
    live_progress = any(j.progress.known for j in status.active) or any(
        v.progress is not None and v.progress.known for v in watched
    )
    return Snapshot(
        taken_at=at.now,
        version=at.version,
        backend=known.backend,
        features=known.features,
        polled_at=known.polled_at,
        active=tuple(active),
        pending=tuple(pending),
        failed=tuple(failed),
        finished=_outcomes(known),
        workers=workers,
        live_progress=live_progress,
        event_ids=any(v.saw_event_ids for v in watched),
        malformed_events=sum(v.malformed for v in watched),
        unknown_events=sum(v.unknown for v in watched),
        loaded=known.status is not None,
        stall_seconds=at.stall_seconds,
        streams_wanted=sum(1 for a in active if a.stream is not None),
        streams_live=sum(1 for a in active if a.stream and a.stream.kind is StreamKind.LIVE),
        streams_waiting=sum(1 for a in active if a.stream and a.stream.kind is StreamKind.WAITING),
        frozen_at=frozen_at,
        owners=_owners(status),
    )


def _owners(status: StatusSummary) -> tuple[Owner, ...]:
    """Whose each listed set is, where the backend said (pg-boss's job data; the bundled API's
    plan contract): the history keeps it for the clients page."""
    found = {
        j.campaign_set_id: Owner(j.campaign_set_id, j.team_id, j.ad_account_id)
        for j in (*status.active, *status.pending, *status.failed)
        if j.team_id or j.ad_account_id
    }
    return tuple(found[k] for k in sorted(found))
