"""SSE framing and parsing, and the per-job consumer driven by a scripted fake `connect`
(dotoro-api.md §3.2 sequences and quirks, §5 what sseclient-py does not do, §6 WHATWG rules)."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests
import urllib3

from sync_monitor.dotoro.backoff import Backoff
from sync_monitor.dotoro.errors import ApiError
from sync_monitor.dotoro.events import (
    Completed,
    Connected,
    Heartbeat,
    Malformed,
    ProgressUpdate,
    StreamError,
    StreamEvent,
    Unknown,
)
from sync_monitor.dotoro.models import JobState
from sync_monitor.dotoro.sse import RawEvent, complete_frames, parse_sse
from sync_monitor.live.jobstate import StreamEnd, StreamKind, StreamStatus
from sync_monitor.live.streams import StreamConsumer
from tests.support.logs import LoggedErrors

JOB = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
FAST = Backoff(base=0.01, cap=0.02, jitter=0)
JOIN = 5.0  # seconds a test waits for a thread before declaring it hung


# -- complete_frames --------------------------------------------------------------------------


def test_event_split_across_chunks_is_reassembled() -> None:
    chunks = [b"event: progress\nda", b'ta: {"synced": 1', b', "failed": 0, "total": 3}\n', b"\n"]

    assert list(complete_frames(chunks)) == [
        b'event: progress\ndata: {"synced": 1, "failed": 0, "total": 3}\n\n'
    ]


def test_several_events_in_one_chunk_pass_on_together() -> None:
    chunk = b"event: heartbeat\ndata: \n\nevent: heartbeat\ndata: \n\n"

    assert list(complete_frames([chunk])) == [chunk]


def test_whole_frames_pass_on_and_the_rest_waits_for_its_blank_line() -> None:
    chunks = [b"data: 1\n\ndata: 2\n", b"\ndata: 3"]

    assert list(complete_frames(chunks)) == [b"data: 1\n\n", b"data: 2\n\n"]


def test_partial_frame_at_end_of_stream_is_dropped() -> None:
    assert list(complete_frames([b"data: 1\n\n", b"event: completed\ndata: {}\n"])) == [
        b"data: 1\n\n"
    ]


def test_a_frame_is_passed_on_before_the_next_chunk_is_read() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"event: heartbeat\ndata: \n\n"
        raise AssertionError("read past a complete frame")

    assert next(complete_frames(chunks())) == b"event: heartbeat\ndata: \n\n"


@pytest.mark.parametrize(
    "chunks",
    [
        [b"event: a\r\ndata: 1\r\n\r\n"],
        [b"event: a\r\ndata: 1\r\n\r", b"\n"],
        [b"event: a\r\ndata: 1\r\n", b"\r\n"],
    ],
    ids=["whole", "split-in-last-crlf", "split-between-crlfs"],
)
def test_crlf_frame_endings_are_recognised(chunks: list[bytes]) -> None:
    assert list(complete_frames(chunks)) == [b"event: a\r\ndata: 1\r\n\r\n"]


def test_cr_only_frame_endings_are_recognised() -> None:
    assert list(complete_frames([b"event: a\rdata: 1\r\r"])) == [b"event: a\rdata: 1\r\r"]


# -- parse_sse --------------------------------------------------------------------------------


def test_heartbeat_with_empty_data_is_a_real_event() -> None:
    # The service sends "data: " with a trailing space (§3.2); sseclient-py skips events whose
    # data is empty, so this pins that the heartbeat still comes through.
    assert list(parse_sse([b"event: heartbeat\ndata: \n\n"])) == [RawEvent("heartbeat", "")]


def test_events_keep_their_type_data_and_id() -> None:
    stream = [
        b'id: 41\nevent: progress\ndata: {"synced": 1, "failed": 0, "total": 2}\n\n',
        b'event: completed\ndata: {"synced": 2, "failed": 0, "total": 2}\n\n',
    ]

    assert list(parse_sse(stream)) == [
        RawEvent("progress", '{"synced": 1, "failed": 0, "total": 2}', "41"),
        RawEvent("completed", '{"synced": 2, "failed": 0, "total": 2}', None),
    ]


def test_split_chunks_and_crlf_parse_into_events() -> None:
    chunks = [b"event: conn", b'ected\r\ndata: {"jobId": "j", ', b'"state": "active"}\r\n\r', b"\n"]

    assert list(parse_sse(chunks)) == [RawEvent("connected", '{"jobId": "j", "state": "active"}')]


def test_comments_are_ignored_and_data_lines_are_joined() -> None:
    stream = [b": keep-alive\n\nevent: x\ndata: a\ndata: b\n\n"]

    assert list(parse_sse(stream)) == [RawEvent("x", "a\nb")]


def test_unterminated_event_at_end_of_stream_is_not_dispatched() -> None:
    # WHATWG discards it; sseclient-py alone would dispatch it (§5, §6).
    assert list(parse_sse([b"event: completed\ndata: {}"])) == []


# -- StreamConsumer ---------------------------------------------------------------------------


def frame(event: str, data: Any = "", id: str | None = None) -> RawEvent:
    return RawEvent(event, data if isinstance(data, str) else json.dumps(data), id)


def connected(state: str = "active", id: str | None = None) -> RawEvent:
    return frame("connected", {"jobId": JOB, "state": state}, id)


def progress(synced: int, total: int, id: str | None = None) -> RawEvent:
    return frame("progress", {"synced": synced, "failed": 0, "total": total}, id)


def completed(synced: int = 3, id: str | None = None) -> RawEvent:
    return frame("completed", {"synced": synced, "failed": 0, "total": synced}, id)


def error(message: str = "Job failed") -> RawEvent:
    return frame("error", {"error": message})


HEARTBEAT = frame("heartbeat", "")

Attempt = list[RawEvent] | BaseException


class Script:
    """A fake `connect`: each call plays the next attempt (events, or an exception raised on
    connect). Once the script runs out it stops the consumer, so a consumer that keeps
    reconnecting ends STOPPED instead of hanging the test."""

    def __init__(self, *attempts: Attempt) -> None:
        self.attempts = list(attempts)
        self.calls: list[str | None] = []  # last_event_id passed on each connect
        self.consumer: StreamConsumer | None = None

    @contextmanager
    def __call__(self, last_event_id: str | None) -> Iterator[Iterable[RawEvent]]:
        self.calls.append(last_event_id)
        if not self.attempts:
            assert self.consumer is not None
            self.consumer.stop()
            raise requests.ConnectionError("script exhausted")
        attempt = self.attempts.pop(0)
        if isinstance(attempt, BaseException):
            raise attempt
        yield attempt


class Sink:
    """Records what the consumer reports; `watch` and `state` answer its questions."""

    def __init__(self, *, watch: bool = True, state: JobState | None = None) -> None:
        self.watch = watch
        self.state = state
        self.events: list[StreamEvent] = []
        self.states: list[tuple[bool, int, str | None, float | None]] = []
        self.kinds: list[StreamKind] = []
        self.ends: list[tuple[StreamEnd, str | None]] = []
        self.state_questions = 0
        self.got_event = threading.Event()
        self.reconnecting = threading.Event()

    def on_event(self, job_id: str, event: StreamEvent) -> None:
        assert job_id == JOB
        self.events.append(event)
        self.got_event.set()

    def on_stream_state(self, job_id: str, status: StreamStatus) -> None:
        assert job_id == JOB
        live = status.kind is StreamKind.LIVE
        self.states.append((live, status.attempt, status.reason, status.retry_in))
        self.kinds.append(status.kind)
        if not live:
            self.reconnecting.set()

    def on_end(self, job_id: str, outcome: StreamEnd, reason: str | None) -> None:
        assert job_id == JOB
        self.ends.append((outcome, reason))

    def should_watch(self, job_id: str) -> bool:
        return self.watch

    def job_state(self, job_id: str) -> JobState | None:
        self.state_questions += 1
        return self.state

    @property
    def reconnects(self) -> list[tuple[int, str | None, float | None]]:
        return [(attempt, reason, wait) for live, attempt, reason, wait in self.states if not live]


def consumer(script: Script, sink: Sink, backoff: Backoff = FAST) -> StreamConsumer:
    made = StreamConsumer(JOB, script, sink, backoff=backoff, rng=random.Random(7))
    script.consumer = made
    return made


def run(sink: Sink, *attempts: Attempt) -> Script:
    script = Script(*attempts)
    consumer(script, sink).run()
    return script


def test_stops_with_completed_on_a_completed_frame() -> None:
    sink = Sink()
    script = run(sink, [connected(), progress(0, 0), HEARTBEAT, progress(2, 3), completed(3)])

    assert sink.ends == [(StreamEnd.COMPLETED, None)]
    assert script.calls == [None]
    assert sink.states == [(True, 0, None, None)]
    assert [type(e) for e in sink.events] == [
        Connected,
        ProgressUpdate,
        Heartbeat,
        ProgressUpdate,
        Completed,
    ]


def test_late_attach_to_a_completed_job_stops_with_completed() -> None:
    sink = Sink()
    output = {"value": [{"synced": 4, "failed": 1, "skipped": 0, "errors": []}]}
    run(sink, [frame("completed", output)])

    assert sink.ends == [(StreamEnd.COMPLETED, None)]


def test_reconnects_after_a_clean_end_and_resumes_from_the_last_event_id() -> None:
    sink = Sink()
    script = run(
        sink,
        [connected(id="1"), progress(1, 4, id="2"), HEARTBEAT],  # the heartbeat has no id
        [connected(id="3"), completed(4, id="4")],
    )

    assert script.calls == [None, "2"]
    assert sink.reconnects == [(1, "the stream ended without a final event", 0.01)]
    assert sink.ends == [(StreamEnd.COMPLETED, None)]


def test_reconnects_without_an_id_when_the_service_sends_none() -> None:
    sink = Sink()
    script = run(sink, [connected(), HEARTBEAT], [completed()])

    assert script.calls == [None, None]


def test_connected_with_state_cancelled_stops_cancelled() -> None:
    sink = Sink()
    script = run(sink, [connected("cancelled"), HEARTBEAT, HEARTBEAT])

    assert sink.ends == [(StreamEnd.CANCELLED, None)]
    assert script.calls == [None]
    assert len(sink.events) == 1  # it does not sit through the heartbeats until the 5-min close


def test_cancelled_frame_stops_cancelled() -> None:
    sink = Sink()
    run(sink, [connected(), progress(1, 5), frame("cancelled", {"jobId": JOB})])

    assert sink.ends == [(StreamEnd.CANCELLED, None)]


def test_error_without_connected_is_a_late_attach_to_a_failed_job() -> None:
    sink = Sink(state=None)
    script = run(sink, [error("Job failed")])

    assert sink.ends == [(StreamEnd.FAILED, "Job failed")]
    assert sink.state_questions == 0
    assert script.calls == [None]


def test_a_replayed_attempt_error_is_not_taken_for_the_jobs_end() -> None:
    """Resumed with Last-Event-ID, the missed frames come back without `connected`; an earlier
    attempt's `error` among them is followed by the retry's frames, up to `completed`."""
    sink = Sink(state=None)
    script = run(
        sink,
        [connected(id="1"), progress(2, 4, id="2")],
        [frame("error", {"error": "timeout"}, id="4"), progress(0, 4, id="5"), completed(4)],
    )

    assert sink.ends == [(StreamEnd.COMPLETED, None)]
    assert script.calls == [None, "2"]
    assert sink.state_questions == 0


@pytest.mark.parametrize(
    ("state", "outcome", "reason"),
    [
        (JobState.FAILED, StreamEnd.FAILED, "Reddit API timed out"),
        (JobState.CANCELLED, StreamEnd.CANCELLED, None),
    ],
)
def test_error_after_connected_stops_when_the_job_is_finished(
    state: JobState, outcome: StreamEnd, reason: str | None
) -> None:
    sink = Sink(state=state)
    script = run(sink, [connected(), progress(1, 5), error("Reddit API timed out")])

    assert sink.state_questions == 1
    assert sink.ends == [(outcome, reason)]
    assert script.calls == [None]


def test_error_after_connected_reconnects_when_the_job_state_is_unknown() -> None:
    # pg-boss may retry the job (§3.2, §4); GET /jobs/{id} answers 403 on the real service (§2).
    sink = Sink(state=None)
    script = run(
        sink,
        [connected(), progress(1, 5), error("Reddit API timed out")],
        [connected("retry"), progress(0, 0), completed(5)],
    )

    assert sink.state_questions == 1
    assert len(script.calls) == 2
    assert [r[0] for r in sink.reconnects] == [1]
    assert sink.ends == [(StreamEnd.COMPLETED, None)]


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_bad_request_auth_and_not_found_errors_deny_for_good(status: int) -> None:
    sink = Sink()
    script = run(sink, ApiError(status, "CODE", "Access denied to this job"))

    assert sink.ends == [(StreamEnd.DENIED, "Access denied to this job")]
    assert script.calls == [None]
    assert sink.reconnects == []


@pytest.mark.parametrize(
    "exc",
    [
        ApiError(500, "INTERNAL_ERROR", "Internal server error"),
        ApiError(0, "UNREACHABLE", "The service could not be reached."),
        ApiError(200, "NOT_A_STREAM", "The service answered text/html instead of a stream."),
    ],
    ids=["5xx", "unreachable", "not-a-stream"],
)
def test_other_api_errors_reconnect_with_their_message_as_reason(exc: ApiError) -> None:
    sink = Sink()
    script = run(sink, exc, [completed()])

    assert sink.reconnects == [(1, exc.message, 0.01)]
    assert len(script.calls) == 2
    assert sink.ends == [(StreamEnd.COMPLETED, None)]


def test_rate_limit_waits_retry_after_before_reconnecting() -> None:
    sink = Sink()
    limited = ApiError(429, "TOO_MANY_REQUESTS", "Too many requests.", retry_after=0.05)
    script = run(sink, limited, [completed()])

    assert sink.reconnects == [(1, "Too many requests.", 0.05)]
    assert len(script.calls) == 2


def test_rate_limit_without_retry_after_falls_back_to_backoff() -> None:
    sink = Sink()
    run(sink, ApiError(429, "TOO_MANY_REQUESTS", "Too many requests."), [completed()])

    assert sink.reconnects == [(1, "Too many requests.", 0.01)]


def test_connection_errors_reconnect_with_growing_attempt_numbers() -> None:
    sink = Sink()
    drop = requests.ConnectionError("reset")
    script = run(sink, drop, drop, drop, [completed()])

    assert sink.reconnects == [
        (1, "the connection dropped", 0.01),
        (2, "the connection dropped", 0.02),
        (3, "the connection dropped", 0.02),
    ]
    assert len(script.calls) == 4
    assert sink.ends == [(StreamEnd.COMPLETED, None)]


def test_attempts_count_again_from_one_after_a_stream_that_delivered_events() -> None:
    sink = Sink()
    drop = requests.ConnectionError("reset")
    run(sink, drop, drop, [connected()], drop, [completed()])

    assert [r[0] for r in sink.reconnects] == [1, 2, 1, 2]


def test_read_timeout_mid_stream_reconnects() -> None:
    def timing_out() -> Iterator[RawEvent]:
        yield connected()
        raise requests.ReadTimeout("no heartbeat")

    sink = Sink()
    script = Script(timing_out(), [completed()])  # type: ignore[arg-type]
    consumer(script, sink).run()

    assert sink.reconnects == [(1, "the connection dropped", 0.01)]
    assert sink.ends == [(StreamEnd.COMPLETED, None)]


def test_a_broken_raw_read_mid_stream_reconnects_instead_of_killing_the_thread() -> None:
    """Raw reads (read1) raise urllib3's own errors, not requests' (a socket shut down)."""

    def broken() -> Iterator[RawEvent]:
        yield connected()
        raise urllib3.exceptions.ProtocolError("Connection broken: IncompleteRead(0 bytes read)")

    sink = Sink()
    script = Script(broken(), [completed()])  # type: ignore[arg-type]
    consumer(script, sink).run()

    assert sink.reconnects == [(1, "the connection dropped", 0.01)]
    assert sink.ends == [(StreamEnd.COMPLETED, None)]


def test_an_unexpected_error_is_logged_and_the_stream_reconnects(
    logged_errors: LoggedErrors,
) -> None:
    """A bug (here a sink that raises once) must not end the job's only stream."""
    logged_errors.expect("unexpected error")

    class FlakySink(Sink):
        def on_event(self, job_id: str, event: StreamEvent) -> None:
            if not self.events:
                self.events.append(event)
                raise RuntimeError("a bug")
            super().on_event(job_id, event)

    sink = FlakySink()
    run(sink, [connected()], [completed()])

    assert sink.reconnects == [(1, "an unexpected error in the monitor", 0.01)]
    assert sink.ends == [(StreamEnd.COMPLETED, None)]
    assert logged_errors.matching("unexpected error")


