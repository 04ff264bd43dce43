"""The soak driver: many jobs through the local API under stream faults and backend restarts,
and a hub that records what it read, to compare with the service's final rows. Used by the short
soak of tests/integration/test_soak.py and by the benchmark bench/soak.py."""

from __future__ import annotations

import json
import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from dotoro_local import Contract, LocalApiServer, ServerConfig
from dotoro_local.config import Faults
from dotoro_local.engine import Engine
from dotoro_local.rows import LIVE_STATES, QUEUED_STATES, Job
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.dotoro.events import StreamEvent
from sync_monitor.dotoro.models import Progress
from sync_monitor.live.hub import Hub
from sync_monitor.live.jobstate import StreamEnd, StreamKind, StreamStatus
from sync_monitor.settings import load_settings
from tests.support.hub import watching
from tests.support.waiting import seconds

T = TypeVar("T")
Counts = tuple[str, int, int, int]  # state, synced, failed, total
FEED_EVERY = 0.1  # seconds between the feeder's top-ups of the queue


@dataclass(frozen=True)
class SoakPlan:
    """What a soak runs: how many jobs, how fast, with which faults and how many restarts."""

    jobs: int = 2000
    workers: int = 16
    speed: float = 4.0
    campaigns: tuple[int, int] = (3, 60)  # per set, log-uniform
    sets: int = 60
    restarts: int = 2
    down_seconds: float = 3.0  # the backend is away this long at each restart
    seed: int = 11
    drop_rate: float = 0.10
    malformed_rate: float = 0.05

    def server_config(self, db_path: Path, life: int) -> ServerConfig:
        # The same seed every life: a restarted engine must not draw the first life's ids again.
        return ServerConfig(
            contract=Contract.PLAN,
            db_path=db_path,
            seed=self.seed,
            simulate=False,
            seed_history=False,
            workers=self.workers,
            speed=self.speed,
            rate_limit_per_minute=0,
            faults=Faults(drop_rate=self.drop_rate, malformed_rate=self.malformed_rate),
        )


