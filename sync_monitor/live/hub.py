"""The hub: one per process, shared by every viewer.

It holds the job state (a `Tracker`) under one lock, the snapshot cache, and exactly one stream
consumer per watched job; the status poller (`poller.py`) and the actions (`actions.py`) change
the state through `change()`. Pages read immutable snapshots, rebuilt at most once per change
however many events or viewers there are (coalescing).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime

from sync_monitor.access import ActionLog, Caller
from sync_monitor.dotoro.backoff import Backoff
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.dotoro.errors import ApiError
from sync_monitor.dotoro.events import StreamEvent
from sync_monitor.dotoro.models import JobState
from sync_monitor.dotoro.sse import Connect, HttpConnector
from sync_monitor.pgboss.reader import QueueReader
from sync_monitor.settings import Settings

from .actions import ActionResult, SyncActions
from .build import build
from .jobstate import Outcome, StreamStatus, WatchedJob, silent_jobs
from .poller import StatusPoller
from .snapshot import Backend, Snapshot
from .streams import StreamConsumer
from .tracker import FORGET_AFTER, Tracker

__all__ = ["FORGET_AFTER", "ActionResult", "Hub"]

log = logging.getLogger(__name__)

SNAPSHOT_MAX_AGE = 0.25  # seconds: elapsed times and stall flags stay fresh without events
SILENCE_GRACE = 5.0  # seconds past the heartbeat interval before a live stream counts as silent

ConnectorFactory = Callable[[str, str], tuple[Connect, Callable[[], None] | None]]


class Hub:
    def __init__(
        self,
        client: DotoroClient,
        settings: Settings,
        *,
        is_local: bool = False,
        connector: ConnectorFactory | None = None,
        backoff: Backoff | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        mono: Callable[[], float] = time.monotonic,
        audit: ActionLog | None = None,
        queue: QueueReader | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.wall, self.mono = wall, mono
        backend = Backend(url=client.base_url, is_local=is_local)
        self._tracker = Tracker(backend=replace(backend, queue="" if queue else None))
        self._connector = connector or self._http_connector
        self._backoff = backoff or Backoff()  # the streams' reconnect delays
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._version = 0
        self._cache: Snapshot | None = None
        self._cache_at = 0.0
        self.rebuilds = 0  # how many snapshots were built: coalescing is measurable
        self._consumers: dict[str, StreamConsumer] = {}
        self._unlisted_polls: dict[str, int] = {}
        self.queue = queue  # pg-boss's table, read-only (issue 12), when the ops have access
        self.poller = StatusPoller(self, client, settings, self._stop, queue)
        self.actions = SyncActions(self, client, audit)

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Hub:
        self.poller.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the poller and every consumer, and wait for their threads."""
        self._stop.set()
        with self._lock:
            consumers = list(self._consumers.values())
        for consumer in consumers:
            consumer.stop()
        self.poller.join(timeout)
        for consumer in consumers:
            consumer.thread.join(timeout)
        self.actions.shutdown()
        if self.queue is not None:  # the poller was its only reader; its connections close
            self.queue.close()

    # -- state ------------------------------------------------------------------------------
    @contextmanager
    def change(self) -> Iterator[Tracker]:
        """The tracker, under the lock, for one change; every viewer sees it after."""
        with self._lock:
            yield self._tracker
            self._version += 1
            self._changed.notify_all()

    @contextmanager
    def reading(self) -> Iterator[Tracker]:
        """The tracker, under the lock, to read (no change is announced)."""
        with self._lock:
            yield self._tracker

    def watched(self, job_id: str) -> WatchedJob | None:
        """What is known of one watched job (a copy: the value is immutable)."""
        with self._lock:
            return self._tracker.watched.get(job_id)

    def is_consuming(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self._consumers

    @property
    def consumer_count(self) -> int:
        with self._lock:
            return sum(1 for c in self._consumers.values() if c.alive)

    def snapshot(self) -> Snapshot:
        """The current snapshot; rebuilt only when something changed (or it grew stale)."""
        with self._lock:
            fresh = self.mono() - self._cache_at < SNAPSHOT_MAX_AGE
            if self._cache is not None and self._cache.version == self._version and fresh:
                return self._cache
            state = self._tracker.hub_state(
                now=self.wall(),
                mono=self.mono(),
                workers=self.settings.workers,
                stall_seconds=self.settings.stall_seconds,
                version=self._version,
            )
        built = build(state)
        with self._lock:
            self.rebuilds += 1
            if self._cache is None or built.version >= self._cache.version:
                self._cache, self._cache_at = built, self.mono()
        return built

    def wait_for_change(self, version: int, timeout: float) -> int:
        """Block until the state's version passes `version` (or timeout); return the version."""
        with self._changed:
            self._changed.wait_for(lambda: self._version > version, timeout)
            return self._version

    def poll_once(self) -> float:
        """Poll the status once (see `StatusPoller.poll_once`); the seconds until the next."""
        return self.poller.poll_once()

    # -- actions ----------------------------------------------------------------------------
    def operator_here(self) -> None:
        """A page was drawn for someone who may act (see `StatusPoller.operator_here`)."""
        self.poller.operator_here()

    def retry(self, set_id: str, caller: Caller) -> Future[ActionResult]:
        return self.actions.retry(set_id, caller)

    def cancel(self, job_id: str, caller: Caller) -> Future[ActionResult]:
        return self.actions.cancel(job_id, caller)

    # -- consumers --------------------------------------------------------------------------
    def reconcile(self) -> None:
        """Start a consumer for every watched job without one; nudge those left unlisted."""
        if self._stop.is_set():
            return
        with self._lock:
            want = self._tracker.wanted_streams()
            listed = self._tracker.listed_job_ids()
            to_start = [
                (j, s)
                for j, s in want.items()
                if j not in self._consumers or not self._consumers[j].alive
            ]
            # A consumer whose job is unlisted twice running is asked to look again; it ends
            # itself with the job's final frame. Stopping it would lose how the job ended.
            to_recheck = []
            for job_id, consumer in self._consumers.items():
                unlisted = job_id not in want and job_id not in listed
                misses = self._unlisted_polls.get(job_id, 0) + 1 if unlisted else 0
                self._unlisted_polls[job_id] = misses
                if misses == 2:
                    to_recheck.append(consumer)
            for job_id in list(self._unlisted_polls):
                if job_id not in self._consumers:
                    del self._unlisted_polls[job_id]
            for job_id, set_id in to_start:
                connect, close = self._connector(set_id, job_id)
                consumer = StreamConsumer(
                    job_id, connect, self, backoff=self._backoff, on_close=close
                )
                self._consumers[job_id] = consumer
                self._tracker.watch(job_id)
                consumer.start()
            # A stream silent past the heartbeat window is stuck, whatever TCP says: reopen it
            # now rather than at the read timeout (§3.2: a heartbeat every 15 s).
            window = self.settings.heartbeat_seconds + SILENCE_GRACE
            silent = silent_jobs(self._tracker.watched, self.mono(), window)
            to_reopen = [self._consumers[j] for j in silent if j in self._consumers]
        for consumer in to_recheck:
            consumer.recheck()
        for consumer in to_reopen:
            consumer.reopen(f"no heartbeat for over {window:.0f} s")

    def reconnect_streams(self) -> None:
        """Streams waiting to reconnect try now (with jitter): the backend is back."""
        with self._lock:
            consumers = list(self._consumers.values())
        for consumer in consumers:
            consumer.reconnect_now()

    def consumer_of(self, job_id: str) -> StreamConsumer | None:
        with self._lock:
            return self._consumers.get(job_id)

    def consuming(self) -> frozenset[str]:
        """Job ids that have a consumer right now."""
        with self._lock:
            return frozenset(self._consumers)

    def _http_connector(self, set_id: str, job_id: str) -> tuple[Connect, Callable[[], None]]:
        connector = HttpConnector(self.client, set_id, job_id, self.settings.read_timeout)
        return connector, connector.close

    # StreamSink: called from consumer threads.
    def on_event(self, job_id: str, event: StreamEvent) -> None:
        with self._lock:
            consumer = self._consumers.get(job_id)
            ids_seen = consumer is not None and consumer.last_event_id is not None
        with self.change() as tracker:
            tracker.apply_event(job_id, event, self.mono(), ids_seen)

    def on_stream_state(self, job_id: str, status: StreamStatus) -> None:
        with self.change() as tracker:
            tracker.set_stream(job_id, status, self.mono())

    def on_end(self, job_id: str, outcome: Outcome, reason: str | None) -> None:
        with self.change() as tracker:
            tracker.end(job_id, outcome, reason, self.wall())
            consumer = self._consumers.get(job_id)
            if consumer is not None and consumer.thread is threading.current_thread():
                del self._consumers[job_id]

    def should_watch(self, job_id: str) -> bool:
        with self._lock:
            return not self._stop.is_set() and self._tracker.should_watch(job_id)

    def job_state(self, job_id: str) -> JobState | None:
        try:
            return self.client.job(job_id).state
        except ApiError:
            return None  # 403 on the real service for today's jobs (§2): the poll will tell