def test_gives_up_as_gone_when_an_unwatched_jobs_last_attach_shows_it_unfinished() -> None:
    sink = Sink(watch=False)
    script = run(sink, requests.ConnectionError("reset"), [connected(), HEARTBEAT, HEARTBEAT])

    assert sink.ends == [(StreamEnd.GONE, "the job is no longer active")]
    assert script.calls == [None, None]
    assert sink.events == [Connected(JOB, JobState.ACTIVE)]  # no sitting through heartbeats


def test_gives_up_as_gone_when_an_unwatched_jobs_last_attach_fails() -> None:
    drop = requests.ConnectionError("reset")
    sink = Sink(watch=False)
    script = run(sink, drop, drop, [completed()])

    assert sink.ends == [(StreamEnd.GONE, "the job is no longer active")]
    assert script.calls == [None, None]


def test_the_last_attach_to_an_unwatched_job_reports_how_it_ended() -> None:
    # A finished job answers at once with its final frame (§3.2).
    sink = Sink(watch=False)
    run(sink, requests.ConnectionError("reset"), [error("Job failed")])

    assert sink.ends == [(StreamEnd.FAILED, "Job failed")]


def test_the_first_connect_does_not_ask_whether_to_watch() -> None:
    sink = Sink(watch=False)
    run(sink, [connected(), completed()])

    assert sink.ends == [(StreamEnd.COMPLETED, None)]


