"""Server-side time of one full run of the live page with 200 active, 1,000 pending and 5,000
failed jobs (target: median under 150 ms), plus the hub's snapshot build for that state.

The page runs under Streamlit's AppTest with the shared services replaced by a hub that serves a
prebuilt snapshot, so the figure is the page's own cost, not the network's.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit.testing.v1 import AppTest

from bench.record import record
from sync_monitor import runtime
from sync_monitor.dotoro.models import (
    Features,
    JobState,
    Platform,
    Progress,
    StatusSummary,
    SyncJob,
)
from sync_monitor.live.build import Moment, build
from sync_monitor.live.jobstate import StreamKind, StreamStatus, WatchedJob, observe_progress
from sync_monitor.live.records import JobRecord, Known
from sync_monitor.live.snapshot import Backend, BackendKind, Finished
from sync_monitor.live.tracker import Tracker
from sync_monitor.settings import load_settings
from sync_monitor.signins import SignIns

APP = Path(__file__).resolve().parent.parent / "app.py"
ACTIVE, PENDING, FAILED, RUNS = 200, 1000, 5000, 15
PLATFORMS = [Platform.REDDIT, Platform.GOOGLE, Platform.META]


def job_id(kind: str, n: int) -> str:
    prefix = {"a": "aaaaaaaa", "p": "bbbbbbbb", "f": "cccccccc"}[kind]
    return f"{prefix}-0000-4000-8000-{n:012d}"


def state() -> tuple[Known, Moment]:
    now = datetime.now(UTC)
    active = [
        SyncJob(
            id=job_id("a", n),
            campaign_set_id=f"set-a{n}",
            campaign_set_name=f"Active set {n}",
            platform=PLATFORMS[n % 3],
            state="active",
            progress=Progress(synced=n % 150, failed=n % 4, total=150),
            created_at=now - timedelta(minutes=5),
            started_at=now - timedelta(minutes=2),
        )
        for n in range(ACTIVE)
    ]
    pending = [
        SyncJob(
            id=job_id("p", n),
            campaign_set_id=f"set-p{n}",
            campaign_set_name=f"Queued set {n}",
            platform=PLATFORMS[n % 3],
            state="created",
            created_at=now - timedelta(seconds=PENDING - n),
        )
        for n in range(PENDING)
    ]
    failed = [
        SyncJob(
            id=job_id("f", n),
            campaign_set_id=f"set-f{n}",
            campaign_set_name=f"Failed set {n}",
            platform=PLATFORMS[n % 3],
            state="failed",
            error="Reddit Ads API error 429: Too Many Requests. "
            "Rate limit exceeded, retry after 60 seconds.",
            created_at=now - timedelta(hours=2),
            completed_at=now - timedelta(seconds=n * 10),
        )
        for n in range(FAILED)
    ]
    live = {}
    for n, job in enumerate(active):
        record_ = WatchedJob(job.id, stream=StreamStatus(StreamKind.LIVE))
        for k in range(5):
            record_ = observe_progress(
                record_, Progress(synced=n % 150 - 5 + k, total=150), 1000.0 + k
            )
        live[job.id] = record_
    finished = tuple(
        Finished(
            now - timedelta(minutes=n),
            PLATFORMS[n % 3],
            JobState.FAILED if n % 7 == 0 else JobState.COMPLETED,
            40.0,
            f"h{n}",
        )
        for n in range(2000)
    )
    known = Known(
        status=StatusSummary(active=active, pending=pending, failed=failed),
        polled_at=now,
        backend=Backend(BackendKind.LIVE, url="http://dotoro"),
        features=Features(True, True),
        jobs={job_id: JobRecord(watched=watched) for job_id, watched in live.items()},
        durations=tuple((PLATFORMS[n % 3], 30.0 + n) for n in range(300)),
        history=finished,
        concurrency=((now, 200),),
    )
    return known, Moment(now=now, mono=1005.0, version=1)


def row(what: str, ms: list[float]) -> str:
    return f"| {what} | {statistics.median(ms):.1f} ms | {ms[0]:.1f} ms | {ms[-1]:.1f} ms |"


def main() -> None:
    known, at = state()
    # The poll that made this state, folded into a tracker as the poller does every few seconds.
    tracker, polls = Tracker(), []
    assert known.status is not None
    watching = [j.id for j in known.status.active]
    for _ in range(RUNS + 1):
        started = time.perf_counter()
        tracker.absorb(known.status, at.now, at.mono, watching=watching)
        polls.append(time.perf_counter() - started)
    polls = polls[1:]  # after the first, as every poll but the first
    builds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        snap = build(known, at)
        builds.append(time.perf_counter() - started)
    # The whole page drawn by Streamlit: the fallback, the heaviest run a viewer can cause.
    settings = load_settings(environ={"SYNC_MONITOR_PUSH": "false"})
    # The page reads snapshots and hands clicks to `hub.actions`; no click happens here.
    hub = SimpleNamespace(
        snapshot=lambda: snap, settings=settings, actions=None, operator_here=lambda: None
    )
    real_services = runtime.services
    runtime.services = lambda: SimpleNamespace(  # type: ignore[assignment,return-value]
        settings=settings,
        hub=hub,
        client=None,
        is_local=False,
        publisher=None,
        push_secret=b"",
        audit=None,
        signins=SignIns(),
    )
    try:
        app = AppTest.from_file(str(APP), default_timeout=60)
        app.run()  # warm-up: imports, first Altair compile
        assert not app.exception, app.exception
        drawn = (len(app.get("vega_lite_chart")), len(app.expander), len(app.metric))
        print(f"drawn: {drawn[0]} charts, {drawn[1]} expanders, {drawn[2]} metrics")
        # The page reports its own failures in place (ui/problems.py), which AppTest does not
        # count as an exception: a run that drew nothing must not be timed as a fast one.
        failed = [e.value for e in app.error]
        assert not failed, f"the page failed: {failed}"
        assert drawn[2] == 3, "the page drew no header"
        assert drawn[0] > 0, "the page drew no chart"
        runs = []
        for _ in range(RUNS):
            started = time.perf_counter()
            app.run()
            runs.append(time.perf_counter() - started)
    finally:
        runtime.services = real_services
    run_ms = sorted(r * 1000 for r in runs)
    build_ms = sorted(b * 1000 for b in builds)
    poll_ms = sorted(p * 1000 for p in polls)
    print(
        f"page run: median {statistics.median(run_ms):.0f} ms (min {run_ms[0]:.0f}, "
        f"max {run_ms[-1]:.0f}); snapshot build: median {statistics.median(build_ms):.0f} ms; "
        f"poll folded in: median {statistics.median(poll_ms):.1f} ms"
    )
    record(
        "page-run",
        f"""## Live page: one full run with {ACTIVE} active, {PENDING:,} pending, {FAILED:,} failed

`bench/page_run.py`: the whole page script (header, {ACTIVE} active jobs of which 24 as cards and
the rest behind a lazy table, the queue, the first page of 25 failures, three charts over 2,000
outcomes) under
Streamlit's AppTest, {RUNS} runs after a warm-up; the snapshot build for that state; and the
poll that lists it folded into the tracker (`Tracker.absorb`, every poll but the first).
Target: page run median under 150 ms.

| what | median | min | max |
|---|---|---|---|
{row("page run (server side)", run_ms)}
{row("snapshot build", build_ms)}
{row("poll folded in", poll_ms)}
""",
    )


if __name__ == "__main__":
    main()
