"""Builders of status rows and hub state for the pure-core tests (no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sync_monitor.dotoro.models import (
    Features,
    JobState,
    Platform,
    Progress,
    StatusSummary,
    SyncJob,
)
from sync_monitor.live.build import HubState
from sync_monitor.live.jobstate import StreamKind, StreamStatus, WatchedJob, observe_progress
from sync_monitor.live.snapshot import Backend, BackendKind

NOW = datetime(2025, 12, 31, 12, tzinfo=UTC)
MONO = 10_000.0


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def set_id(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def job_id(n: int) -> str:
    return f"11111111-0000-4000-8000-{n:012d}"


def row(
    n: int,
    *,
    head: bool = False,
    state: JobState = JobState.ACTIVE,
    created: datetime = NOW,
    progress: Progress | None = None,
    platform: Platform = Platform.REDDIT,
    completed_at: datetime | None = None,
    started_at: datetime | None = None,
) -> SyncJob:
    """A status row; `head=True` fills `id` with the set id, as the real service does (§3.4)."""
    return SyncJob(
        id=set_id(n) if head else job_id(n),
        campaign_set_id=set_id(n),
        campaign_set_name=f"set {n}",
        platform=platform,
        state=state,
        progress=progress or Progress(),
        created_at=created,
        started_at=started_at,
        completed_at=completed_at,
    )


def status(
    active: tuple[SyncJob, ...] = (),
    pending: tuple[SyncJob, ...] = (),
    failed: tuple[SyncJob, ...] = (),
) -> StatusSummary:
    return StatusSummary(active=list(active), pending=list(pending), failed=list(failed))


def hub_state(summary: StatusSummary | None = None, **changes: Any) -> HubState:
    state = HubState(
        now=NOW,
        mono=MONO,
        status=summary,
        polled_at=NOW if summary is not None else None,
        backend=Backend(BackendKind.LIVE),
        features=Features(),
        watched={},
        known_jobs={},
        first_seen={},
        queued_seen={},
        retrying={},
        queued_by_retry=frozenset(),
        refused={},
        cancelling=frozenset(),
        cancelled=frozenset(),
        durations=(),
        finished=(),
        history=(),
        max_concurrency=0,
        workers=None,
        stall_seconds=60.0,
        version=1,
    )
    return replace(state, **changes)


def streaming(
    jid: str, *readings: tuple[float, Progress], kind: StreamKind = StreamKind.LIVE
) -> WatchedJob:
    """A WatchedJob that read `readings` (seconds before MONO, progress) from its stream."""
    job = WatchedJob(jid, stream=StreamStatus(kind))
    for before, progress in readings:
        job = observe_progress(job, progress, MONO - before)
    return replace(job, last_signal_at=MONO)
