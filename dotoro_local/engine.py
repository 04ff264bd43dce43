"""The job engine: a pg-boss-like queue (§4) driven by `tick()`, with its commands.

It runs on the server's event loop (one thread). The workers' attempts are in `attempts`,
the event log and the streams' subscriptions in `pubsub`; the HTTP layer decides which events
the chosen contract shows (dotoro-api.md §3.2).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from . import payloads, workload
from .attempts import AttemptRunner, settle_set
from .config import Contract, ServerConfig
from .pubsub import JobEvents
from .rows import LIVE_STATES, QUEUED_STATES, CampaignSet, Job, job_row
from .seeding import seed
from .store import Store

EVENT_LOG_KEEP_SECONDS = 3600.0
DEMO_QUEUE_LIMIT = 12  # the simulator queues no more than this: a readable demo queue


class JobConflict(Exception):
    """The job is already finished (cancel answers 409)."""


class Engine:
    def __init__(
        self,
        store: Store,
        config: ServerConfig,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.config = config
        self.clock = clock  # read at each use: a demo may swap it on a running engine
        self.rng = random.Random(config.seed)
        self.events = JobEvents(store)
        # Through `_publish`, looked up at each call, so a benchmark can wrap it on a live engine.
        self.runner = AttemptRunner(
            store, config, self.rng, lambda job_id, type_, data: self._publish(job_id, type_, data)
        )
        self.team_id = ""
        self._next_arrival = 0.0
        self._next_prune = 0.0

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
        else:
            # A restart on the same database: new ids, never the first run's drawn again.
            starts = int(self.store.get_meta("starts") or "0") + 1
            self.store.set_meta("starts", str(starts))
            self.rng.seed(f"{self.config.seed}:{starts}")
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
    def _account(self, name: str, platform: str) -> str:
        workload.new_id(self.rng)  # drawn as it always was, so that a seed gives the same run
        return workload.ad_account(self.team_id, name, platform)

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
            ad_account_id=self._account(name, platform) if ad_account else None,
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
        job = job_row(
            **{
                "id": workload.new_id(self.rng),
                "set_id": cs.id,
                "team_id": cs.team_id,
                "platform": cs.platform,
                "created_on": self.clock(),
                **fields,
            }
        )
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
        self.runner.stop(job_id)
        self.store.update_job(job_id, state="cancelled", completed_on=now)
        if self.config.contract is Contract.PLAN:
            self._publish(job_id, "cancelled", payloads.cancelled(job_id))
        settle_set(self.store, job.set_id, "draft", now)
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
        self.runner.advance(now)
        self.runner.start_queued(now)
        if now >= self._next_prune:
            self.store.prune_events(now - EVENT_LOG_KEEP_SECONDS)
            self._next_prune = now + 60.0
        self.store.commit()

    def _arrive(self, now: float) -> None:
        """The simulator queues a sync of a set that has none running or queued."""
        if len(self.store.jobs_in_states(QUEUED_STATES)) >= DEMO_QUEUE_LIMIT:
            return
        busy = {j.set_id for j in self.store.jobs_in_states(LIVE_STATES)}
        candidates = [
            s
            for s in self.store.sets()
            if s.id not in busy and s.ad_account_id and s.team_id == self.team_id
        ]
        if candidates:
            self.queue_sync(self.rng.choice(candidates))

    def _publish(self, job_id: str, type_: str, data: dict[str, Any]) -> None:
        """Every event of every job goes through here (benchmarks wrap it to time writes)."""
        self.events.publish(job_id, type_, data)
