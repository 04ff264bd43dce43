"""The job engine: a pg-boss-like queue with workers, retries and cancel, and its event log.

It runs on the server's event loop (one thread), driven by `tick()`. Every change a stream
would report is appended to the job's event log and handed to the job's subscribers; the
HTTP layer decides which of those the chosen contract shows (dotoro-api.md §3.2).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import workload
from .config import Contract, ServerConfig
from .seeding import seed
from .store import LIVE_STATES, QUEUED_STATES, CampaignSet, Job, Store

log = logging.getLogger(__name__)

TERMINAL_EVENTS = frozenset({"completed", "error", "cancelled"})
EVENT_LOG_KEEP_SECONDS = 3600.0


class JobConflict(Exception):
    """The job is already finished (cancel answers 409)."""


@dataclass(frozen=True)
class Published:
    """One event of a job, as handed to live subscribers."""

    seq: int
    type: str
    data: str

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL_EVENTS


CLOSE = Published(-1, "__close__", "")  # handed to subscribers when the server stops


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


def dumps(data: object) -> str:
    """Compact JSON, as JavaScript's JSON.stringify writes it."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class Engine:
    def __init__(
        self,
        store: Store,
        config: ServerConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock
        self.rng = random.Random(config.seed)
        self.attempts: dict[str, Attempt] = {}
        self.subscribers: dict[str, list[asyncio.Queue[Published]]] = {}
        self.team_id = ""
        self._next_arrival = 0.0
        self._next_prune = 0.0
        self.closing = False

    # -- lifecycle --------------------------------------------------------------------------
    def bootstrap(self) -> None:
        """Seed a fresh database; on an existing one, requeue attempts a restart cut off."""
        now = self.clock()
        team = self.store.get_meta("team_id")
        if team is None:
            team = self.config.team_id or workload.new_id(self.rng)
            self.store.set_meta("team_id", team)
            if self.config.simulate or self.config.seed_history:
                seed(self.store, self.rng, team, now, self.config.seed_history)
        self.team_id = team
        for job in self.store.jobs_in_states(["active"]):
            # pg-boss expires an active job whose worker died; it then runs again.
            self.store.update_job(job.id, state="retry")
        if self.config.simulate and not self.store.jobs_in_states(LIVE_STATES):
            # Monday morning: the demo opens on a backlog, not on an empty queue.
            for _ in range(self.config.workers * 2 + 2):
                self._arrive(now)
        self._next_arrival = now + 1.0
        self.store.commit()

    # -- commands ---------------------------------------------------------------------------
    def create_set(
        self,
        name: str,
        platform: str,
        behaviour: dict[str, Any],
        *,
        team_id: str | None = None,
        ad_account: bool = True,
    ) -> CampaignSet:
        now = self.clock()
        cs = CampaignSet(
            id=workload.new_id(self.rng),
            team_id=team_id or self.team_id,
            name=name,
            platform=platform,
            ad_account_id=workload.new_id(self.rng) if ad_account else None,
            status="draft",
            behaviour=behaviour,
            created_at=now,
            updated_at=now,
        )
        self.store.insert_set(cs)
        self.store.commit()
        return cs

    def _new_job(self, cs: CampaignSet, **fields: Any) -> Job:
        """A job row for `cs` as pg-boss creates it; `fields` override the defaults."""
        now = self.clock()
        values: dict[str, Any] = {
            "id": workload.new_id(self.rng),
            "set_id": cs.id,
            "team_id": cs.team_id,
            "user_id": None,
            "platform": cs.platform,
            "state": "created",
            "retry_count": 0,
            "retry_limit": 2,
            "created_on": now,
            "started_on": None,
            "completed_on": None,
            "synced": 0,
            "failed": 0,
            "total": 0,
            "skipped": 0,
            "errors": [],
            "error": None,
            "seq": 0,
        }
        values.update(fields)
        job = Job(**values)
        self.store.insert_jobs([job])
        return job

    def queue_sync(self, cs: CampaignSet) -> Job:
        """Queue a new job for the set: what both POST .../sync and POST .../retry do."""
        job = self._new_job(cs)
        self.store.set_status(cs.id, "pending", job.created_on)
        self.store.commit()
        return job

    def add_failed_job(self, cs: CampaignSet, error: str, total: int = 0) -> Job:
        """A job that already failed with `error`: for demos and tests of the failure list."""
        now = self.clock()
        job = self._new_job(
            cs,
            state="failed",
            retry_count=2,
            created_on=now - 1,
            started_on=now - 0.5,
            completed_on=now,
            total=total,
            error=error,
        )
        self.store.set_status(cs.id, "failed", now)
        self.store.commit()
        return job

    def cancel(self, job_id: str) -> Job:
        """Cancel a created, retry or active job (pg-boss semantics); JobConflict otherwise."""
        job = self.store.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        if job.state not in LIVE_STATES:
            raise JobConflict(job.state)
        now = self.clock()
        self.attempts.pop(job_id, None)
        self.store.update_job(job_id, state="cancelled", completed_on=now)
        if self.config.contract is Contract.PLAN:
            self._publish(job_id, "cancelled", {"jobId": job_id, "state": "cancelled"})
        self._settle_set(job.set_id, "draft", now)
        self.store.commit()
        cancelled = self.store.get_job(job_id)
        assert cancelled is not None
        return cancelled

    # -- the clock --------------------------------------------------------------------------
    def tick(self) -> None:
        """Advance everything up to now: arrivals, running attempts, then free workers."""
        now = self.clock()
        if self.config.simulate and now >= self._next_arrival:
            self._arrive(now)
            self._next_arrival = now + workload.arrival_gap(self.rng, now, self.config.speed)
        for attempt in list(self.attempts.values()):
            self._advance(attempt, now)
        self._start_jobs(now)
        if now >= self._next_prune:
            self.store.prune_events(now - EVENT_LOG_KEEP_SECONDS)
            self._next_prune = now + 60.0
        self.store.commit()

    def _arrive(self, now: float) -> None:
        if len(self.store.jobs_in_states(QUEUED_STATES)) >= 12:
            return  # keep the demo queue readable
        busy = {j.set_id for j in self.store.jobs_in_states(LIVE_STATES)}
        candidates = [
            s
            for s in self.store.sets()
            if s.id not in busy and s.ad_account_id and s.team_id == self.team_id
        ]
        if candidates:
            self.queue_sync(self.rng.choice(candidates))

    def _start_jobs(self, now: float) -> None:
        free = self.config.workers - len(self.attempts)
        if free <= 0:
            return
        for job in self.store.jobs_in_states(QUEUED_STATES)[:free]:
            self._start(job, max(now, job.created_on))

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
        scripted = int(behaviour.get("fail_attempts", 0))
        if job.retry_count < scripted:
            attempt.fail_at = int(behaviour.get("fail_after", total // 2))
            attempt.fail_message = str(behaviour.get("fail_message", "Sync failed"))
        elif behaviour.get("random", True):
            mode = workload.job_failure(
                self.rng, job.platform, behaviour, job.retry_count, self.config.failure_rate
            )
            if mode is not None:
                attempt.fail_at = self.rng.randint(0, max(0, total - 1))
                attempt.fail_message = mode.message
        self.attempts[job.id] = attempt
        self.store.update_job(
            job.id, state="active", started_on=now, synced=0, failed=0, total=total, errors=[]
        )
        self.store.set_status(job.set_id, "syncing", now)
        # The service's handler reports an attempt's start with zero counts (§3.2); the plan
        # contract knows the total up front.
        shown_total = total if self.config.contract is Contract.PLAN else 0
        self._publish(job.id, "progress", {"synced": 0, "failed": 0, "total": shown_total})

    def _campaign_seconds(self, behaviour: dict[str, Any], platform: str) -> float:
        fixed = behaviour.get("seconds_per_campaign")
        if fixed is not None:
            return float(fixed)
        return workload.campaign_seconds(self.rng, platform, self.config.speed)

    def _advance(self, a: Attempt, now: float) -> None:
        if now - a.started > self.config.job_timeout_seconds:
            limit = f"{self.config.job_timeout_seconds:g}"
            self._fail_attempt(a, f"handler execution exceeded {limit}s", now)
            return
        while a.job_id in self.attempts and a.next_at <= now:
            if a.fail_at is not None and a.done >= a.fail_at:
                self._fail_attempt(a, a.fail_message, a.next_at)
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
        counts = {"synced": a.synced, "failed": a.failed, "total": a.total}
        if self.config.contract is not Contract.PLAN:
            return  # the service emits no per-campaign events today (§3.2)
        if failure is None:
            self._publish(
                a.job_id,
                "campaign_synced",
                {"campaignId": campaign_id, "platformId": f"{a.platform}_{index}", **counts},
            )
        else:
            self._publish(
                a.job_id, "campaign_failed", {"campaignId": campaign_id, "error": failure, **counts}
            )

    def _complete(self, a: Attempt, now: float) -> None:
        del self.attempts[a.job_id]
        self.store.update_job(
            a.job_id,
            state="completed",
            completed_on=now,
            synced=a.synced,
            failed=a.failed,
            errors=a.errors,
        )
        self._publish(
            a.job_id, "completed", {"synced": a.synced, "failed": a.failed, "total": a.total}
        )
        self._settle_set(a.set_id, "synced", now)

    def _fail_attempt(self, a: Attempt, message: str, now: float) -> None:
        del self.attempts[a.job_id]
        job = self.store.get_job(a.job_id)
        assert job is not None
        self._publish(a.job_id, "error", {"error": message})
        if job.retry_count < job.retry_limit:
            # pg-boss: a thrown error moves the job to retry, picked up again at once (§4).
            self.store.update_job(
                a.job_id, state="retry", retry_count=job.retry_count + 1, error=message
            )
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
        self._settle_set(a.set_id, "failed", now)

    def _settle_set(self, set_id: str, status: str, now: float) -> None:
        live = self.store.live_jobs_of_set(set_id)
        if any(j.state == "active" for j in live):
            status = "syncing"
        elif live:
            status = "pending"
        self.store.set_status(set_id, status, now)

    # -- events -----------------------------------------------------------------------------
    def _publish(self, job_id: str, type_: str, data: dict[str, Any]) -> None:
        job = self.store.get_job(job_id)
        assert job is not None
        event = Published(job.seq + 1, type_, dumps(data))
        self.store.append_event(job_id, event.seq, type_, event.data)
        for queue in self.subscribers.get(job_id, ()):
            queue.put_nowait(event)

    def close_streams(self) -> None:
        """End every open stream now, so a shutdown does not wait on them (nor cancel them)."""
        self.closing = True
        for queues in self.subscribers.values():
            for queue in queues:
                queue.put_nowait(CLOSE)

    def subscribe(self, job_id: str) -> asyncio.Queue[Published]:
        queue: asyncio.Queue[Published] = asyncio.Queue()
        self.subscribers.setdefault(job_id, []).append(queue)
        return queue

    def unsubscribe(self, job_id: str, queue: asyncio.Queue[Published]) -> None:
        queues = self.subscribers.get(job_id, [])
        if queue in queues:
            queues.remove(queue)
        if not queues:
            self.subscribers.pop(job_id, None)