def test_malformed_and_unknown_events_are_passed_on_and_do_not_stop_the_stream() -> None:
    sink = Sink()
    run(
        sink,
        [
            connected(),
            frame("progress", "{not json"),
            frame("campaign_paused", {"campaignId": "c-1"}),
            frame("connected", {"state": 7}),
            progress(2, 2),
            completed(2),
        ],
    )

    assert [type(e) for e in sink.events] == [
        Connected,
        Malformed,
        Unknown,
        Malformed,
        ProgressUpdate,
        Completed,
    ]
    assert sink.ends == [(StreamEnd.COMPLETED, None)]


def test_error_frame_passes_its_event_to_the_sink_before_stopping() -> None:
    sink = Sink()
    run(sink, [error("Job failed")])

    assert sink.events == [StreamError("Job failed")]


def test_stop_from_another_thread_ends_a_blocked_read_with_stopped() -> None:
    closed = threading.Event()

    def blocking() -> Iterator[RawEvent]:
        yield connected()
        closed.wait(JOIN)  # a read blocked on the socket until stop() closes the response
        raise requests.ConnectionError("response closed")

    sink = Sink()
    script = Script(blocking())  # type: ignore[arg-type]
    worker = StreamConsumer(JOB, script, sink, backoff=FAST, on_close=closed.set)
    script.consumer = worker
    worker.start()
    assert sink.got_event.wait(JOIN)

    worker.stop()
    worker.thread.join(JOIN)

    assert not worker.alive
    assert sink.ends == [(StreamEnd.STOPPED, None)]
    assert script.calls == [None]
    assert worker.thread.daemon


