"""The hub: one per process, shared by every viewer.

It owns the one status poller, exactly one stream consumer per watched job, and the actions
(retry, cancel). Threads change the `Tracker` under one lock; pages read immutable snapshots,
rebuilt at most once per change however many events or viewers there are (coalescing).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from . import snapshot as snap
from .backoff import Backoff
from .client import ApiError, DotoroClient, Features
from .events import StreamEvent
from .live import LiveJob, StreamStatus
from .messages import describe
from .models import JobState, Platform
from .settings import Settings
from .stream import Connect, HttpConnector, Outcome, StreamConsumer
from .tracker import FORGET_AFTER, Tracker

__all__ = ["FORGET_AFTER", "ActionResult", "Hub"]

log = logging.getLogger(__name__)

HISTORY_EVERY = timedelta(seconds=60)  # the history listing is re-read at most this often
HISTORY_MAX_PAGES = 20  # of 500: enough for a busy day, bounded for a runaway one
SNAPSHOT_MAX_AGE = 0.25  # seconds: elapsed times and stall flags stay fresh without events


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    message: str
    job_id: str | None = None


ConnectorFactory = Callable[[str, str], tuple[Connect, Callable[[], None] | None]]


class Hub:
    def __init__(
        self,
        client: DotoroClient,
        settings: Settings,
        *,
        is_local: bool = False,
        connector: ConnectorFactory | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.settings = settings
        self.tracker = Tracker()
        self._wall, self._mono = wall, mono
        self._connector = connector or self._http_connector
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._version = 0
        self._cache: snap.Snapshot | None = None
        self._cache_at = 0.0
        self.rebuilds = 0  # how many snapshots were built: coalescing is measurable
        self._backend = snap.Backend(url=client.base_url, is_local=is_local)
        self._features = Features()
        self._features_known = False
        self._history_at: datetime | None = None
        self._poll_failures = 0
        self._consumers: dict[str, StreamConsumer] = {}
        self._unlisted_polls: dict[str, int] = {}
        self._recent: dict[str, Future[ActionResult]] = {}  # last action per target
        self._rng = random.Random()
        self._backoff = Backoff()
        self._actions = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sync-action")
        self._poller = threading.Thread(
            target=self._poll_loop, name="sync-status-poller", daemon=True
        )

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Hub:
        self._poller.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the poller and every consumer, and wait for their threads."""
        self._stop.set()
        with self._lock:
            consumers = list(self._consumers.values())
        for consumer in consumers:
            consumer.stop()
        if self._poller.is_alive():
            self._poller.join(timeout)
        for consumer in consumers:
            consumer.thread.join(timeout)
        self._actions.shutdown(wait=True, cancel_futures=True)

    @property
    def consumer_count(self) -> int:
        with self._lock:
            return sum(1 for c in self._consumers.values() if c.alive)

    # -- reading ----------------------------------------------------------------------------
    def _touch(self) -> None:
        self._version += 1
        self._changed.notify_all()

    def snapshot(self) -> snap.Snapshot:
        """The current snapshot; rebuilt only when something changed (or it grew stale)."""
        with self._lock:
            fresh = self._mono() - self._cache_at < SNAPSHOT_MAX_AGE
            if self._cache is not None and self._cache.version == self._version and fresh:
                return self._cache
            state = self.tracker.hub_state(
                now=self._wall(),
                mono=self._mono(),
                backend=self._backend,
                features=self._features,
                workers=self.settings.workers,
                stall_seconds=self.settings.stall_seconds,
                version=self._version,
            )
        built = snap.build(state)
        with self._lock:
            self.rebuilds += 1
            if self._cache is None or built.version >= self._cache.version:
                self._cache, self._cache_at = built, self._mono()
        return built

    def wait_for_change(self, version: int, timeout: float) -> int:
        """Block until the state's version passes `version` (or timeout); return the version."""
        with self._changed:
            self._changed.wait_for(lambda: self._version > version, timeout)
            return self._version

    # -- polling ----------------------------------------------------------------------------
    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            delay = self.poll_once()
            if self._stop.wait(delay):
                return

    def poll_once(self) -> float:
        """Poll the status summary once; return the seconds to wait before the next poll."""
        try:
            if not self._features_known:
                self._detect_features()
            status = self.client.status()
        except ApiError as exc:
            return self._poll_failed(exc)
        now = self._wall()
        with self._lock:
            self._poll_failures = 0
            self._backend = replace(
                self._backend, kind="live", since=None, until=None, attempt=0, message=None
            )
            self.tracker.absorb(status, now, self._mono(), watching=set(self._consumers))
            self._touch()
        self._reconcile()
        self._refresh_history(now)
        return self.settings.poll_seconds

    def _poll_failed(self, exc: ApiError) -> float:
        now = self._wall()
        with self._lock:
            self._poll_failures += 1
            message = describe(exc, doing="Polling the sync status")
            if exc.status == 429:
                wait = exc.retry_after or 60.0
                self._backend = replace(
                    self._backend,
                    kind="rate_limited",
                    message=message,
                    until=now + timedelta(seconds=wait),
                )
            elif exc.is_auth:
                wait = max(10.0, self.settings.poll_seconds)
                self._backend = replace(self._backend, kind="denied", message=message)
            else:
                wait = self._backoff.delay(self._poll_failures, self._rng.random())
                since = self._backend.since if self._backend.kind == "unreachable" else now
                self._backend = replace(
                    self._backend,
                    kind="unreachable",
                    since=since,
                    attempt=self._poll_failures,
                    message=message,
                )
                self._features_known = False  # the backend may come back as another one
            self._touch()
        return max(0.2, wait)

    def _refresh_history(self, now: datetime) -> None:
        """Outcomes of the last 24 h for the charts, where the backend lists history (ext)."""
        if not self._features.history or (
            self._history_at is not None and now - self._history_at < HISTORY_EVERY
        ):
            return
        self._history_at = now
        since = (now - timedelta(hours=24)).isoformat()
        outcomes: list[snap.Finished] = []
        try:
            for number, page in enumerate(
                self.client.history_all(since=since, state="completed,failed")
            ):
                outcomes += [
                    snap.Finished(
                        j.completed_at or j.created_at,
                        j.platform,
                        j.state.value,
                        (j.completed_at - j.started_at).total_seconds()
                        if j.completed_at and j.started_at
                        else None,
                        j.id,
                    )
                    for j in page.jobs
                ]
                if number >= HISTORY_MAX_PAGES:
                    break
        except ApiError as exc:
            log.info("history listing failed: %s", exc.code)
            return
        with self._lock:
            self.tracker.history = tuple(outcomes)
            self._touch()

    def _detect_features(self) -> None:
        features = self.client.detect_features()
        durations: list[tuple[Platform, float]] = []
        if features.history:
            # Seed the queue estimates with real durations where the backend offers history.
            since = (self._wall() - timedelta(days=1)).isoformat()
            try:
                page = self.client.history(state="completed", since=since, limit=300)
                durations = [
                    (j.platform, (j.completed_at - j.started_at).total_seconds())
                    for j in page.jobs
                    if j.started_at and j.completed_at
                ]
            except ApiError as exc:
                log.info("history listing unavailable: %s", exc.code)
        with self._lock:
            self._features, self._features_known = features, True
            self.tracker.durations.extend(durations)
            self._touch()

    # -- consumers --------------------------------------------------------------------------
    def _reconcile(self) -> None:
        """Start a consumer for every watched job without one; nudge those left unlisted."""
        if self._stop.is_set():
            return
        with self._lock:
            want = self.tracker.watched()
            listed = self.tracker.listed_job_ids()
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
                consumer = StreamConsumer(job_id, connect, self, on_close=close)
                self._consumers[job_id] = consumer
                self.tracker.live.setdefault(job_id, LiveJob(job_id))
                consumer.start()
        for consumer in to_recheck:
            consumer.recheck()

    def _http_connector(self, set_id: str, job_id: str) -> tuple[Connect, Callable[[], None]]:
        connector = HttpConnector(self.client, set_id, job_id, self.settings.read_timeout)
        return connector, connector.close

    # StreamSink: called from consumer threads.
    def on_event(self, job_id: str, event: StreamEvent) -> None:
        with self._lock:
            consumer = self._consumers.get(job_id)
            ids_seen = consumer is not None and consumer.last_event_id is not None
            self.tracker.apply_event(job_id, event, self._mono(), ids_seen)
            self._touch()

    def on_stream_state(
        self, job_id: str, live: bool, attempt: int, reason: str | None, retry_in: float | None
    ) -> None:
        stream = (
            StreamStatus("live")
            if live
            else StreamStatus("reconnecting", attempt, reason, retry_in)
        )
        with self._lock:
            self.tracker.set_stream(job_id, stream)
            self._touch()

    def on_end(self, job_id: str, outcome: Outcome, reason: str | None) -> None:
        with self._lock:
            self.tracker.end(job_id, outcome, reason, self._wall())
            consumer = self._consumers.get(job_id)
            if consumer is not None and consumer.thread is threading.current_thread():
                del self._consumers[job_id]
            self._touch()

    def should_watch(self, job_id: str) -> bool:
        with self._lock:
            return not self._stop.is_set() and self.tracker.should_watch(job_id)

    def job_state(self, job_id: str) -> JobState | None:
        try:
            return self.client.job(job_id).state
        except ApiError:
            return None  # 403 on the real service for today's jobs (§2): the poll will tell

    # -- actions ----------------------------------------------------------------------------
    def _once(
        self, key: str, work: Callable[[], ActionResult], pending: Callable[[], bool]
    ) -> Future[ActionResult]:
        """Run `work` unless the same action is in flight or its effect still awaits the
        service's confirmation (`pending()`): a second click, or a click replayed by a rerun,
        then gets the first one's result instead of a second request. Lock held by caller."""
        previous = self._recent.get(key)
        if previous is not None and (not previous.done() or pending()):
            return previous
        for old in [k for k, f in self._recent.items() if f.done()]:
            del self._recent[old]  # bounded: settled actions are forgotten
        future = self._actions.submit(work)
        self._recent[key] = future
        return future

    def retry(self, set_id: str) -> Future[ActionResult]:
        """Queue a new job for a failed set: shown as pending at once, confirmed or rolled
        back by the service's answer; the new job id is watched."""

        def work() -> ActionResult:
            try:
                queued = self.client.retry(set_id)
            except ApiError as exc:
                with self._lock:
                    self.tracker.retry_refused(set_id)
                    self._touch()
                return ActionResult(False, describe(exc, doing="The retry"))
            with self._lock:
                self.tracker.retry_queued(set_id, queued.job_id)
                self._touch()
            self._reconcile()
            return ActionResult(True, queued.message or "Sync queued again.", queued.job_id)

        with self._lock:
            future = self._once(
                f"retry:{set_id}", work, pending=lambda: set_id in self.tracker.retrying
            )
            self.tracker.mark_retry(set_id, self._wall())
            self._touch()
            return future

    def cancel(self, job_id: str) -> Future[ActionResult]:
        """Cancel a job where the backend can (ext, §3.6); hidden at once, restored on failure."""
        if not self._features.cancel:
            future: Future[ActionResult] = Future()
            future.set_result(ActionResult(False, "This backend cannot cancel syncs."))
            return future

        def work() -> ActionResult:
            try:
                self.client.cancel(job_id)
            except ApiError as exc:
                with self._lock:
                    self.tracker.cancelling.discard(job_id)
                    self._touch()
                return ActionResult(False, describe(exc, doing="The cancel"))
            with self._lock:
                self.tracker.cancel_done(job_id, self._wall())
                consumer = self._consumers.get(job_id)
                self._touch()
            if consumer is not None:
                consumer.stop()
            return ActionResult(True, "Sync cancelled.", job_id)

        with self._lock:
            future = self._once(
                f"cancel:{job_id}",
                work,
                pending=lambda: (
                    job_id in self.tracker.cancelling or job_id in self.tracker.cancelled
                ),
            )
            self.tracker.cancelling.add(job_id)
            self._touch()
            return future
