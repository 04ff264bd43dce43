"""A group retry's progress as the page reads it, and the rule that stops one (issue 23). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sync_monitor.dotoro.models import JobState
from sync_monitor.live.snapshot import Snapshot

from .plan import Item, Plan

STOP_AFTER = 3  # syncs that failed again before the batch may judge that retrying does not help


class BatchState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    STOPPED = "stopped"  # by itself: most retried syncs failed again
    DONE = "done"  # every set of the plan was retried (or found not failed any more)


@dataclass(frozen=True)
class Answer:
    """The service's answer to one retry (as live/actions.py ActionResult has it)."""

    ok: bool
    message: str
    job_id: str | None = None


@dataclass(frozen=True)
class Sent:
    """A set of the plan, as the batch left it."""

    item: Item
    at: datetime
    result: Answer | None  # None: not sent (no longer failed when its turn came)


@dataclass(frozen=True)
class Outcomes:
    failed_again: int
    succeeded: int


@dataclass(frozen=True)
class BatchView:
    """What the page shows of a batch: immutable, read from any thread."""

    id: str
    plan: Plan
    by: str
    started_at: datetime
    state: BatchState
    sent: tuple[Sent, ...]
    why: str | None = None  # why it stopped by itself
    next_at: datetime | None = None  # when the next POST goes, while running
    held: str | None = None  # what holds it back, while the service cannot be reached

    @property
    def posted(self) -> int:
        return sum(1 for s in self.sent if s.result is not None)

    @property
    def left(self) -> int:
        return len(self.plan.items) - len(self.sent)

    @property
    def active(self) -> bool:
        return self.state in (BatchState.RUNNING, BatchState.PAUSED)


def outcomes(sent: tuple[Sent, ...], snap: Snapshot) -> Outcomes:
    """How the retried syncs ended, as far as `snap` knows: a retried job listed as failed (or a
    set failed again after its retry was sent), or seen to complete."""
    jobs = {s.result.job_id: s for s in sent if s.result and s.result.ok and s.result.job_id}
    sets = {s.item.set_id: s for s in sent if s.result and s.result.ok}
    failed: set[str] = set()
    for f in snap.failed:
        by_set = sets.get(f.set_id)
        if f.job_id in jobs or (by_set and f.failed_at and f.failed_at > by_set.at):
            failed.add(f.set_id)
    done = {e.job_id for e in snap.finished if e.outcome is JobState.COMPLETED}
    for e in snap.finished:
        if e.outcome is JobState.FAILED and e.job_id in jobs:
            failed.add(jobs[e.job_id].item.set_id)
    succeeded = {s.item.set_id for j, s in jobs.items() if j in done} - failed
    return Outcomes(len(failed), len(succeeded))


def should_stop(found: Outcomes) -> bool:
    """Most of the retried syncs whose end is known failed again (and enough to tell)."""
    return found.failed_again >= STOP_AFTER and found.failed_again > found.succeeded
