"""One SSE consumer per job: a named daemon thread that reads the job's stream and reconnects.

The reading is in `sse.py`; what it reads goes to a `StreamSink` (consumers.py). The thread takes a
`connect` factory, so a unit test can drive it with a list of events.
Contract: dotoro-api.md §3.2 (sequences and quirks) and §5 (what sseclient-py does not do).
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import requests
import urllib3

from sync_monitor.dotoro.backoff import Backoff
from sync_monitor.dotoro.errors import ApiError
from sync_monitor.dotoro.events import (
    Cancelled,
    Completed,
    Connected,
    StreamError,
    StreamEvent,
    decode_event,
)
from sync_monitor.dotoro.models import JobState
from sync_monitor.dotoro.sse import Connect

from .jobstate import StreamEnd, StreamKind, StreamStatus

log = logging.getLogger(__name__)

REOPEN_JITTER = 1.0  # seconds: the spread of reconnects that happen "at once"


class StreamSink(Protocol):
    """What a consumer reports to (consumers.py). Called from the consumer's thread."""

    def on_event(self, job_id: str, event: StreamEvent) -> None: ...

    def on_stream_state(self, job_id: str, status: StreamStatus) -> None: ...

    def on_end(self, job_id: str, outcome: StreamEnd, reason: str | None) -> None: ...

    def should_watch(self, job_id: str) -> bool: ...

    def job_state(self, job_id: str) -> JobState | None: ...


@dataclass
class _Verdict:
    outcome: StreamEnd | None = None  # set: stop for good
    got_events: bool = False
    wait: float | None = None  # None: the backoff decides
    reason: str | None = None
    waiting: bool = False  # for the request budget: not a failure


