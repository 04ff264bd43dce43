"""The one status poller of a process: the status summary, the backend's health, its features
and its history listing (dotoro-api.md §3.4, §3.6).

One thread polls for every viewer, so fifty viewers cost the service what one does (§1: 100
requests per minute per client).
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import replace
from datetime import datetime, timedelta

from sync_monitor.dotoro.backoff import Backoff
from sync_monitor.dotoro.client import PROBES, DotoroClient
from sync_monitor.dotoro.errors import ApiError, describe
from sync_monitor.dotoro.models import Features, JobState, Platform, StatusSummary
from sync_monitor.pgboss.jobs import merge, names_of
from sync_monitor.pgboss.reader import QueueReader, QueueUnavailable
from sync_monitor.settings import Settings

from .consumers import Consumers
from .snapshot import BackendKind, Finished, QueueSource
from .state import LiveState

log = logging.getLogger(__name__)

HISTORY_EVERY = timedelta(seconds=60)  # the history listing is re-read at most this often
HISTORY_MAX_PAGES = 20  # of 500: enough for a busy day, bounded for a runaway one
PROBE_EVERY = timedelta(seconds=60)  # an undecided extension probe is asked again this often
MAX_NAMES = 20_000  # campaign set names kept for the pg-boss source
# While the backend does not answer, the poll is also the probe that finds it back: it backs off
# (1 s, 2 s, 4 s) but never past this, so recovery shows within 5 s (4 s plus at most 20 %
# jitter) however long the outage was. One request per probe, within the poll's share.
DOWN_PROBE_CAP = 4.0


class StatusPoller:
    """Polls `GET /api/v1/sync/status` on its own named daemon thread."""

    def __init__(
        self,
        state: LiveState,
        consumers: Consumers,
        client: DotoroClient,
        settings: Settings,
        stop: threading.Event,
        queue: QueueReader | None = None,
    ) -> None:
        self._state, self._consumers = state, consumers
        self._client, self._settings, self._stop = client, settings, stop
        self._queue = queue
        self._names: dict[str, str] = {}  # set names by id from the API: the table has ids only
        self._queue_problem: str | None = None
        self._decided: dict[str, bool] = {}  # extension -> present, once the backend answered
        self._probed_at: datetime | None = None
        # Set once someone who may act has opened the monitor: only then may a probe write.
        self._operator_here = threading.Event()
        self._probed_writes = False  # a probe round has run since then
        self._history_at: datetime | None = None
        self._failures = 0
        self._rng = random.Random()
        self._backoff = Backoff(cap=DOWN_PROBE_CAP)
        self._thread = threading.Thread(target=self._loop, name="sync-status-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def operator_here(self) -> None:
        """Someone who may act has the monitor open: the probes that write may now be sent
        (at the next poll); a read-only monitor sends none, whoever says this."""
        if not self._settings.read_only:
            self._operator_here.set()

    def join(self, timeout: float) -> None:
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                delay = self.poll_once()
            except Exception:
                # A bug must not kill the only poller: log it and carry on.
                log.exception("status poll failed unexpectedly")
                delay = self._settings.poll_seconds
            if self._stop.wait(delay):
                return

    def poll_once(self) -> float:
        """Poll the status summary once; return the seconds to wait before the next poll."""
        try:
            status = self._client.status()
        except ApiError as exc:
            return self._failed(exc)
        now = self._state.wall()
        status, (queue, problem), told = self._with_queue(status, now)
        # Before the figures: a first snapshot never offers less than the backend can do.
        self._probe_features(now)
        with self._state.change() as tracker:
            self._failures = 0
            recovered = tracker.known.backend.kind in (
                BackendKind.UNREACHABLE,
                BackendKind.RATE_LIMITED,
            )
            tracker.set_backend(
                replace(
                    tracker.known.backend,
                    kind=BackendKind.LIVE,
                    since=None,
                    until=None,
                    attempt=0,
                    message=None,
                    queue=queue,
                    queue_problem=problem,
                    stale_since=None,
                )
            )
            tracker.absorb(
                status, now, self._state.mono(), watching=self._consumers.consuming(), told=told
            )
        self._consumers.reconcile()
        if recovered:
            # Streams in backoff reconnect now (with jitter), so cards follow the header.
            self._consumers.reconnect_now()
        self._refresh_history()
        return self._settings.poll_seconds

    def _with_queue(
        self, status: StatusSummary, now: datetime
    ) -> tuple[StatusSummary, tuple[QueueSource, str | None], dict[str, tuple[JobState, datetime]]]:
        """The status made true with pg-boss's table, where there is one; where the queue came
        from (and why not the table, when it cannot be read: the page then shows the API's status
        alone); and how the followed jobs that left the table's live states ended, by job id."""
        if self._queue is None:
            return status, (QueueSource.API, None), {}
        for set_id, name in names_of(status).items():  # a name seen again is the newest
            self._names.pop(set_id, None)
            self._names[set_id] = name
        if len(self._names) > MAX_NAMES:  # bounded: the oldest names go first
            for key in list(self._names)[: len(self._names) - MAX_NAMES]:
                del self._names[key]
        try:
            listed = {r.campaign_set_id for r in (*status.active, *status.pending, *status.failed)}
            read = self._queue.read(now, listed)
        except QueueUnavailable as exc:
            if self._queue_problem != str(exc):
                log.warning("the pg-boss queue cannot be read: %s", exc)
            self._queue_problem = str(exc)
            return status, (QueueSource.PGBOSS_UNREADABLE, str(exc)), {}
        if self._queue_problem:
            log.info("the pg-boss queue is read again")
        self._queue_problem = None
        told = {j.id: (j.state, j.completed_on or now) for j in read.ended}
        return merge(status, read, self._names), (QueueSource.PGBOSS, None), told

    def _failed(self, exc: ApiError) -> float:
        now = self._state.wall()
        self._failures += 1
        message = describe(exc, doing="Polling the sync status")
        with self._state.change() as tracker:
            backend = tracker.known.backend
            if exc.status == 429:
                wait = exc.retry_after or 60.0
                backend = replace(
                    backend,
                    kind=BackendKind.RATE_LIMITED,
                    message=message,
                    until=now + timedelta(seconds=wait),
                )
            elif exc.is_auth:
                wait = max(10.0, self._settings.poll_seconds)
                backend = replace(backend, kind=BackendKind.DENIED, message=message)
            else:
                wait = self._backoff.delay(self._failures, self._rng.random())
                down = backend.kind is BackendKind.UNREACHABLE
                backend = replace(
                    backend,
                    kind=BackendKind.UNREACHABLE,
                    since=backend.since if down else now,
                    attempt=self._failures,
                    message=message,
                )
            if backend.stale:  # from the failure that made it so: a running time never goes back
                was = tracker.known.backend
                kept = was.stale_since if was.stale else None
                backend = replace(backend, stale_since=kept or now)
            tracker.set_backend(backend)
        return max(0.2, wait)

    def _refresh_history(self) -> None:
        """Outcomes of the last 24 h for the charts, where the backend lists history (ext)."""
        now = self._state.wall()
        with self._state.reading() as tracker:
            listed = tracker.known.features.history
        if not listed or (self._history_at is not None and now - self._history_at < HISTORY_EVERY):
            return
        self._history_at = now
        since = (now - timedelta(hours=24)).isoformat()
        outcomes: list[Finished] = []
        try:
            pages = self._client.history_all(since=since, state="completed,failed")
            for number, page in enumerate(pages):
                outcomes += [
                    Finished(
                        j.completed_at or j.created_at,
                        j.platform,
                        j.state,
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
        with self._state.change() as tracker:
            tracker.set_history(outcomes)

    def _probe_features(self, now: datetime) -> None:
        """Ask the backend which extensions it has, until each has a verdict (§3.6).

        A verdict comes only from an answer (`DotoroClient.probe`) and is kept: the backend's
        identity (its URL and credentials) is fixed for the life of the process. Undecided
        probes are asked again at most every PROBE_EVERY, so an erring backend costs little.
        """
        may_write = self._operator_here.is_set() and not self._settings.read_only
        undecided = [
            name
            for name, (method, _, _) in PROBES.items()
            if name not in self._decided and (method == "GET" or may_write)
        ]
        # The first round an operator may write in goes at once: their cards wait on it.
        first_with_writes = may_write and not self._probed_writes
        recently = self._probed_at is not None and now - self._probed_at < PROBE_EVERY
        if not undecided or (recently and not first_with_writes):
            return
        self._probed_at = now
        self._probed_writes = may_write
        had_history = self._decided.get("history", False)
        for name in undecided:
            verdict = self._client.probe(name)
            if verdict is not None:
                self._decided[name] = verdict
        features = Features(
            cancel=self._decided.get("cancel"), history=self._decided.get("history", False)
        )
        durations: list[tuple[Platform, float]] = []
        if features.history and not had_history:
            # Seed the queue estimates with real durations where the backend offers history.
            since = (self._state.wall() - timedelta(days=1)).isoformat()
            try:
                page = self._client.history(state="completed", since=since, limit=300)
                durations = [
                    (j.platform, (j.completed_at - j.started_at).total_seconds())
                    for j in page.jobs
                    if j.started_at and j.completed_at
                ]
            except ApiError as exc:
                log.info("history listing unavailable: %s", exc.code)
        with self._state.change() as tracker:
            tracker.set_features(features, durations)
