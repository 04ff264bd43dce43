"""What the pages read: the immutable snapshot of the live state and its frozen views.

Frozen dataclasses and tuples only; `build.build` makes them from the hub's state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sync_monitor.dotoro.models import Features, JobState, Platform, Progress

from .jobstate import StreamStatus


class BackendKind(StrEnum):
    """The backend's health as the status poller sees it."""

    CONNECTING = "connecting"
    LIVE = "live"
    UNREACHABLE = "unreachable"
    RATE_LIMITED = "rate_limited"
    DENIED = "denied"


class QueueSource(StrEnum):
    """Where the queue's order, retries and job ids come from."""

    API = "api"  # the API's lists: no pg-boss source is configured
    PGBOSS = "pgboss"  # pg-boss's own table (SYNC_MONITOR_PGBOSS_URL)
    PGBOSS_UNREADABLE = "pgboss-unreadable"  # configured, but cannot be read: the API's meanwhile


@dataclass(frozen=True)
class Backend:
    """The backend as a whole, with what the header needs to say about it."""

    kind: BackendKind = BackendKind.CONNECTING
    since: datetime | None = None  # unreachable since
    until: datetime | None = None  # rate-limited until
    attempt: int = 0
    message: str | None = None
    url: str = ""
    is_local: bool = False
    queue: QueueSource = QueueSource.API
    queue_problem: str | None = None  # why pg-boss's table cannot be read, when it cannot
    stale_since: datetime | None = None  # when it became stale: the figures' times stop there

    @property
    def stale(self) -> bool:
        """The backend has stopped answering: what is known is as of the last poll. (One failed
        poll is a reconnect, not yet an outage.)"""
        return self.kind in (BackendKind.RATE_LIMITED, BackendKind.DENIED) or (
            self.kind is BackendKind.UNREACHABLE and self.attempt > 1
        )


@dataclass(frozen=True)
class ActiveView:
    key: str  # the job id when known, else the campaign set id
    job_id: str | None
    set_id: str
    name: str
    platform: Platform
    progress: Progress
    started_at: datetime | None
    elapsed_s: float | None
    rate_per_min: float | None
    eta_s: float | None
    stalled: bool
    stream: StreamStatus | None  # None: no stream (job id unknown)
    elapsed_at_least: bool = False  # no start time from the backend: counted from first sight
    cancelling: bool = False
    tries: tuple[int, int] | None = None  # (this try, tries allowed), from pg-boss's table


@dataclass(frozen=True)
class PendingView:
    key: str
    job_id: str | None
    set_id: str
    name: str
    platform: Platform
    created_at: datetime
    position: int
    waiting_s: float
    wait_low_s: float | None
    wait_high_s: float | None
    optimistic: bool = False  # a retry just sent, not yet confirmed by the service
    waiting_at_least: bool = False  # no queue time from the backend: counted from first sight
    just_queued: bool = False  # queued by a retry from this monitor a moment ago
    cancelling: bool = False
    tries: tuple[int, int] | None = None  # (this try, tries allowed), from pg-boss's table
    not_before: datetime | None = None  # held back by pg-boss's start_after until then


@dataclass(frozen=True)
class FailedView:
    key: str
    job_id: str | None
    set_id: str
    name: str
    platform: Platform
    error: str | None
    failed_at: datetime | None
    retrying: bool = False  # a retry was sent; the service has not answered yet
    refused: str | None = None  # why the service refused a retry a moment ago
    tries: tuple[int, int] | None = None  # (tries made, tries allowed), from pg-boss's table
    stack: str | None = None  # the failure's stack trace, from pg-boss's table


@dataclass(frozen=True)
class Finished:
    """A job seen to finish, for throughput and duration figures."""

    at: datetime
    platform: Platform
    outcome: JobState  # completed, failed or cancelled
    duration_s: float | None
    job_id: str | None = None


@dataclass(frozen=True)
class Owner:
    """Whose a campaign set is, as the job data says (dotoro-api.md §3.3): issue 24's clients."""

    set_id: str
    team_id: str | None
    ad_account_id: str | None


@dataclass(frozen=True)
class Collector:
    """In a fleet (issue 22): the replica that collects, as this one last heard from it."""

    name: str
    heard_at: datetime  # its last change or beat, on the database's clock
    silent: bool = False  # not heard from for longer than its lease: the figures are stale


@dataclass(frozen=True)
class Snapshot:
    taken_at: datetime
    version: int
    backend: Backend
    features: Features
    polled_at: datetime | None
    active: tuple[ActiveView, ...] = ()
    pending: tuple[PendingView, ...] = ()
    failed: tuple[FailedView, ...] = ()
    finished: tuple[Finished, ...] = ()  # seen finishing by this process, and history (24 h)
    workers: int = 1
    live_progress: bool = False  # does this backend send live progress?
    event_ids: bool = False  # the backend's streams carry ids (resume with Last-Event-ID)
    malformed_events: int = 0
    unknown_events: int = 0
    loaded: bool = field(default=False)  # False until the first successful poll
    stall_seconds: float = 60.0  # a sync with no progress for this long is flagged
    streams_wanted: int = 0  # active syncs whose job id is known, so that a stream can follow
    streams_live: int = 0  # ... of which have a live stream now
    streams_waiting: int = 0  # ... of which wait for the request budget
    # Stale (the backend stopped answering, or no poll finished for a while): the moment the
    # figures' own times (running for, waiting for) stop at; None while the figures are live.
    frozen_at: datetime | None = None
    collector: Collector | None = None  # None: this process collects (no fleet)
    owners: tuple[Owner, ...] = ()  # where the backend says whose a set is

    @property
    def silent(self) -> bool:
        """Stale although the backend answered its last poll: no poll has finished since (a
        slow backend, or a stuck poller)."""
        return self.frozen_at is not None and not self.backend.stale

    @property
    def as_of(self) -> datetime:
        """The moment the figures describe: now, or the last poll's time when they are stale."""
        return self.frozen_at or self.taken_at


class Snapshots(Protocol):
    """Where a snapshot is read, and waited for when it changes: the hub, or a replica's view of
    the collector's. What the publisher, the history's recorder and the fleet's writer follow."""

    def snapshot(self) -> Snapshot: ...

    def wait_for_change(self, version: int, timeout: float) -> int: ...
