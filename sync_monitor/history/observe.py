"""From the hub's snapshots to attempts (pure): which sets wait, run and fail now, and which
attempts ended since the snapshot before.

Against the service as deployed there are no job ids (dotoro-api.md §3.4): an attempt is then
one run of a set as the polls saw it, from queued (or first seen) until it leaves the lists. A
set that leaves the active list and is not in the failed list completed. What happens between
two polls is not seen: a set that is queued, runs and completes within one poll interval is
missed, and a pg-boss retry inside one job is not a new attempt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sync_monitor.dotoro.models import Platform
from sync_monitor.live.snapshot import ActiveView, BackendKind, FailedView, PendingView, Snapshot

from .attempt import ENDED, Attempt, Outcome, job_key, set_key

Lookup = Callable[[Iterable[str]], dict[str, Attempt]]  # the latest recorded attempt per set


class Observer:
    """Keeps each set's open attempt; `observe` returns the attempts that changed."""

    def __init__(self, open_attempts: Iterable[Attempt], lookup: Lookup) -> None:
        self.open: dict[str, Attempt] = {a.set_id: a for a in open_attempts}
        # Attempts picked up from the store after a restart and not seen since: if they have
        # ended, when is not known (the downtime is not their run time).
        self._restored = {a.key for a in self.open.values()}
        self._lookup = lookup
        self._polled_at: datetime | None = None

    def observe(self, snap: Snapshot) -> list[Attempt]:
        """The attempts `snap` tells something new about. Only a fresh answer from the backend
        counts: a snapshot kept through an outage ends nothing."""
        fresh = (
            snap.loaded
            and snap.polled_at is not None
            and snap.polled_at != self._polled_at
            and snap.backend.kind is BackendKind.LIVE
        )
        if not fresh:
            return []
        self._polled_at = snap.polled_at
        now = snap.polled_at or snap.taken_at
        changed: dict[str, Attempt] = {}
        listed: set[str] = set()
        for pending in snap.pending:
            if not pending.optimistic:
                listed.add(pending.set_id)
                self._keep(changed, self._queued(pending, now))
        for active in snap.active:
            listed.add(active.set_id)
            self._keep(changed, self._active(active, now, snap))
        unknown = [f.set_id for f in snap.failed if f.set_id not in self.open]
        latest = self._lookup(unknown) if unknown else {}
        for failure in snap.failed:
            ended = self._failed(failure, now, latest.get(failure.set_id))
            if ended is not None:
                listed.add(failure.set_id)
                self._keep(changed, ended)
        for set_id, attempt in list(self.open.items()):
            if set_id not in listed:  # left the lists: it ended, and did not fail
                del self.open[set_id]
                ended = _ended(attempt, now, snap)
                if attempt.key in self._restored:  # it ended while the monitor was away
                    ended = replace(ended, finished_at=attempt.finished_at)
                    self._restored.discard(attempt.key)
                changed[attempt.key] = ended
        return list(changed.values())

    def _keep(self, changed: dict[str, Attempt], attempt: Attempt) -> None:
        self._restored.discard(attempt.key)
        if attempt.state.final:
            self.open.pop(attempt.set_id, None)
        else:
            self.open[attempt.set_id] = attempt
        changed[attempt.key] = attempt

    def _current(self, set_id: str, job_id: str | None, now: datetime) -> Attempt | None:
        """The set's open attempt, unless it belongs to another job (which then ended)."""
        current = self.open.get(set_id)
        if current and job_id and current.job_id and current.job_id != job_id:
            return None
        return current

    def _queued(self, item: PendingView, now: datetime) -> Attempt:
        current = self._current(item.set_id, item.job_id, now)
        # Without a queue time from the backend, the wait counts from first sight.
        queued = (
            now - timedelta(seconds=item.waiting_s) if item.waiting_at_least else item.created_at
        )
        base = current or _new(item.set_id, item.job_id, item.name, item.platform, queued)
        return replace(
            base,
            set_name=item.name,
            platform=item.platform,
            job_id=base.job_id or item.job_id,
            state=Outcome.QUEUED if base.state is Outcome.QUEUED else base.state,
            queued_at=base.queued_at or queued,
        )

    def _active(self, item: ActiveView, now: datetime, snap: Snapshot) -> Attempt:
        current = self._current(item.set_id, item.job_id, now)
        started = item.started_at or (None if current else now)
        base = current or _new(item.set_id, item.job_id, item.name, item.platform, started or now)
        progress = item.progress
        return replace(
            base,
            set_name=item.name,
            platform=item.platform,
            job_id=base.job_id or item.job_id,
            state=Outcome.ACTIVE,
            started_at=base.started_at or started or now,
            synced=progress.done if progress.known else base.synced,
            failed=progress.failed if progress.known else base.failed,
            total=progress.total if progress.known else base.total,
        )

    def _failed(self, item: FailedView, now: datetime, latest: Attempt | None) -> Attempt | None:
        current = self.open.get(item.set_id)
        finished = item.failed_at or now
        if current is None:
            # A failure the monitor did not see start (it failed before the monitor ran, or
            # between two polls): new, unless the history already holds it.
            if latest is not None and latest.state is Outcome.FAILED:
                same_job = latest.job_id is not None and latest.job_id == item.job_id
                if same_job or latest.error == item.error:
                    return None
            current = _new(item.set_id, item.job_id, item.name, item.platform, finished)
        return replace(
            current,
            set_name=item.name,
            platform=item.platform,
            job_id=current.job_id or item.job_id,
            state=Outcome.FAILED,
            finished_at=current.finished_at or finished,
            error=item.error,
        )


def _new(
    set_id: str, job_id: str | None, name: str, platform: Platform, began: datetime
) -> Attempt:
    key = job_key(job_id) if job_id else set_key(set_id, began)
    return Attempt(
        key=key,
        set_id=set_id,
        set_name=name,
        platform=platform,
        state=Outcome.QUEUED,
        at=began,
        job_id=job_id,
    )


def _ended(attempt: Attempt, now: datetime, snap: Snapshot) -> Attempt:
    """An attempt that left the lists: its outcome from the job's stream where it was followed
    (cancelled, completed), else completed."""
    outcome = Outcome.COMPLETED
    finished = now
    for done in snap.finished:
        if attempt.job_id and done.job_id == attempt.job_id:
            outcome = ENDED.get(done.outcome, Outcome.COMPLETED)
            finished = done.at
    return replace(attempt, state=outcome, finished_at=attempt.finished_at or finished)
