"""GET /api/v1/campaign-sets/{setId}/sync-stream: the SSE sequences of dotoro-api.md §3.2.

Frames are written by hand so the bytes are the service's, and every frame is its own chunk
so that a reader sees it as it happens.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from . import wire
from .config import Contract
from .engine import CLOSE, Engine, Published, dumps
from .store import Job

SSE_HEADERS = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "connection": "keep-alive",
}


def sse(frames: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(frames, headers=SSE_HEADERS)


def _last_event_id(request: Request) -> int | None:
    raw = request.headers.get("last-event-id", "").strip()
    return int(raw) if raw.isdigit() else None


async def sync_stream(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    set_id = request.path_params["set_id"]
    job_id = request.query_params.get("jobId")
    if not wire.is_uuid(set_id):
        return wire.zod_error("setId", "Invalid uuid")
    if not wire.is_uuid(job_id):
        return wire.zod_error("jobId", "Invalid uuid")
    assert job_id is not None
    cs = engine.store.get_set(set_id)
    if cs is None or not request.app.state.visible(cs.team_id):
        return wire.error(404, "Campaign set not found", "NOT_FOUND")
    job = engine.store.get_job(job_id)
    if job is None:
        return wire.error(404, "Job not found", "NOT_FOUND")
    if job.set_id != cs.id or job.team_id != cs.team_id:
        return wire.error(403, "Access denied to this job", "FORBIDDEN")
    plan = engine.config.contract is Contract.PLAN
    resume = _last_event_id(request) if plan else None
    if job.state in ("completed", "failed") or (plan and job.state == "cancelled"):
        return sse(_finished(engine, job, plan, resume))
    return sse(_live(engine, job, plan, resume))


async def _finished(
    engine: Engine, job: Job, plan: bool, resume: int | None
) -> AsyncIterator[bytes]:
    """Attach to a finished job: one terminal frame (§3.2), or in the plan the missed tail."""
    if plan and resume is not None:
        missed = engine.store.events_after(job.id, resume)
        if missed and missed[-1].type in ("completed", "error", "cancelled"):
            for event in missed:
                yield wire.frame(event.type, event.data, event.seq)
            return
    if job.state == "completed":
        if plan:
            counts = {"synced": job.synced, "failed": job.failed, "total": job.total}
            yield wire.frame("completed", dumps(counts), job.seq)
        else:
            yield wire.frame("completed", dumps(wire.pgboss_output(job)))
    elif job.state == "failed":
        message = job.error if plan and job.error else "Job failed"
        yield wire.frame("error", dumps({"error": message}), job.seq if plan else None)
    else:
        yield wire.frame("cancelled", dumps({"jobId": job.id, "state": "cancelled"}), job.seq)


async def _live(engine: Engine, job: Job, plan: bool, resume: int | None) -> AsyncIterator[bytes]:
    config = engine.config
    faults = config.faults
    loop = asyncio.get_running_loop()
    deadline = loop.time() + config.stream_timeout_seconds
    queue = engine.subscribe(job.id)
    sent = 0
    try:
        yield wire.frame("connected", dumps({"jobId": job.id, "state": job.state}))
        sent += 1
        if faults.malformed_events:
            yield b'event: progress\ndata: {"synced": 3, oops\n\n'
            yield b'event: mystery\ndata: {"what":"unknown type"}\n\n'
        if faults.stall_streams or engine.closing:
            # Silence until the timeout, without even heartbeats; only a shutdown ends it early.
            while not engine.closing:
                try:
                    await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    return
            return
        last_seq = job.seq
        if plan and resume is not None:
            # Last-Event-ID resume (ext, §3.6): replay what the client missed, then go live.
            for missed in engine.store.events_after(job.id, resume):
                yield wire.frame(missed.type, missed.data, missed.seq)
                sent += 1
                last_seq = missed.seq
        elif plan and job.state == "active":
            # The plan hands a late joiner the current counts rather than leaving it blind.
            counts = {"synced": job.synced, "failed": job.failed, "total": job.total}
            yield wire.frame("progress", dumps(counts), job.seq)
            sent += 1
        next_heartbeat = loop.time() + config.heartbeat_seconds
        while True:
            if faults.drop_after_events and sent >= faults.drop_after_events:
                return  # the connection ends with no terminal event
            now = loop.time()
            if now >= deadline:
                return  # §3.2: the stream simply ends at the timeout, no event
            if now >= next_heartbeat:
                yield wire.HEARTBEAT
                sent += 1
                next_heartbeat += config.heartbeat_seconds
                continue
            try:
                event: Published = await asyncio.wait_for(
                    queue.get(), timeout=min(next_heartbeat, deadline) - now
                )
            except TimeoutError:
                continue
            if event is CLOSE:
                return  # the server is stopping
            if event.seq <= last_seq:
                continue  # already replayed
            last_seq = event.seq
            yield wire.frame(event.type, event.data, event.seq if plan else None)
            sent += 1
            if event.terminal:
                return  # the server closes after completed / error (§3.2)
    finally:
        engine.unsubscribe(job.id, queue)
