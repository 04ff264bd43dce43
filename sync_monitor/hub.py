"""The hub: one per process, shared by every viewer.

It owns the one status poller, exactly one stream consumer per watched job, and the actions
(retry, cancel). Threads write here under one lock; pages read immutable snapshots, rebuilt at
most once per change however many events or viewers there are (coalescing).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from . import snapshot as snap
from .backoff import Backoff
from .client import ApiError, DotoroClient, Features
from .events import StreamEvent
from .live import LiveJob, StreamStatus, apply, observe_progress
from .messages import describe
from .models import JobState, Platform, StatusSummary, SyncJob
from .settings import Settings
from .stream import Connect, HttpConnector, Outcome, StreamConsumer

log = logging.getLogger(__name__)

FORGET_AFTER = timedelta(minutes=5)  # finished jobs leave memory after this
MARK_TIMEOUT = timedelta(minutes=2)  # an unconfirmed optimistic retry is dropped after this
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
        self._wall, self._mono = wall, mono
        self._connector = connector or self._http_connector
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._version = 0
        self._cache: snap.Snapshot | None = None
        self._cache_at = 0.0
        self.rebuilds = 0  # how many snapshots were built: coalescing is measurable
        self._status: StatusSummary | None = None
        self._polled_at: datetime | None = None
        self._backend = snap.Backend(url=client.base_url, is_local=is_local)
        self._features = Features()
        self._features_known = False
        self._live: dict[str, LiveJob] = {}
        self._ended_at: dict[str, datetime] = {}
        self._consumers: dict[str, StreamConsumer] = {}
        self._unlisted_polls: dict[str, int] = {}
        self._known_jobs: dict[str, str] = {}
        self._first_seen: dict[str, datetime] = {}
        self._retrying: dict[str, snap.RetryMark] = {}
        self._cancelling: set[str] = set()
        self._cancelled: dict[str, datetime] = {}
        self._inflight: dict[str, Future[ActionResult]] = {}
        self._durations: deque[tuple[Platform, float]] = deque(maxlen=1000)
        self._finished: deque[snap.Finished] = deque(maxlen=5000)
        self._max_concurrency = 0
        self._history: tuple[snap.Finished, ...] = ()
        self._history_at: datetime | None = None
        self._poll_failures = 0
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
            state = self._state()
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

    def _state(self) -> snap.HubState:
        now = self._wall()
        return snap.HubState(
            now=now,
            mono=self._mono(),
            status=self._status,
            polled_at=self._polled_at,
            backend=self._backend,
            features=self._features,
            live=dict(self._live),
            known_jobs=dict(self._known_jobs),
            first_seen=dict(self._first_seen),
            retrying=dict(self._retrying),
            cancelling=frozenset(self._cancelling),
            cancelled=frozenset(self._cancelled),
            durations=tuple(self._durations),
            finished=tuple(self._finished),
            history=self._history,
            max_concurrency=self._max_concurrency,
            workers=self.settings.workers,
            stall_seconds=self.settings.stall_seconds,
            version=self._version,
        )

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
            self._absorb(status, now)
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
            for page_number, page in enumerate(
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
                if page_number >= HISTORY_MAX_PAGES:
                    break
        except ApiError as exc:
            log.info("history listing failed: %s", exc.code)
            return
        with self._lock:
            self._history = tuple(outcomes)
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
            self._durations.extend(durations)
            self._touch()

    def _absorb(self, status: StatusSummary, now: datetime) -> None:
        """Fold a poll into the state (lock held)."""
        mono = self._mono()
        previous = self._status
        self._status, self._polled_at = status, now
        self._max_concurrency = max(self._max_concurrency, len(status.active))
        active_keys = set()
        for job in status.active:
            key = job.job_id or job.campaign_set_id
            active_keys.add(key)
            self._first_seen.setdefault(key, now)
            current = self._live.get(job.job_id or "")
            if (
                job.job_id
                and job.progress.known
                and (current is None or current.stream.kind != "live")
            ):
                # Live progress in the summary (plan) stands in while the stream is down; a
                # live stream is fresher than the poll, whose older counts would look like a
                # restart.
                current = current or LiveJob(job.job_id)
                self._live[job.job_id] = observe_progress(current, job.progress, mono)
        if previous is not None:
            self._note_disappeared(previous, status, active_keys, now)
        listed = {j.campaign_set_id for j in (*status.pending, *status.active)}
        failed_sets = {j.campaign_set_id for j in status.failed}
        for set_id, mark in list(self._retrying.items()):
            confirmed = mark.job_id is not None and (set_id in listed or set_id not in failed_sets)
            if confirmed or now - mark.sent_at > MARK_TIMEOUT:
                del self._retrying[set_id]
        all_keys = {j.job_id or j.campaign_set_id for j in (*status.active, *status.pending)}
        for job_id, at in list(self._cancelled.items()):
            if job_id not in all_keys or now - at > MARK_TIMEOUT:
                del self._cancelled[job_id]
        self._forget(now, all_keys)

    def _note_disappeared(
        self, previous: StatusSummary, status: StatusSummary, active_keys: set[str], now: datetime
    ) -> None:
        """Jobs that left the active list finished; time them unless their stream already did."""
        failed_sets = {j.campaign_set_id for j in status.failed}
        for job in previous.active:
            key = job.job_id or job.campaign_set_id
            if key in active_keys:
                continue
            job_id = job.job_id or self._known_jobs.get(job.campaign_set_id)
            first = self._first_seen.pop(key, None)
            if job_id and job_id in self._ended_at:
                continue  # recorded from its stream
            outcome = "failed" if job.campaign_set_id in failed_sets else "completed"
            started = job.started_at or first
            self._record_finish(job.platform, outcome, started, now, job_id)

    def _record_finish(
        self,
        platform: Platform,
        outcome: str,
        started: datetime | None,
        now: datetime,
        job_id: str | None,
    ) -> None:
        duration = (now - started).total_seconds() if started else None
        if duration is not None and outcome == "completed":
            self._durations.append((platform, duration))
        self._finished.append(snap.Finished(now, platform, outcome, duration, job_id))

    def _forget(self, now: datetime, listed: set[str]) -> None:
        """Bounded memory: drop what finished a while ago and is no longer listed."""
        for job_id, ended in list(self._ended_at.items()):
            if now - ended > FORGET_AFTER and job_id not in listed:
                del self._ended_at[job_id]
                self._live.pop(job_id, None)
        for job_id in list(self._live):
            if (
                job_id not in listed
                and job_id not in self._consumers
                and (job_id not in self._ended_at)
                and job_id not in {m.job_id for m in self._retrying.values()}
            ):
                del self._live[job_id]
        status = self._status or StatusSummary()
        listed_sets = {j.campaign_set_id for j in (*status.active, *status.pending)}
        for set_id, job_id in list(self._known_jobs.items()):
            # Head rows carry set ids (§3.4): the job id we learned stays while its set is listed.
            if (
                set_id not in listed_sets
                and job_id not in self._live
                and (set_id not in self._retrying)
            ):
                del self._known_jobs[set_id]

    # -- consumers --------------------------------------------------------------------------
    def _watched(self) -> dict[str, str]:
        """job id -> set id of every job that should have a consumer (lock held)."""
        want: dict[str, str] = {}
        status = self._status or StatusSummary()
        for job in status.active:
            job_id = job.job_id or self._known_jobs.get(job.campaign_set_id)
            if job_id:
                want[job_id] = job.campaign_set_id
        for mark in self._retrying.values():
            if mark.job_id:
                want[mark.job_id] = mark.set_id  # watch the job our retry created
        return {
            j: s for j, s in want.items() if j not in self._ended_at and j not in self._cancelled
        }

    def _reconcile(self) -> None:
        if self._stop.is_set():
            return
        with self._lock:
            want = self._watched()
            status = self._status or StatusSummary()
            listed = {
                j.job_id or self._known_jobs.get(j.campaign_set_id, "")
                for j in (*status.active, *status.pending)
            }
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
                self._live.setdefault(job_id, LiveJob(job_id))
                consumer.start()
        for consumer in to_recheck:
            consumer.recheck()

    def _http_connector(self, set_id: str, job_id: str) -> tuple[Connect, Callable[[], None]]:
        connector = HttpConnector(self.client, set_id, job_id, self.settings.read_timeout)
        return connector, connector.close

    # StreamSink: called from consumer threads.
    def on_event(self, job_id: str, event: StreamEvent) -> None:
        with self._lock:
            current = apply(self._live.get(job_id, LiveJob(job_id)), event, self._mono())
            consumer = self._consumers.get(job_id)
            if consumer is not None and consumer.last_event_id is not None:
                current = replace(current, saw_event_ids=True)  # Last-Event-ID resume works
            self._live[job_id] = current
            self._touch()

    def on_stream_state(
        self, job_id: str, live: bool, attempt: int, reason: str | None, retry_in: float | None
    ) -> None:
        status = (
            StreamStatus("live")
            if live
            else StreamStatus("reconnecting", attempt, reason, retry_in)
        )
        with self._lock:
            current = self._live.get(job_id, LiveJob(job_id))
            self._live[job_id] = replace(current, stream=status)
            self._touch()

    def on_end(self, job_id: str, outcome: Outcome, reason: str | None) -> None:
        now = self._wall()
        with self._lock:
            current = self._live.get(job_id, LiveJob(job_id))
            if outcome is Outcome.DENIED:
                current = replace(current, stream=StreamStatus("failed", reason=reason))
            else:
                current = replace(current, stream=StreamStatus("ended", reason=reason))
            if outcome in (Outcome.COMPLETED, Outcome.FAILED, Outcome.CANCELLED):
                current = replace(
                    current,
                    outcome=outcome.value,
                    final_error=reason if outcome is Outcome.FAILED else None,
                )
                self._ended_at[job_id] = now
                self._finish_from_stream(job_id, outcome.value, now)
            self._live[job_id] = current
            consumer = self._consumers.get(job_id)
            if consumer is not None and consumer.thread is threading.current_thread():
                del self._consumers[job_id]
            self._touch()

    def _finish_from_stream(self, job_id: str, outcome: str, now: datetime) -> None:
        status = self._status or StatusSummary()
        for job in status.active:
            if (job.job_id or self._known_jobs.get(job.campaign_set_id)) == job_id:
                key = job.job_id or job.campaign_set_id
                started = job.started_at or self._first_seen.get(key)
                self._record_finish(job.platform, outcome, started, now, job_id)
                return

    def should_watch(self, job_id: str) -> bool:
        with self._lock:
            if self._stop.is_set() or job_id in self._cancelled:
                return False
            status = self._status or StatusSummary()
            listed = {
                j.job_id or self._known_jobs.get(j.campaign_set_id)
                for j in (*status.active, *status.pending)
            }
            ours = {m.job_id for m in self._retrying.values()}
            return job_id in listed or job_id in ours

    def job_state(self, job_id: str) -> JobState | None:
        try:
            return self.client.job(job_id).state
        except ApiError:
            return None  # 403 on the real service for today's jobs (§2): the poll will tell

    # -- actions ----------------------------------------------------------------------------
    def _once(self, key: str, work: Callable[[], ActionResult]) -> Future[ActionResult]:
        """Run `work` unless the same action is already in flight (a second click)."""
        with self._lock:
            running = self._inflight.get(key)
            if running is not None and not running.done():
                return running
            future = self._actions.submit(self._guarded, key, work)
            self._inflight[key] = future
            return future

    def _guarded(self, key: str, work: Callable[[], ActionResult]) -> ActionResult:
        try:
            return work()
        finally:
            with self._lock:
                self._inflight.pop(key, None)

    def retry(self, set_id: str) -> Future[ActionResult]:
        """Queue a new job for a failed set: shown as pending at once, confirmed or rolled
        back by the service's answer; the new job id is watched."""
        with self._lock:
            failed = self._find_failed(set_id)
            if set_id not in self._retrying:
                self._retrying[set_id] = snap.RetryMark(
                    set_id,
                    failed.campaign_set_name if failed else "",
                    failed.platform if failed else Platform.OTHER,
                    self._wall(),
                )
                self._touch()

        def work() -> ActionResult:
            try:
                queued = self.client.retry(set_id)
            except ApiError as exc:
                with self._lock:
                    self._retrying.pop(set_id, None)  # roll back the optimistic move
                    self._touch()
                return ActionResult(False, describe(exc, doing="The retry"))
            with self._lock:
                mark = self._retrying.get(set_id)
                if mark is not None:
                    self._retrying[set_id] = replace(mark, job_id=queued.job_id)
                self._known_jobs[set_id] = queued.job_id
                self._live.setdefault(queued.job_id, LiveJob(queued.job_id))
                self._touch()
            self._reconcile()
            return ActionResult(True, queued.message or "Sync queued again.", queued.job_id)

        return self._once(f"retry:{set_id}", work)

    def _find_failed(self, set_id: str) -> SyncJob | None:
        status = self._status or StatusSummary()
        return next((j for j in status.failed if j.campaign_set_id == set_id), None)

    def cancel(self, job_id: str) -> Future[ActionResult]:
        """Cancel a job where the backend can (ext, §3.6); hidden at once, restored on failure."""
        if not self._features.cancel:
            future: Future[ActionResult] = Future()
            future.set_result(ActionResult(False, "This backend cannot cancel syncs."))
            return future
        with self._lock:
            self._cancelling.add(job_id)
            self._touch()

        def work() -> ActionResult:
            try:
                self.client.cancel(job_id)
            except ApiError as exc:
                with self._lock:
                    self._cancelling.discard(job_id)
                    self._touch()
                return ActionResult(False, describe(exc, doing="The cancel"))
            with self._lock:
                self._cancelling.discard(job_id)
                self._cancelled[job_id] = self._wall()
                consumer = self._consumers.get(job_id)
                self._touch()
            if consumer is not None:
                consumer.stop()
            return ActionResult(True, "Sync cancelled.", job_id)

        return self._once(f"cancel:{job_id}", work)
