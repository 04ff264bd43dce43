"""What the monitor knows of one watched job, and the pure reducer that folds events into it.

No threads, no I/O: the hub keeps one `LiveJob` per job and replaces it with `apply(...)`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .events import (
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
from .models import JobState, Progress

MAX_SAMPLES = 120  # progress samples kept per job for its rate: bounded memory


@dataclass(frozen=True)
class StreamStatus:
    """The state of a job's stream, for the card: live, reconnecting (attempt n), or ended."""

    kind: str = "connecting"  # connecting | live | reconnecting | ended | failed
    attempt: int = 0
    reason: str | None = None
    retry_in: float | None = None


@dataclass(frozen=True)
class LiveJob:
    job_id: str
    progress: Progress | None = None
    samples: tuple[tuple[float, int], ...] = ()  # (monotonic seconds, campaigns done)
    last_progress_at: float | None = None
    last_signal_at: float | None = None  # any frame, heartbeats included
    remote_state: JobState | None = None
    attempt_error: str | None = None  # an `error` frame; pg-boss may still retry
    outcome: str | None = None  # completed | failed | cancelled, once known for good
    stream: StreamStatus = StreamStatus()
    events: int = 0
    malformed: int = 0
    unknown: int = 0
    saw_event_ids: bool = False


def observe_progress(job: LiveJob, progress: Progress, now: float) -> LiveJob:
    """Fold in a progress reading (from the stream or from the status poll)."""
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
    samples = (*samples, (now, progress.done))[-MAX_SAMPLES:]
    return replace(job, progress=progress, samples=samples, last_progress_at=now)


def apply(job: LiveJob, event: StreamEvent, now: float) -> LiveJob:
    """The job after `event` arrived at monotonic time `now`."""
    job = replace(job, events=job.events + 1, last_signal_at=now)
    match event:
        case Connected(state=state):
            return replace(job, remote_state=state)
        case ProgressUpdate(progress=p) | CampaignSynced(progress=p) | CampaignFailed(progress=p):
            if job.attempt_error is not None:
                job = replace(job, attempt_error=None, remote_state=JobState.ACTIVE)
            return observe_progress(job, p, now)
        case Completed(progress=p):
            if p is not None:
                job = observe_progress(job, p, now)
            return replace(job, outcome="completed", remote_state=JobState.COMPLETED)
        case StreamError(message=message):
            return replace(job, attempt_error=message)
        case Cancelled():
            return replace(job, outcome="cancelled", remote_state=JobState.CANCELLED)
        case Heartbeat():
            return job
        case Unknown():
            return replace(job, unknown=job.unknown + 1)
        case Malformed():
            return replace(job, malformed=job.malformed + 1)
    return job


def is_stalled(job: LiveJob, now: float, after: float) -> bool:
    """No progress for `after` seconds when progress is live; when the backend gives no live
    progress, no frame at all (not even a heartbeat) for that long."""
    if job.outcome is not None or job.stream.kind not in ("live", "reconnecting"):
        return False
    live_progress = job.progress is not None and job.progress.known
    since = job.last_progress_at if live_progress else job.last_signal_at
    return since is not None and now - since > after
