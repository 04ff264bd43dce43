"""What the monitor knows of one watched job, and the pure reducer that folds events into it.

No threads, no I/O: the tracker keeps one `WatchedJob` per job and replaces it with
`apply(...)`. Which progress wins, the stream's or the status poll's, is decided here and only
here (`fold_poll`, `shown_progress`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from sync_monitor.dotoro.events import (
    CampaignFailed,
    CampaignSynced,
    Cancelled,
    Completed,
    Connected,
    Heartbeat,
    Malformed,
    ProgressUpdate,
    StreamError,
    StreamEvent,
    Unknown,
)
from sync_monitor.dotoro.models import JobState, Progress

MAX_SAMPLES = 120  # progress samples kept per job for its rate: bounded memory
# After a stream (re)opens, what it missed may arrive at once (a resume replays the frames after
# Last-Event-ID): readings this soon after the opening are one catch-up, not a speed.
CATCH_UP_S = 3.0


class StreamKind(StrEnum):
    """Where a job's stream stands."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    WAITING = "waiting"  # for the monitor's request budget: opens when its turn comes
    ENDED = "ended"  # the consumer stopped: the job finished or stopped mattering
    FAILED = "failed"  # refused for good (400/401/403/404): reconnecting cannot help


class StreamEnd(StrEnum):
    """Why a stream consumer stopped for good."""

    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    GONE = "gone"  # the job left the active list (finished unseen, or cancelled elsewhere)
    DENIED = "denied"  # 400/401/403/404: reconnecting cannot help
    STOPPED = "stopped"  # the hub shut it down

    @property
    def final_state(self) -> JobState | None:
        """The job's terminal state when this outcome tells it, else None."""
        return _FINAL.get(self)


_FINAL = {
    StreamEnd.COMPLETED: JobState.COMPLETED,
    StreamEnd.FAILED: JobState.FAILED,
    StreamEnd.CANCELLED: JobState.CANCELLED,
}


@dataclass(frozen=True)
class StreamStatus:
    """The state of a job's stream, for the card: live, reconnecting (attempt n), or ended."""

    kind: StreamKind = StreamKind.CONNECTING
    attempt: int = 0
    reason: str | None = None
    retry_in: float | None = None


@dataclass(frozen=True)
class WatchedJob:
    job_id: str
    progress: Progress | None = None
    samples: tuple[tuple[float, int], ...] = ()  # (monotonic seconds, campaigns done)
    last_progress_at: float | None = None
    last_signal_at: float | None = None  # any frame, heartbeats included
    live_since: float | None = None  # when the current connection opened
    stream_done: int | None = None  # the stream's own last count (a poll may be ahead of it)
    remote_state: JobState | None = None
    attempt_error: str | None = None  # an `error` frame; pg-boss may still retry
    outcome: JobState | None = None  # completed, failed or cancelled, once known for good
    stream: StreamStatus = StreamStatus()
    events: int = 0
    malformed: int = 0
    unknown: int = 0
    saw_event_ids: bool = False


def observe_progress(
    job: WatchedJob, progress: Progress, now: float, catching_up: bool = False
) -> WatchedJob:
    """Fold in a progress reading (from the stream or from the status poll). `catching_up`: a
    stream's reading just after it opened, which may be a replay of what it missed."""
    samples = job.samples
    previous = job.progress
    if previous is not None and progress.done < previous.done:
        samples = ()  # a new attempt starts again from zero (pg-boss retry)
    elif (
        previous is not None and progress.done == previous.done and job.last_progress_at is not None
    ):
        # No movement: keep the time of the last real progress, for the stall warning.
        # `is not None`, not truthiness: 0.0 is a valid injected monotonic instant.
        return replace(job, progress=progress)
    if catching_up and samples and job.live_since is not None and samples[-1][0] >= job.live_since:
        # A burst of replayed frames counts as one reading, at its end: the rate measures from
        # before the gap to after it, never over the burst's own few milliseconds.
        samples = samples[:-1]
    samples = (*samples, (now, progress.done))[-MAX_SAMPLES:]
    return replace(job, progress=progress, samples=samples, last_progress_at=now)