def test_stop_during_the_backoff_wait_ends_without_waiting_it_out() -> None:
    sink = Sink()
    script = Script(requests.ConnectionError("reset"))
    worker = consumer(script, sink, backoff=Backoff(base=30, cap=30, jitter=0)).start()
    assert sink.reconnecting.wait(JOIN)

    worker.stop()
    worker.thread.join(JOIN)  # well under the 30 s backoff

    assert not worker.alive
    assert sink.reconnects == [(1, "the connection dropped", 30.0)]
    assert sink.ends == [(StreamEnd.STOPPED, None)]
    assert script.calls == [None]


def test_reconnect_now_cuts_a_backoff_wait_short() -> None:
    """The backend is back: a consumer in a 30 s backoff reconnects at once (within jitter)."""
    sink = Sink()
    script = Script(requests.ConnectionError("reset"), [completed()])
    worker = consumer(script, sink, backoff=Backoff(base=30, cap=30, jitter=0)).start()
    assert sink.reconnecting.wait(JOIN)

    worker.reconnect_now()
    worker.thread.join(JOIN)  # well under the 30 s backoff

    assert not worker.alive
    assert sink.ends == [(StreamEnd.COMPLETED, None)]
    assert script.calls == [None, None]


def test_reopen_drops_a_silent_stream_and_reconnects_at_once() -> None:
    """A stream that stopped talking is reopened now, not after the backoff, with the reason."""
    opened = threading.Event()
    release = threading.Event()

    def silent() -> Iterator[RawEvent]:
        yield connected()
        opened.set()
        release.wait(JOIN)  # a read blocked on a socket that says nothing
        raise requests.ConnectionError("closed under the read")

    sink = Sink()
    script = Script(silent(), [completed()])  # type: ignore[arg-type]
    worker = StreamConsumer(
        JOB,
        script,
        sink,
        backoff=Backoff(base=30, cap=30, jitter=0),
        rng=random.Random(7),
        on_close=release.set,
    )
    script.consumer = worker
    worker.start()
    assert opened.wait(JOIN)

    worker.reopen("no heartbeat for over 20 s")
    worker.thread.join(JOIN)

    assert not worker.alive
    [(attempt, reason, wait)] = sink.reconnects
    assert (attempt, reason) == (1, "no heartbeat for over 20 s")
    assert wait is not None
    assert wait < 30  # not the backoff
    assert sink.ends == [(StreamEnd.COMPLETED, None)]


