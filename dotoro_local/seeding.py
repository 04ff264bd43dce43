"""A fresh database's world: the team's campaign sets and 30 days of finished jobs."""

from __future__ import annotations

import random
from typing import Any

from . import workload
from .rows import CampaignSet, job_row
from .store import Store

DAY = 86400.0


def seed(store: Store, rng: random.Random, team: str, now: float, with_history: bool) -> None:
    """Insert the catalogue of sets and, with `with_history`, their past jobs and statuses."""
    sets = workload.catalogue(rng, team)
    for s in sets:
        store.insert_set(
            CampaignSet(**s, status="draft", created_at=now - 40 * DAY, updated_at=now - 40 * DAY)
        )
    if not with_history:
        return
    past = workload.history(rng, sets, now)
    store.insert_jobs(job_row(**j) for j in past)
    latest: dict[str, dict[str, Any]] = {}
    for j in sorted(past, key=lambda j: j["created_on"]):
        latest[j["set_id"]] = j  # the newest job of each set gives the set its status
    for set_id, j in latest.items():
        store.set_status(
            set_id, "synced" if j["state"] == "completed" else "failed", j["completed_on"]
        )
