"""GET /api/v1/campaign-sets/{setId}/sync-stream: the SSE sequences of dotoro-api.md §3.2."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from . import errors, payloads, sse
from .config import Contract
from .engine import Engine
from .params import is_uuid
from .pubsub import CLOSE, TERMINAL_EVENTS, Published
from .rows import Job

MALFORMED = b'event: progress\ndata: {"synced": 3, oops\n\n'
UNKNOWN = b'event: mystery\ndata: {"what":"unknown type"}\n\n'
OPENS_KEPT = 10_000  # jobs whose stream opens are counted for the draws; then afresh (bounded)


@dataclass(frozen=True)
class StreamFaults:
    """What the rate faults do to one stream: after how many frames it ends with no terminal
    event, and after how many it gets a malformed and an unknown event (None: not at all)."""

    drop_after: int | None = None
    malformed_after: int | None = None


def stream_faults(drop_rate: float, malformed_rate: float, key: str, frames: int) -> StreamFaults:
    """The draw for one stream, a pure function of `key` (seed, job, nth open of that job):
    the same seed gives every job's streams the same faults, whatever other clients do.

    `frames` is about how many frames the stream would send; the points fall in 1..frames.
    """
    if not (drop_rate or malformed_rate):
        return StreamFaults()
    rng = random.Random(key)
    drop, malformed = rng.random() < drop_rate, rng.random() < malformed_rate
    drop_after, malformed_after = rng.randint(1, max(1, frames)), rng.randint(1, max(1, frames))
    return StreamFaults(drop_after if drop else None, malformed_after if malformed else None)


def _faults_for(request: Request, engine: Engine, job: Job) -> StreamFaults:
    faults = engine.config.faults
    if not (faults.drop_rate or faults.malformed_rate):
        return StreamFaults()
    state = request.app.state
    if not hasattr(state, "stream_opens") or len(state.stream_opens) > OPENS_KEPT:
        state.stream_opens = Counter()
    opens: Counter[str] = state.stream_opens
    opens[job.id] += 1
    cs = engine.store.get_set(job.set_id)
    total = job.total or int((cs.behaviour if cs else {}).get("campaigns", 10))
    frames = 2 + max(0, total - job.synced - job.failed)  # connected, progress, campaigns
    key = f"{engine.config.seed}:{job.id}:{opens[job.id]}"
    return stream_faults(faults.drop_rate, faults.malformed_rate, key, frames)


def _last_event_id(request: Request) -> int | None:
    raw = request.headers.get("last-event-id", "").strip()
    return int(raw) if raw.isdigit() else None


def _job_to_stream(request: Request, engine: Engine) -> Job | Response:
    """The pre-stream checks, in the service's order (§3.2; team auth is the Guard's, step 1).

    A plain Hono route, not an OpenAPI one: failures are the usual error body, never zod's.
    """
    set_id = request.path_params["set_id"]
    job_id = request.query_params.get("jobId")
    if not is_uuid(set_id):
        return errors.validation_error("Invalid setId format", "setId", "Invalid uuid")
    missing_job_id = "Invalid or missing jobId query parameter"
    if job_id is None:
        return errors.validation_error(missing_job_id, "jobId", "Required")
    if not is_uuid(job_id):
        return errors.validation_error(missing_job_id, "jobId", "jobId must be a valid UUID")
    cs = engine.store.get_set(set_id)
    if cs is None or not request.app.state.visible(cs.team_id):
        return errors.not_found("Campaign set", set_id)  # another team's set too (§2)
    job = engine.store.get_job(job_id)
    if job is None:
        return errors.job_not_found()
    if job.set_id != cs.id or job.team_id != cs.team_id:
        return errors.job_access_denied()
    return job


async def sync_stream(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    job = _job_to_stream(request, engine)
    if not isinstance(job, Job):
        return job
    plan = engine.config.contract is Contract.PLAN
    resume = _last_event_id(request) if plan else None
    if job.state in ("completed", "failed") or (plan and job.state == "cancelled"):
        return sse.response(_finished(engine, job, plan, resume))
    return sse.response(_live(engine, job, plan, resume, _faults_for(request, engine, job)))


async def _finished(
    engine: Engine, job: Job, plan: bool, resume: int | None
) -> AsyncIterator[bytes]:
    """Attach to a finished job: one terminal frame (§3.2), or in the plan the missed tail."""
    if plan and resume is not None:
        missed = engine.store.events_after(job.id, resume)
        if missed and missed[-1].type in TERMINAL_EVENTS:
            for event in missed:
                yield sse.frame(event.type, event.data, event.seq)
            return
    if job.state == "completed":
        if plan:
            yield sse.frame("completed", payloads.dumps(payloads.job_counts(job)), job.seq)
        else:
            yield sse.frame("completed", payloads.dumps(payloads.pgboss_output(job)))
    elif job.state == "failed":
        message = job.error if plan and job.error else "Job failed"
        yield sse.frame("error", payloads.dumps(payloads.error(message)), job.seq if plan else None)
    else:
        yield sse.frame("cancelled", payloads.dumps(payloads.cancelled(job.id)), job.seq)


async def _live(
    engine: Engine, job: Job, plan: bool, resume: int | None, drawn: StreamFaults
) -> AsyncIterator[bytes]:
    config = engine.config
    faults = config.faults
    events = engine.events
    loop = asyncio.get_running_loop()
    deadline = loop.time() + config.stream_timeout_seconds
    queue = events.subscribe(job.id)
    sent = 0
    try:
        yield sse.frame("connected", payloads.dumps(payloads.connected(job.id, job.state)))
        sent += 1
        if faults.malformed_events:
            yield MALFORMED
            yield UNKNOWN
        if faults.stall_streams or events.closing:
            # Silence until the timeout, without even heartbeats; only a shutdown ends it early.
            while not events.closing:
                try:
                    await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
                except TimeoutError:
                    return
            return
        last_seq = job.seq
        if plan and resume is not None:
            # Last-Event-ID resume (ext, §3.6): replay what the client missed, then go live.
            for missed in engine.store.events_after(job.id, resume):
                yield sse.frame(missed.type, missed.data, missed.seq)
                sent += 1
                last_seq = missed.seq
        elif plan and job.state == "active":
            # The plan hands a late joiner the current counts rather than leaving it blind.
            yield sse.frame("progress", payloads.dumps(payloads.job_counts(job)), job.seq)
            sent += 1
        next_heartbeat = loop.time() + config.heartbeat_seconds
        drop_after, malformed_after = drawn.drop_after, drawn.malformed_after
        while True:
            if faults.drop_after_events and sent >= faults.drop_after_events:
                return  # the connection ends with no terminal event
            if drop_after is not None and sent >= drop_after:
                return  # `drop_rate`: this stream ends here, mid-job
            if malformed_after is not None and sent >= malformed_after:
                malformed_after = None
                yield MALFORMED  # `malformed_rate`: once, at this stream's drawn point
                yield UNKNOWN
            now = loop.time()
            if now >= deadline:
                return  # §3.2: the stream simply ends at the timeout, no event
            if now >= next_heartbeat:
                yield sse.HEARTBEAT
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
            if event.terminal and drop_after is not None:
                return  # a drawn drop always comes before the job's end: it is mid-job
            if event.terminal and malformed_after is not None:
                yield MALFORMED
                yield UNKNOWN
            yield sse.frame(event.type, event.data, event.seq if plan else None)
            sent += 1
            if event.terminal:
                return  # the server closes after completed / error (§3.2)
    finally:
        events.unsubscribe(job.id, queue)