def apply(job: WatchedJob, event: StreamEvent, now: float) -> WatchedJob:
    """The job after `event` arrived at monotonic time `now`."""
    job = replace(job, events=job.events + 1, last_signal_at=now)
    match event:
        case Connected(state=state):
            return replace(job, remote_state=state)
        case ProgressUpdate(progress=p) | CampaignSynced(progress=p) | CampaignFailed(progress=p):
            # Counts never go backwards, except when a new attempt starts again from zero: after
            # an `error` frame (pg-boss retry, §3.2), or when the stream's own count drops (a
            # run cut off by a restart starts again). Lower than a poll's count is stale news.
            restart = (
                job.attempt_error is not None
                or job.remote_state is JobState.RETRY
                or (job.stream_done is not None and p.done < job.stream_done)
            )
            if job.progress is not None and p.done < job.progress.done and not restart:
                return replace(job, stream_done=p.done)
            if job.attempt_error is not None:
                job = replace(job, attempt_error=None, remote_state=JobState.ACTIVE)
            catching_up = job.live_since is not None and now - job.live_since < CATCH_UP_S
            return replace(observe_progress(job, p, now, catching_up), stream_done=p.done)
        case Completed(progress=p):
            if p is not None:
                job = observe_progress(job, p, now)
            return replace(job, outcome=JobState.COMPLETED, remote_state=JobState.COMPLETED)
        case StreamError(message=message):
            return replace(job, attempt_error=message)
        case Cancelled():
            return replace(job, outcome=JobState.CANCELLED, remote_state=JobState.CANCELLED)
        case Heartbeat():
            return job
        case Unknown():
            return replace(job, unknown=job.unknown + 1)
        case Malformed():
            return replace(job, malformed=job.malformed + 1)
    return job


def is_stalled(job: WatchedJob, now: float, after: float) -> bool:
    """No progress for `after` seconds when progress is live; when the backend gives no live
    progress, no frame at all (not even a heartbeat) for that long."""
    if job.outcome is not None or job.stream.kind not in (StreamKind.LIVE, StreamKind.RECONNECTING):
        return False
    live_progress = job.progress is not None and job.progress.known
    since = job.last_progress_at if live_progress else job.last_signal_at
    return since is not None and now - since > after


def fold_poll(job: WatchedJob, polled: Progress, now: float) -> WatchedJob:
    """Fold the status poll's progress in (plan: live counts in the summary, §3.4).

    The newest reading wins, whichever source it came from, but counts never go backwards: a
    poll behind the stream is older news, and a stream gone silent loses to a poll ahead of it.
    """
    if not polled.known or job.outcome is not None:
        return job
    current = job.progress
    if current is None or not current.known or polled.done >= current.done:
        return observe_progress(job, polled, now)
    return job


def silent_jobs(watched: Mapping[str, WatchedJob], now: float, after: float) -> list[str]:
    """Job ids whose live stream has said nothing for over `after` seconds."""
    return [
        job_id
        for job_id, job in watched.items()
        if (silent := silent_for(job, now)) is not None and silent > after
    ]


def silent_for(job: WatchedJob, now: float) -> float | None:
    """Seconds since the live stream last said anything (or opened); None if it is not live."""
    if job.stream.kind is not StreamKind.LIVE:
        return None
    heard = max((t for t in (job.last_signal_at, job.live_since) if t is not None), default=None)
    return None if heard is None else now - heard


def shown_progress(job: WatchedJob | None, polled: Progress) -> Progress:
    """The progress a card shows: the watched job's when it knows any, else the poll's."""
    if job is not None and job.progress is not None and job.progress.known:
        return job.progress
    return polled
