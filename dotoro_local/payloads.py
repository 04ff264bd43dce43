"""The JSON the service writes: timestamps, SyncJob and job bodies, and stream event data.

Byte-for-byte details follow dotoro-api.md §3.2 (event data), §3.3 (job) and §3.4 (SyncJob).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from .config import Contract
from .rows import CampaignSet, Job


def dumps(data: object) -> str:
    """Compact JSON, as JavaScript's JSON.stringify writes it."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def iso(ts: float | None) -> str | None:
    """Epoch seconds as JavaScript's toISOString(): milliseconds and a Z."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- stream event data (§3.2) ---------------------------------------------------------------
def counts(synced: int, failed: int, total: int) -> dict[str, Any]:
    """The data of `progress` and of a live `completed`."""
    return {"synced": synced, "failed": failed, "total": total}


def job_counts(job: Job) -> dict[str, Any]:
    return counts(job.synced, job.failed, job.total)


def connected(job_id: str, state: str) -> dict[str, Any]:
    return {"jobId": job_id, "state": state}


def cancelled(job_id: str) -> dict[str, Any]:
    """The plan's `cancelled` event (ext, §3.6)."""
    return {"jobId": job_id, "state": "cancelled"}


def campaign_synced(campaign_id: str, platform_id: str, progress: dict[str, Any]) -> dict[str, Any]:
    return {"campaignId": campaign_id, "platformId": platform_id, **progress}


def campaign_failed(campaign_id: str, error: str, progress: dict[str, Any]) -> dict[str, Any]:
    return {"campaignId": campaign_id, "error": error, **progress}


def error(message: str) -> dict[str, Any]:
    """The data of an `error` event."""
    return {"error": message}


def pgboss_output(job: Job) -> dict[str, Any]:
    """The handler's return value, as pg-boss hands it back for a finished job."""
    return {
        "value": [
            {
                "synced": job.synced,
                "failed": job.failed,
                "skipped": job.skipped,
                "errors": job.errors,
            }
        ]
    }


# -- SyncJob (§3.4) and job detail (§3.3) ---------------------------------------------------
_HEAD_STATES = {"syncing": "active", "pending": "created", "failed": "failed", "conflict": "failed"}


def platform_name(platform: str, contract: Contract) -> str:
    # The service stores Meta as "facebook" (§3.4); the plan says "meta".
    if platform == "meta" and contract is Contract.HEAD:
        return "facebook"
    return platform


def set_as_sync_job(cs: CampaignSet) -> dict[str, Any]:
    """How the service fills a SyncJob today: from the set row, id = set id, zero progress."""
    return {
        "id": cs.id,
        "campaignSetId": cs.id,
        "campaignSetName": cs.name,
        "platform": platform_name(cs.platform, Contract.HEAD),
        "state": _HEAD_STATES.get(cs.status, "created"),
        "progress": counts(0, 0, 0),
        "createdAt": iso(cs.created_at),
    }


def _times(job: Job, body: dict[str, Any]) -> dict[str, Any]:
    if job.started_on is not None:
        body["startedAt"] = iso(job.started_on)
    if job.completed_on is not None:
        body["completedAt"] = iso(job.completed_on)
    return body


def job_as_sync_job(job: Job, set_name: str, ad_account_id: str | None = None) -> dict[str, Any]:
    """The SyncJob the design meant: the job's own id, live progress, error and times; and
    (ext) whose it is, the job data's team and ad account (§3.3)."""
    body: dict[str, Any] = {
        "id": job.id,
        "campaignSetId": job.set_id,
        "campaignSetName": set_name,
        "platform": job.platform,
        "state": job.state,
        "progress": job_counts(job),
        "createdAt": iso(job.created_on),
        "teamId": job.team_id,
        "adAccountId": ad_account_id,
    }
    if job.error and job.state == "failed":
        body["error"] = job.error
    return _times(job, body)


def job_detail(job: Job, ad_account_id: str | None = None) -> dict[str, Any]:
    """GET /api/v1/jobs/{id} (§3.3)."""
    output: dict[str, Any] = {}
    if job.state == "completed":
        output = pgboss_output(job)
    elif job.state == "failed":
        message = job.error or "Sync failed"
        output = {
            "name": "Error",
            "message": message,
            "stack": f"Error: {message}\n    at syncCampaignSet (sync-campaign-set.ts)",
        }
    body: dict[str, Any] = {
        "id": job.id,
        "name": "sync-campaign-set",
        "state": job.state,
        "data": {
            "campaignSetId": job.set_id,
            "teamId": job.team_id,
            "adAccountId": ad_account_id,
            "fundingInstrumentId": None,
            "platform": job.platform,
        },
        "output": output,
        "createdAt": iso(job.created_on),
    }
    if job.state == "failed" and job.error:
        body["error"] = job.error
    return _times(job, body)
