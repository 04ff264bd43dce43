"""Builders of status rows and hub state for the pure-core tests (no I/O)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sync_monitor.dotoro.models import (
    JobState,
    Platform,
    Progress,
    StatusSummary,
    SyncJob,
)
from sync_monitor.live.build import Moment, build
from sync_monitor.live.jobstate import StreamKind, StreamStatus, WatchedJob, observe_progress
from sync_monitor.live.records import Known
from sync_monitor.live.snapshot import Backend, BackendKind, Snapshot

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


AT = Moment(now=NOW, mono=MONO, version=1)  # the moment the unit tests' snapshots are taken


def known(summary: StatusSummary | None = None, **changes: Any) -> Known:
    """What a tracker would know after polling `summary` at NOW (the backend live)."""
    polled = NOW if summary is not None else None
    state = Known(status=summary, polled_at=polled, backend=Backend(BackendKind.LIVE))
    return replace(state, **changes)


def built(state: Known, at: Moment = AT) -> Snapshot:
    """The snapshot of `state`, taken at AT unless said otherwise."""
    return build(state, at)


def streaming(
    jid: str, *readings: tuple[float, Progress], kind: StreamKind = StreamKind.LIVE
) -> WatchedJob:
    """A WatchedJob that read `readings` (seconds before MONO, progress) from its stream."""
    job = WatchedJob(jid, stream=StreamStatus(kind))
    for before, progress in readings:
        job = observe_progress(job, progress, MONO - before)
    return replace(job, last_signal_at=MONO)
