"""The rows the local API keeps: campaign sets, pg-boss-like jobs (§4) and their stream events.

Times are epoch seconds (floats); the payloads module turns them into ISO-8601.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUEUED_STATES = ("created", "retry")  # waiting for a worker (pg-boss)
LIVE_STATES = (*QUEUED_STATES, "active")  # not finished: cancel still applies


@dataclass(frozen=True)
class CampaignSet:
    id: str
    team_id: str
    name: str
    platform: str
    ad_account_id: str | None
    status: str
    behaviour: dict[str, Any]
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Job:
    id: str
    set_id: str
    team_id: str
    user_id: str | None
    platform: str
    state: str
    retry_count: int
    retry_limit: int
    created_on: float
    started_on: float | None
    completed_on: float | None
    synced: int
    failed: int
    total: int
    skipped: int
    errors: list[dict[str, str]]
    error: str | None
    seq: int


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    type: str
    data: str  # compact JSON, exactly as written on the wire


def job_row(**fields: Any) -> Job:
    """A job as pg-boss creates it (never started, retry limit 2); `fields` override that.

    `fields` must name at least id, set_id, team_id, platform and created_on.
    """
    values: dict[str, Any] = {
        "user_id": None,  # jobs created today carry teamId, not userId (§2)
        "state": "created",
        "retry_count": 0,
        "retry_limit": 2,
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
    return Job(**values)
