"""The REST endpoints of dotoro-api.md §3, answering as the chosen contract does."""

from __future__ import annotations

import binascii
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import errors, payloads
from .config import Contract
from .engine import Engine, JobConflict
from .params import decode_cursor, encode_cursor, is_uuid, parse_iso
from .rows import QUEUED_STATES, CampaignSet, Job
from .streams import sync_stream

DAY = 86400.0


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _visible_set(request: Request, set_id: str) -> CampaignSet | None:
    cs = _engine(request).store.get_set(set_id)
    if cs is None or not request.app.state.visible(cs.team_id):
        return None  # another team's set answers 404, not 403 (§2)
    return cs


async def sync_status(request: Request) -> Response:
    """GET /api/v1/sync/status (§3.4)."""
    engine = _engine(request)
    visible = request.app.state.visible
    store = engine.store
    since = engine.clock() - DAY
    if engine.config.contract is Contract.HEAD:

        def sets(statuses: tuple[str, ...], updated_since: float = 0.0) -> list[dict[str, Any]]:
            return [
                payloads.set_as_sync_job(cs)
                for cs in store.sets_with_status(statuses, updated_since)
                if visible(cs.team_id)
            ]

        return JSONResponse(
            {
                "active": sets(("syncing",)),
                "pending": sets(("pending",)),
                "failed": sets(("failed", "conflict"), since),
            }
        )
    known = {cs.id: cs for cs in store.sets()}

    def jobs(rows: list[Job]) -> list[dict[str, Any]]:
        # Shuffled by id: the service promises no order, so the monitor must sort (§3.4).
        ordered = sorted(rows, key=lambda j: j.id)
        return [
            payloads.job_as_sync_job(j, *_set_facts(known, j.set_id))
            for j in ordered
            if visible(j.team_id)
        ]

    return JSONResponse(
        {
            "active": jobs(store.jobs_in_states(["active"])),
            "pending": jobs(store.jobs_in_states(QUEUED_STATES)),
            "failed": jobs(store.latest_failed_jobs(since)),
        }
    )


def _queue(request: Request, set_id: str, field: str, message: str) -> Response:
    if not is_uuid(set_id):
        return errors.zod_error(field, "Invalid uuid")
    cs = _visible_set(request, set_id)
    if cs is None:
        return errors.error(404, "Campaign set not found", "NOT_FOUND")
    if not cs.ad_account_id:
        return errors.error(400, "Campaign set has no ad account configured", "VALIDATION_ERROR")
    job = _engine(request).queue_sync(cs)
    return JSONResponse(
        {"jobId": job.id, "status": "queued", "message": message.format(name=cs.name)},
        status_code=202,
    )


async def queue_sync(request: Request) -> Response:
    """POST /api/v1/campaign-sets/{setId}/sync (§3.1): duplicates are allowed."""
    return _queue(request, request.path_params["set_id"], "setId", "Sync job queued for processing")


async def retry(request: Request) -> Response:
    """POST /api/v1/sync/{campaignSetId}/retry (§3.5): a NEW job for the set."""
    return _queue(
        request,
        request.path_params["set_id"],
        "campaignSetId",
        'Sync job queued for campaign set "{name}"',
    )


async def cancel(request: Request) -> Response:
    """POST /api/v1/sync/{jobId}/cancel (ext, §3.6; plan contract only)."""
    job_id = request.path_params["job_id"]
    if not is_uuid(job_id):
        return errors.zod_error("jobId", "Invalid uuid")
    engine = _engine(request)
    job = engine.store.get_job(job_id)
    if job is None or not request.app.state.visible(job.team_id):
        return errors.error(404, "Job not found", "NOT_FOUND")
    try:
        engine.cancel(job_id)
    except JobConflict:
        return errors.error(409, f"Job already {job.state}", "CONFLICT")
    return JSONResponse({"jobId": job_id, "state": "cancelled"})