class Soak:
    """The local API and a feeder thread that keeps its queue full until `plan.jobs` jobs were
    queued and have all finished, restarting the backend `plan.restarts` times on the way."""

    def __init__(self, plan: SoakPlan, db_path: Path) -> None:
        self.plan, self.db_path = plan, db_path
        self.rng = random.Random(plan.seed)
        self.job_ids: list[str] = []
        self.lives = 1
        self.done = threading.Event()  # every job queued and finished (or the feeder failed)
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._server = LocalApiServer(plan.server_config(db_path, 0)).start()
        self.url = self._server.url
        self.port = urlsplit(self.url).port
        self.call(self._create_sets)
        self._thread = threading.Thread(target=self._feed, name="soak-feeder", daemon=True)

    def start(self) -> Soak:
        self._thread.start()
        return self

    def join(self, timeout: float = 30.0) -> None:
        """Wait for the feeder to end; raise what made it fail, if anything."""
        self._thread.join(timeout)
        if self.error is not None:
            raise RuntimeError("the soak's feeder failed") from self.error

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(30)
        with self._lock:
            self._server.stop()

    def __enter__(self) -> Soak:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def call(self, fn: Callable[[Engine], T]) -> T:
        """Run `fn(engine)` on the current backend's loop."""
        with self._lock:
            server = self._server
        return server.call(fn, timeout=seconds(30))

    def rows(self) -> dict[str, Job]:
        """The service's own rows of every job the soak queued."""
        ids = list(self.job_ids)

        def read(engine: Engine) -> dict[str, Job]:
            return {j: row for j in ids if (row := engine.store.get_job(j)) is not None}

        return self.call(read)

    def service_events(self, job_id: str) -> str:
        """The job's event log as the service wrote it (types and counts), for a report."""
        events = self.call(lambda engine: engine.store.events_after(job_id, 0))
        return " ".join(f"{e.seq}:{e.type}{_counts_of(e.data)}" for e in events)

    # -- the feeder thread ------------------------------------------------------------------
    def _feed(self) -> None:
        restart_at = [self.plan.jobs * (n + 1) // (self.plan.restarts + 1) for n in range(99)]
        restarts = self.plan.restarts
        try:
            while not self._stop.is_set():
                if restarts and len(self.job_ids) >= restart_at[self.lives - 1]:
                    restarts -= 1
                    self._restart()
                    continue
                if len(self.job_ids) < self.plan.jobs:
                    self.job_ids.extend(self.call(self._top_up))
                elif self.call(lambda engine: not engine.store.jobs_in_states(LIVE_STATES)):
                    return
                self._stop.wait(FEED_EVERY)
        except BaseException as exc:  # reported by join(); the run must not hang on it
            self.error = exc
        finally:
            self.done.set()

    def _restart(self) -> None:
        """Stop the backend, stay away `down_seconds`, start a new one on the same port and db."""
        with self._lock:
            self._server.stop()
        if self._stop.wait(self.plan.down_seconds):
            return
        config = self.plan.server_config(self.db_path, self.lives)
        server = LocalApiServer(config, port=self.port or 0).start()
        with self._lock:
            self._server = server
        self.lives += 1

    def _create_sets(self, engine: Engine) -> None:
        low, high = self.plan.campaigns
        for n in range(self.plan.sets):
            campaigns = round(math.exp(self.rng.uniform(math.log(low), math.log(high))))
            platform = ("reddit", "google", "meta")[n % 3]
            engine.create_set(f"Soak set {n + 1}", platform, {"campaigns": campaigns})

    def _top_up(self, engine: Engine) -> list[str]:
        """Queue syncs of idle sets until about one worker's worth waits (on the server loop)."""
        waiting = len(engine.store.jobs_in_states(QUEUED_STATES))
        room = min(self.plan.workers - waiting, self.plan.jobs - len(self.job_ids))
        if room <= 0:
            return []
        busy = {j.set_id for j in engine.store.jobs_in_states(LIVE_STATES)}
        idle = [cs for cs in engine.store.sets() if cs.id not in busy]
        return [engine.queue_sync(cs).id for cs in self.rng.sample(idle, min(room, len(idle)))]


def _counts_of(data: str) -> str:
    """`{"synced":3,"failed":0,"total":9,…}` → `(3/0/9)`; nothing for other payloads."""
    try:
        obj = json.loads(data)
    except ValueError:
        return ""
    if isinstance(obj, dict) and "total" in obj:
        return f"({obj.get('synced')}/{obj.get('failed')}/{obj.get('total')})"
    return ""


class WatchingHub(Hub):
    """A hub that also keeps how each job's stream ended, with what it then knew of the job,
    and a short trace of what it read (to describe a mismatch). It listens in on what the
    stream consumers report (consumers.py, their sink), then lets it through."""

    def __init__(self, url: str) -> None:
        settings = load_settings(environ={}).model_copy(update={"poll_seconds": 0.5})
        super().__init__(DotoroClient(url, timeout=seconds(5)), settings)
        self.ends: dict[str, tuple[StreamEnd, Progress | None]] = {}  # the progress it held
        self.traces: dict[str, list[str]] = {}
        self._notes = threading.Lock()
        sink = self.consumers
        on_event, on_stream_state, on_end = sink.on_event, sink.on_stream_state, sink.on_end

        def event(job_id: str, event: StreamEvent) -> None:
            on_event(job_id, event)
            name = type(event).__name__
            if name != "Heartbeat":
                progress = getattr(event, "progress", None)
                state = getattr(event, "state", None)
                detail = (
                    f"({progress.synced}/{progress.failed}/{progress.total})" if progress else ""
                )
                self._note(job_id, f"{name}{detail}{f'[{state}]' if state else ''}")

        def stream_state(job_id: str, status: StreamStatus) -> None:
            on_stream_state(job_id, status)
            if status.kind is StreamKind.LIVE:
                self._note(job_id, "|open")
            elif status.kind is StreamKind.RECONNECTING:
                self._note(job_id, f"|{status.reason}")

        def end(job_id: str, outcome: StreamEnd, reason: str | None) -> None:
            on_end(job_id, outcome, reason)
            job = watching(self, job_id)
            with self._notes:
                self.ends[job_id] = (outcome, job.progress if job is not None else None)

        # Instance attributes win over the methods the consumers' threads call on their sink.
        setattr(sink, "on_event", event)  # noqa: B010
        setattr(sink, "on_stream_state", stream_state)  # noqa: B010
        setattr(sink, "on_end", end)  # noqa: B010

    def _note(self, job_id: str, token: str) -> None:
        with self._notes:
            self.traces.setdefault(job_id, []).append(token)


@dataclass(frozen=True)
class Mismatch:
    job_id: str
    service: Counts
    monitor: Counts
    trace: tuple[str, ...]  # what the hub read, `|` marking its connections


@dataclass
class Tally:
    """The monitor's final view of each job against the service's."""

    jobs: int = 0
    to_the_end: int = 0  # streamed until the job's final frame
    mismatches: list[Mismatch] = field(default_factory=list)
    stopped_early: int = 0  # streamed, but the stream stopped without telling how it ended
    never: int = 0  # never streamed: finished between two polls
    states: dict[str, int] = field(default_factory=dict)  # the service's final states

    def describe(self, soak: Soak, limit: int = 5) -> str:
        """The first mismatches, with what the hub read and what the service wrote."""
        lines = []
        for m in self.mismatches[:limit]:
            lines += [
                f"job {m.job_id}: service {m.service}, monitor {m.monitor}",
                f"  monitor read: {compact(list(m.trace))}",
                f"  service wrote: {compact(soak.service_events(m.job_id).split())}",
            ]
        return "\n".join(lines)


def compact(items: list[str]) -> str:
    """Frames in a line, runs of three or more of one type shortened to their first and last."""
    out: list[str] = []
    run: list[str] = []

    def kind(item: str) -> str:
        return item.split("(")[0].split(":")[-1] if "(" in item else item

    for item in [*items, ""]:
        if run and item and kind(item) == kind(run[0]):
            run.append(item)
            continue
        out += [run[0], "…", run[-1]] if len(run) > 2 else run
        run = [item]
    return " ".join(out)


def compare(hub: WatchingHub, rows: dict[str, Job]) -> Tally:
    """Per job: the final progress the hub saw, against the service's final row."""
    tally = Tally(jobs=len(rows))
    for job_id, row in rows.items():
        tally.states[row.state] = tally.states.get(row.state, 0) + 1
        end = hub.ends.get(job_id)
        if end is None:
            tally.never += 1
            continue
        outcome, p = end
        final = outcome.final_state
        if final is None:
            tally.stopped_early += 1
            continue
        tally.to_the_end += 1
        service: Counts = (row.state, row.synced, row.failed, row.total)
        seen = (p.synced, p.failed, p.total) if p is not None else (0, 0, 0)
        monitor: Counts = (final.value, *seen)
        if monitor != service:
            trace = tuple(hub.traces.get(job_id, []))
            tally.mismatches.append(Mismatch(job_id, service, monitor, trace))
    return tally


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process, in MB (/proc/<pid>/status VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")
