"""Exactly one stream consumer per watched job (streams.py), started and stopped as the state
says, and the sink their threads report to.

The consumers sit beside the tracker under the state's one lock: which job has a consumer and
what the tracker wants are read together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sync_monitor.dotoro.backoff import Backoff
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.dotoro.errors import ApiError
from sync_monitor.dotoro.events import StreamEvent
from sync_monitor.dotoro.models import JobState
from sync_monitor.dotoro.sse import Connect, HttpConnector

from .jobstate import StreamEnd, StreamStatus, silent_jobs
from .state import LiveState
from .streams import StreamConsumer

SILENCE_GRACE = 5.0  # seconds past the heartbeat interval before a live stream counts as silent

ConnectorFactory = Callable[[str, str], tuple[Connect, Callable[[], None] | None]]


class Consumers:
    def __init__(
        self,
        state: LiveState,
        client: DotoroClient,
        stop: threading.Event,
        *,
        heartbeat_seconds: float,
        read_timeout: float,
        connector: ConnectorFactory | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self._state, self._client, self._stop = state, client, stop
        self._heartbeat_seconds, self._read_timeout = heartbeat_seconds, read_timeout
        self._connector = connector or self._http_connector
        self._backoff = backoff or Backoff()  # the streams' reconnect delays
        self._consumers: dict[str, StreamConsumer] = {}
        self._unlisted_polls: dict[str, int] = {}

    def reconcile(self) -> None:
        """Start a consumer for every watched job without one; nudge those left unlisted."""
        if self._stop.is_set():
            return
        # Under the lock, not announced: which job has a consumer is not on any page.
        with self._state.reading() as tracker:
            want = tracker.wanted_streams()
            listed = tracker.listed_job_ids()
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
                tracker.watch(job_id)
                consumer.start()
            # A stream silent past the heartbeat window is stuck, whatever TCP says: reopen it
            # now rather than at the read timeout (§3.2: a heartbeat every 15 s).
            window = self._heartbeat_seconds + SILENCE_GRACE
            silent = silent_jobs(tracker.known.watched(), self._state.mono(), window)
            to_reopen = [self._consumers[j] for j in silent if j in self._consumers]
        for consumer in to_recheck:
            consumer.recheck()
        for consumer in to_reopen:
            consumer.reopen(f"no heartbeat for over {window:.0f} s")

    def reconnect_now(self) -> None:
        """Streams waiting to reconnect try now (with jitter): the backend is back."""
        for consumer in self.all():
            consumer.reconnect_now()

    def of(self, job_id: str) -> StreamConsumer | None:
        with self._state.lock:
            return self._consumers.get(job_id)

    def all(self) -> list[StreamConsumer]:
        with self._state.lock:
            return list(self._consumers.values())

    def consuming(self) -> frozenset[str]:
        """Job ids that have a consumer right now."""
        with self._state.lock:
            return frozenset(self._consumers)

    def alive(self) -> int:
        """How many consumers' threads run (a finished one may wait to be replaced)."""
        return sum(1 for c in self.all() if c.alive)

    def _http_connector(self, set_id: str, job_id: str) -> tuple[Connect, Callable[[], None]]:
        connector = HttpConnector(self._client, set_id, job_id, self._read_timeout)
        return connector, connector.close

    # StreamSink: called from consumer threads.
    def on_event(self, job_id: str, event: StreamEvent) -> None:
        with self._state.lock:
            consumer = self._consumers.get(job_id)
            ids_seen = consumer is not None and consumer.last_event_id is not None
        with self._state.change() as tracker:
            tracker.apply_event(job_id, event, self._state.mono(), ids_seen)

    def on_stream_state(self, job_id: str, status: StreamStatus) -> None:
        with self._state.change() as tracker:
            tracker.set_stream(job_id, status, self._state.mono())

    def on_end(self, job_id: str, outcome: StreamEnd, reason: str | None) -> None:
        with self._state.change() as tracker:
            tracker.end(job_id, outcome, reason, self._state.wall())
            consumer = self._consumers.get(job_id)
            if consumer is not None and consumer.thread is threading.current_thread():
                del self._consumers[job_id]

    def should_watch(self, job_id: str) -> bool:
        with self._state.reading() as tracker:
            return not self._stop.is_set() and tracker.should_watch(job_id)

    def job_state(self, job_id: str) -> JobState | None:
        try:
            return self._client.job(job_id).state
        except ApiError:
            return None  # 403 on the real service for today's jobs (§2): the poll will tell