async def get_job(request: Request) -> Response:
    """GET /api/v1/jobs/{jobId} (§3.3), with the legacy x-user-id check of §2."""
    job_id = request.path_params["job_id"]
    if not is_uuid(job_id):
        return errors.zod_error("jobId", "Invalid uuid")  # an OpenAPI route, before the user
    user = request.headers.get("x-user-id")
    if not user:
        return errors.user_id_required()
    engine = _engine(request)
    job = engine.store.get_job(job_id)
    if job is None:
        return errors.not_found("Job", job_id)
    # The service compares job.data.userId, which today's jobs lack: 403 for them (§2); it
    # never hides a job that exists. The plan (the design's intent) answers a job without a
    # userId, and refuses one of another user or of another team with the same 403.
    if engine.config.contract is Contract.HEAD:
        denied = job.user_id != user
    else:
        other_user = job.user_id is not None and job.user_id != user
        denied = other_user or not request.app.state.visible(job.team_id)
    if denied:
        return errors.job_access_denied()
    cs = engine.store.get_set(job.set_id)
    return JSONResponse(payloads.job_detail(job, cs.ad_account_id if cs else None))


async def history(request: Request) -> Response:
    """GET /api/v1/sync/jobs (ext, §3.6): finished and live jobs, newest first, by cursor."""
    q = request.query_params
    try:
        since = parse_iso(q["since"]) if q.get("since") else None
        until = parse_iso(q["until"]) if q.get("until") else None
    except ValueError:
        return errors.error(400, "since/until must be ISO-8601 timestamps", "VALIDATION_ERROR")
    states = [s for s in q.get("state", "").split(",") if s]
    bad = set(states) - {"created", "retry", "active", "completed", "cancelled", "failed"}
    if bad:
        return errors.error(400, f"state: unknown value {sorted(bad)[0]!r}", "VALIDATION_ERROR")
    platforms = ["meta" if p == "facebook" else p for p in q.get("platform", "").split(",") if p]
    if set(platforms) - {"reddit", "google", "meta"}:
        return errors.error(400, "platform: must be reddit, google or meta", "VALIDATION_ERROR")
    try:
        limit = int(q.get("limit", "100"))
        after = decode_cursor(q["cursor"]) if q.get("cursor") else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return errors.error(400, "limit or cursor is invalid", "VALIDATION_ERROR")
    if not 1 <= limit <= 500:
        return errors.error(400, "limit: must be between 1 and 500", "VALIDATION_ERROR")
    engine = _engine(request)
    known = {cs.id: cs for cs in engine.store.sets()}
    rows = engine.store.history(
        since=since, until=until, states=states, platforms=platforms, after=after, limit=limit + 1
    )
    rows = [j for j in rows if request.app.state.visible(j.team_id)]
    page, more = rows[:limit], len(rows) > limit
    return JSONResponse(
        {
            "jobs": [payloads.job_as_sync_job(j, *_set_facts(known, j.set_id)) for j in page],
            "nextCursor": encode_cursor(page[-1].created_on, page[-1].id)
            if more and page
            else None,
        }
    )


def _set_facts(known: dict[str, CampaignSet], set_id: str) -> tuple[str, str | None]:
    """A job's set's name and ad account, as its SyncJob carries them."""
    cs = known.get(set_id)
    return (cs.name, cs.ad_account_id) if cs else ("", None)


def api_routes(contract: Contract) -> list[Route]:
    routes = [
        Route("/api/v1/sync/status", sync_status, methods=["GET"]),
        Route("/api/v1/sync/{set_id}/retry", retry, methods=["POST"]),
        Route("/api/v1/campaign-sets/{set_id}/sync", queue_sync, methods=["POST"]),
        Route("/api/v1/campaign-sets/{set_id}/sync-stream", sync_stream, methods=["GET"]),
        Route("/api/v1/jobs/{job_id}", get_job, methods=["GET"]),
    ]
    if contract is Contract.PLAN:
        routes += [
            Route("/api/v1/sync/jobs", history, methods=["GET"]),
            Route("/api/v1/sync/{job_id}/cancel", cancel, methods=["POST"]),
        ]
    return routes