def test_a_spent_request_budget_waits_its_turn_without_counting_a_failure() -> None:
    sink = Sink()
    budget = ApiError(0, "BUDGET", "Waiting for the monitor's request budget.", retry_after=0.01)
    drop = requests.ConnectionError("reset")
    run(sink, budget, budget, drop, [completed()])

    assert sink.kinds[:2] == [StreamKind.WAITING, StreamKind.WAITING]
    assert sink.states[:2] == [(False, 0, "waiting its turn", 0.01)] * 2
    assert sink.reconnects[2:] == [(1, "the connection dropped", 0.01)]  # attempt 1: not 3
    assert sink.ends == [(StreamEnd.COMPLETED, None)]


class LeavesWhileWaiting(Sink):
    """The job leaves the lists while its stream waits its turn for the request budget."""

    def on_stream_state(self, job_id: str, status: StreamStatus) -> None:
        super().on_stream_state(job_id, status)
        if status.kind is StreamKind.WAITING:
            self.watch = False


def test_a_job_that_left_the_lists_while_its_stream_waited_its_turn_spends_no_request() -> None:
    # Where syncs end faster than the budget opens streams, a last attach per ended job made the
    # waiting consumers (a thread each) pile up without bound; the polls tell how they ended.
    sink = LeavesWhileWaiting()
    budget = ApiError(0, "BUDGET", "Waiting for the monitor's request budget.", retry_after=0.01)
    script = run(sink, budget, [connected(), completed()])

    assert len(script.calls) == 1  # the refused turn only: the attach was never made
    assert sink.kinds == [StreamKind.WAITING]
    assert sink.ends == [(StreamEnd.GONE, "the job left the lists before its turn")]


def test_a_job_that_left_the_lists_after_its_stream_dropped_still_gets_its_last_attach() -> None:
    sink = LeavesWhileWaiting()
    budget = ApiError(0, "BUDGET", "Waiting for the monitor's request budget.", retry_after=0.01)
    drop = requests.ConnectionError("reset")
    script = run(sink, drop, budget, [completed()])  # a finished job: its final frame

    assert len(script.calls) == 3  # it had reached the service: the last attach tells the end
    assert sink.ends == [(StreamEnd.COMPLETED, None)]
