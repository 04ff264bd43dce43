"""Jobs' attempts, run as pg-boss workers run them (dotoro-api.md §4).

One campaign at a time; a campaign may be rejected (the job goes on); an attempt may throw
(pg-boss moves the job to `retry`, picked up again at once, until the retry limit) or run past
the expiry timeout. What the worker does is recorded on the job row and published as events;
which of those a stream shows is the stream's business (§3.2).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import payloads, workload
from .config import Contract, ServerConfig
from .rows import QUEUED_STATES, Job
from .store import Store

Publish = Callable[[str, str, dict[str, Any]], None]  # (job id, event type, event data)


@dataclass
class Attempt:
    """A running attempt of a job (in memory; the job row holds what survives a restart)."""

    job_id: str
    set_id: str
    platform: str
    total: int
    behaviour: dict[str, Any]
    started: float
    next_at: float
    fail_at: int | None = None
    fail_message: str = ""
    done: int = 0
    synced: int = 0
    failed: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)


def settle_set(store: Store, set_id: str, status: str, now: float) -> None:
    """Give a set `status` after one of its jobs ended, unless another job of it is live."""
    live = store.live_jobs_of_set(set_id)
    if any(j.state == "active" for j in live):
        status = "syncing"
    elif live:
        status = "pending"
    store.set_status(set_id, status, now)


class AttemptRunner:
    """The workers: start queued jobs while one is free, and move every running attempt on."""

    def __init__(
        self, store: Store, config: ServerConfig, rng: random.Random, publish: Publish
    ) -> None:
        self.store = store
        self.config = config
        self.rng = rng
        self.publish = publish
        self.running: dict[str, Attempt] = {}

    def start_queued(self, now: float) -> None:
        """Start the oldest queued jobs on the free workers (`config.workers` may change)."""
        free = self.config.workers - len(self.running)
        if free <= 0:
            return
        for job in self.store.jobs_in_states(QUEUED_STATES)[:free]:
            self._start(job, max(now, job.created_on))

    def advance(self, now: float) -> None:
        """Run every attempt up to `now`: campaigns pushed, then completion or failure."""
        for attempt in list(self.running.values()):
            self._advance(attempt, now)

    def stop(self, job_id: str) -> None:
        """Drop the job's running attempt, if any (cancel): it pushes nothing more."""
        self.running.pop(job_id, None)

    def _start(self, job: Job, now: float) -> None:
        cs = self.store.get_set(job.set_id)
        behaviour = dict(cs.behaviour) if cs else {}
        total = int(behaviour.get("campaigns", 10))
        attempt = Attempt(
            job.id,
            job.set_id,
            job.platform,
            total,
            behaviour,
            now,
            next_at=now + self._campaign_seconds(behaviour, job.platform),
        )
        # pg-boss counts a retry when it fetches the job again (its fetch SQL), not when a try
        # fails: tries before this one.
        retries = job.retry_count + (1 if job.started_on is not None else 0)
        scripted = int(behaviour.get("fail_attempts", 0))
        if retries < scripted:
            attempt.fail_at = int(behaviour.get("fail_after", total // 2))
            attempt.fail_message = str(behaviour.get("fail_message", "Sync failed"))
        elif behaviour.get("random", True):
            mode = workload.job_failure(
                self.rng, job.platform, behaviour, retries, self.config.failure_rate
            )
            if mode is not None:
                attempt.fail_at = self.rng.randint(0, max(0, total - 1))
                attempt.fail_message = mode.message
        self.running[job.id] = attempt
        self.store.update_job(
            job.id,
            state="active",
            started_on=now,
            retry_count=retries,
            synced=0,
            failed=0,
            total=total,
            errors=[],
        )
        self.store.set_status(job.set_id, "syncing", now)
        # The service's handler reports an attempt's start with zero counts (§3.2); the plan
        # contract knows the total up front.
        shown_total = total if self.config.contract is Contract.PLAN else 0
        self.publish(job.id, "progress", payloads.counts(0, 0, shown_total))

    def _campaign_seconds(self, behaviour: dict[str, Any], platform: str) -> float:
        fixed = behaviour.get("seconds_per_campaign")
        if fixed is not None:
            return float(fixed)
        return workload.campaign_seconds(self.rng, platform, self.config.speed)

    def _advance(self, a: Attempt, now: float) -> None:
        if now - a.started > self.config.job_timeout_seconds:
            limit = f"{self.config.job_timeout_seconds:g}"
            self._fail(a, f"handler execution exceeded {limit}s", now)
            return
        while a.job_id in self.running and a.next_at <= now:
            if a.fail_at is not None and a.done >= a.fail_at:
                self._fail(a, a.fail_message, a.next_at)
                return
            if a.done >= a.total:
                self._complete(a, a.next_at)
                return
            self._push_campaign(a)
            a.next_at += self._campaign_seconds(a.behaviour, a.platform)

    def _push_campaign(self, a: Attempt) -> None:
        index = a.done
        campaign_id = f"{a.job_id[:8]}-c{index:04d}"
        failure: str | None = None
        if index in a.behaviour.get("fail_campaigns", ()):
            failure = str(a.behaviour.get("campaign_error", "Campaign rejected"))
        elif a.behaviour.get("random", True):
            mode = workload.campaign_failure(self.rng, a.platform, self.config.failure_rate)
            failure = mode.message if mode else None
        a.done += 1
        if failure is None:
            a.synced += 1
        else:
            a.failed += 1
            a.errors.append({"campaignId": campaign_id, "message": failure})
        self.store.update_job(a.job_id, synced=a.synced, failed=a.failed)
        if self.config.contract is not Contract.PLAN:
            return  # the service emits no per-campaign events today (§3.2)
        progress = payloads.counts(a.synced, a.failed, a.total)
        if failure is None:
            platform_id = f"{a.platform}_{index}"
            data = payloads.campaign_synced(campaign_id, platform_id, progress)
            self.publish(a.job_id, "campaign_synced", data)
        else:
            data = payloads.campaign_failed(campaign_id, failure, progress)
            self.publish(a.job_id, "campaign_failed", data)

    def _complete(self, a: Attempt, now: float) -> None:
        del self.running[a.job_id]
        self.store.update_job(
            a.job_id,
            state="completed",
            completed_on=now,
            synced=a.synced,
            failed=a.failed,
            errors=a.errors,
        )
        self.publish(a.job_id, "completed", payloads.counts(a.synced, a.failed, a.total))
        settle_set(self.store, a.set_id, "synced", now)

    def _fail(self, a: Attempt, message: str, now: float) -> None:
        del self.running[a.job_id]
        job = self.store.get_job(a.job_id)
        assert job is not None
        self.publish(a.job_id, "error", payloads.error(message))
        if job.retry_count < job.retry_limit:
            # pg-boss: a thrown error moves the job to retry, picked up again at once (§4); the
            # retry is counted when it is fetched again.
            self.store.update_job(a.job_id, state="retry", error=message)
            self.store.set_status(a.set_id, "pending", now)
            return
        self.store.update_job(
            a.job_id,
            state="failed",
            completed_on=now,
            error=message,
            synced=a.synced,
            failed=a.failed,
            errors=a.errors,
        )
        settle_set(self.store, a.set_id, "failed", now)