class StreamConsumer:
    """Reads one job's stream until it completes, fails for good, or the job stops mattering."""

    def __init__(
        self,
        job_id: str,
        connect: Connect,
        sink: StreamSink,
        *,
        backoff: Backoff | None = None,
        rng: random.Random | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.job_id = job_id
        self.connect = connect
        self.sink = sink
        self.backoff = backoff or Backoff()
        self.rng = rng or random.Random()
        self.last_event_id: str | None = None
        self._on_close = on_close
        self._stop = threading.Event()
        self._wake = threading.Event()  # cuts a backoff wait short: stop, or the backend is back
        self._reopen_reason: str | None = None
        self.thread = threading.Thread(target=self.run, name=f"sse-{job_id[:8]}", daemon=True)

    def start(self) -> StreamConsumer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._on_close is not None:
            self._on_close()  # unblocks a read waiting on the socket

    def reconnect_now(self) -> None:
        """Cut a backoff wait short, after a short jitter: the backend is reachable again."""
        self._wake.set()

    def reopen(self, reason: str) -> None:
        """Drop the current connection and open a new one at once (a stream gone silent)."""
        self._reopen_reason = reason
        if self._on_close is not None:
            self._on_close()

    def recheck(self) -> None:
        """Interrupt the current read so the consumer asks again whether the job matters.

        For a job that left the lists while its stream only sends heartbeats (it finished
        between lookup and subscribe, §3.2): the consumer's last attach then tells how it ended.
        """
        self._wake.set()  # a consumer waiting its turn looks too
        if self._on_close is not None:
            self._on_close()

    @property
    def alive(self) -> bool:
        return self.thread.is_alive()

    def run(self) -> None:
        failures = 0
        waited_turn = False  # for the request budget, with no failed connection since
        outcome, reason = StreamEnd.STOPPED, None
        try:
            while not self._stop.is_set():
                if waited_turn and not failures and not self.sink.should_watch(self.job_id):
                    # It left the lists while its stream waited its turn: the polls tell how
                    # it ended. A last attach would spend a request per ended job, and where
                    # syncs end faster than the budget opens streams, these waits pile up.
                    outcome, reason = StreamEnd.GONE, "the job left the lists before its turn"
                    return
                # Once the job has left the lists, one last attach tells how it ended: a
                # finished job answers at once with its final frame (§3.2).
                final = bool(failures) and not self.sink.should_watch(self.job_id)
                try:
                    verdict = self._attempt(final=final)
                except Exception:
                    # A bug (ours, or a sink's) must not end the job's only stream: log it and
                    # reconnect after the usual backoff.
                    log.exception("stream %s: unexpected error", self.job_id)
                    verdict = _Verdict(reason="an unexpected error in the monitor")
                if final and verdict.outcome is None:
                    verdict = _Verdict(StreamEnd.GONE, reason="the job is no longer active")
                if self._stop.is_set():
                    return
                if verdict.outcome is not None:
                    outcome, reason = verdict.outcome, verdict.reason
                    return
                reopen, self._reopen_reason = self._reopen_reason, None
                if reopen is not None:
                    verdict.reason, verdict.wait = reopen, REOPEN_JITTER * self.rng.random()
                if verdict.waiting and verdict.wait is not None:
                    # Not a failure: the request budget says when this stream's turn comes.
                    state = StreamStatus(StreamKind.WAITING, 0, verdict.reason, verdict.wait)
                    self.sink.on_stream_state(self.job_id, state)
                    waited_turn = True
                    if self._wait(verdict.wait, jitter=False):
                        return
                    continue
                failures = 1 if verdict.got_events else failures + 1
                delay = verdict.wait
                if delay is None:
                    delay = self.backoff.delay(failures, self.rng.random())
                state = StreamStatus(StreamKind.RECONNECTING, failures, verdict.reason, delay)
                self.sink.on_stream_state(self.job_id, state)
                if self._wait(delay):
                    return
        finally:
            self.sink.on_end(self.job_id, outcome, reason)

    def _wait(self, delay: float, *, jitter: bool = True) -> bool:
        """Wait out a reconnect delay; True when stopped. A wake-up ends it early, after a
        jitter, so that many consumers woken at once do not reconnect in step."""
        self._wake.clear()
        if self._wake.wait(delay) and not self._stop.is_set() and jitter:
            self._stop.wait(REOPEN_JITTER * self.rng.random())
        return self._stop.is_set()

    def _attempt(self, final: bool = False) -> _Verdict:
        verdict = _Verdict()
        try:
            with self.connect(self.last_event_id) as events:
                self.sink.on_stream_state(self.job_id, StreamStatus(StreamKind.LIVE))
                connected = False
                # An `error` with no `connected` before it is final only if the stream then
                # closes (a late attach to a failed job, §3.2): frames replayed after a resume
                # (Last-Event-ID) also come without `connected`, and may go on past an earlier
                # attempt's error.
                late_error: StreamError | None = None
                for raw in events:
                    if raw.id is not None:
                        self.last_event_id = raw.id  # WHATWG: the last event id persists
                    event = decode_event(raw.event, raw.data)
                    self.sink.on_event(self.job_id, event)
                    verdict.got_events = True
                    late_error = None
                    if isinstance(event, Connected):
                        connected = True
                        if event.state is JobState.CANCELLED:
                            # The service then sends only heartbeats until its 5-minute close.
                            return _Verdict(StreamEnd.CANCELLED, True)
                        if final:
                            return verdict  # still unfinished, yet unlisted: stop watching
                    elif isinstance(event, Completed):
                        return _Verdict(StreamEnd.COMPLETED, True)
                    elif isinstance(event, Cancelled):
                        return _Verdict(StreamEnd.CANCELLED, True)
                    elif isinstance(event, StreamError):
                        if not connected:
                            late_error = event
                            continue
                        return self._after_error(event)
                    if self._stop.is_set():
                        return verdict
                if late_error is not None:
                    return _Verdict(StreamEnd.FAILED, True, reason=late_error.message)
            verdict.reason = "the stream ended without a final event"
        except ApiError as exc:
            if exc.status in (400, 401, 403, 404):  # reconnecting cannot change these
                return _Verdict(StreamEnd.DENIED, reason=exc.message)
            verdict.reason = exc.message
            if exc.status == 429:
                verdict.wait = exc.retry_after
            if exc.code == "BUDGET":
                verdict.reason, verdict.wait = "waiting its turn", exc.retry_after
                verdict.waiting = True
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,  # raw reads raise urllib3's own errors
            OSError,
            ValueError,
            AttributeError,
        ) as exc:
            # A drop, a read timeout, or a response closed under us by stop().
            verdict.reason = "the connection dropped" if not self._stop.is_set() else None
            log.debug("stream %s: %s", self.job_id, type(exc).__name__)
        return verdict

    def _after_error(self, event: StreamError) -> _Verdict:
        # pg-boss may still retry the job (§3.2, §4): ask, and otherwise look again soon.
        state = self.sink.job_state(self.job_id)
        if state is JobState.FAILED:
            return _Verdict(StreamEnd.FAILED, True, reason=event.message)
        if state is JobState.CANCELLED:
            return _Verdict(StreamEnd.CANCELLED, True)
        return _Verdict(None, True, wait=0.5, reason="the attempt failed; the job may be retried")
