"""What the service puts on the wire: error bodies, timestamps, SyncJob JSON and SSE frames.

Byte-for-byte details follow dotoro-api.md §1 (error bodies), §3.2 (frames) and §3.4 (SyncJob).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.responses import JSONResponse

from .config import Contract
from .store import CampaignSet, Job

# §3.2: the heartbeat is a real event whose data line is "data: " with a trailing space.
HEARTBEAT = b"event: heartbeat\ndata: \n\n"


def frame(event: str, data: str, event_id: int | None = None) -> bytes:
    """One SSE frame as Hono's writeSSE writes it: event, data, then id when there is one."""
    lines = [f"event: {event}", f"data: {data}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    return ("\n".join(lines) + "\n\n").encode()


def iso(ts: float | None) -> str | None:
    """Epoch seconds as JavaScript's toISOString(): milliseconds and a Z."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def is_uuid(text: str | None) -> bool:
    if not text or len(text) != 36:
        return False
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def error(status: int, message: str, code: str, **extra: Any) -> JSONResponse:
    """The service's usual error body (§1)."""
    return JSONResponse({"error": message, "code": code, **extra}, status_code=status)


def zod_error(field: str, message: str) -> JSONResponse:
    """The raw zod shape a bad parameter of an OpenAPI route gets (§1)."""
    return JSONResponse(
        {
            "success": False,
            "error": {
                "issues": [
                    {
                        "code": "invalid_string",
                        "validation": "uuid",
                        "message": message,
                        "path": [field],
                    }
                ],
                "name": "ZodError",
            },
        },
        status_code=400,
    )


def internal_error() -> JSONResponse:
    return error(500, "Internal server error", "INTERNAL_ERROR", errorId=str(uuid.uuid4()))


def too_many_requests() -> JSONResponse:
    return error(
        429, "Too many requests. Please retry after 1 minute.", "TOO_MANY_REQUESTS", retryAfter=60
    )


def unauthorized() -> JSONResponse:
    return error(401, "Authentication required", "UNAUTHORIZED")


def not_found_route(method: str, path: str) -> JSONResponse:
    return error(404, f"Route not found: {method} {path}", "NOT_FOUND")


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
        "progress": {"synced": 0, "failed": 0, "total": 0},
        "createdAt": iso(cs.created_at),
    }


def job_as_sync_job(job: Job, set_name: str) -> dict[str, Any]:
    """The SyncJob the design meant: the job's own id, live progress, error and times."""
    body: dict[str, Any] = {
        "id": job.id,
        "campaignSetId": job.set_id,
        "campaignSetName": set_name,
        "platform": job.platform,
        "state": job.state,
        "progress": {"synced": job.synced, "failed": job.failed, "total": job.total},
        "createdAt": iso(job.created_on),
    }
    if job.error and job.state == "failed":
        body["error"] = job.error
    if job.started_on is not None:
        body["startedAt"] = iso(job.started_on)
    if job.completed_on is not None:
        body["completedAt"] = iso(job.completed_on)
    return body


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


def job_detail(job: Job) -> dict[str, Any]:
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
            "adAccountId": None,
            "fundingInstrumentId": None,
            "platform": job.platform,
        },
        "output": output,
        "createdAt": iso(job.created_on),
    }
    if job.state == "failed" and job.error:
        body["error"] = job.error
    if job.started_on is not None:
        body["startedAt"] = iso(job.started_on)
    if job.completed_on is not None:
        body["completedAt"] = iso(job.completed_on)
    return body
