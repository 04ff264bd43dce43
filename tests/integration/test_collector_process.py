"""`sync-monitor-collector` as real processes (issue 22), two of them on one PostgreSQL against
the local API with the service's 100 requests a minute: one collects; SIGKILL it mid-stream and
the other takes over, with no change of the journal lost and the fleet within the service's
minute throughout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from sync_monitor.fleet.follower import Follower
from sync_monitor.fleet.journal import Journal
from sync_monitor.history import engines
from tests.support.cuttable import Cuttable
from tests.support.databases import postgres_database
from tests.support.fleet import holder, most_in_any
from tests.support.local_api import Api, quiet_config, running
from tests.support.waiting import wait_until

POLL = "GET /api/v1/sync/status"
POLL_SECONDS = 0.5


@contextmanager
def collector(
    api: Api, history: str, name: str, scratch: Path
) -> Iterator[subprocess.Popen[bytes]]:
    log = (scratch / f"{name}.log").open("wb")
    env = {
        **os.environ,
        "SYNC_MONITOR_API_URL": api.url,
        "SYNC_MONITOR_HISTORY_URL": history,
        "SYNC_MONITOR_REPLICA_NAME": name,
        "SYNC_MONITOR_LEASE_SECONDS": "3",
        "SYNC_MONITOR_POLL_SECONDS": str(POLL_SECONDS),
        "SYNC_MONITOR_AUDIT_PATH": str(scratch / f"{name}-audit.sqlite3"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "sync_monitor.collector"], env=env, stdout=log, stderr=log
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        if process.returncode not in (0, -signal.SIGKILL, -signal.SIGTERM):
            print((scratch / f"{name}.log").read_text())


def failed(follower: Follower) -> int:
    snapshot = follower.snapshot()
    return -1 if snapshot is None else len(snapshot.failed)


def test_the_standby_takes_over_from_a_killed_collector_and_nothing_is_lost(tmp_path: Path) -> None:
    with ExitStack() as stack:
        api = stack.enter_context(running(quiet_config(rate_limit_per_minute=100, workers=2)))
        history = stack.enter_context(postgres_database())
        api.create_set(
            name="Long sync",
            platform="google",
            queue=True,
            behaviour={"campaigns": 400, "seconds_per_campaign": 0.2},
        )
        api.create_set(name="Failed before", platform="reddit", failed_error="Token expired")
        collectors = {
            name: stack.enter_context(collector(api, history, name, tmp_path))
            for name in ("collector-a", "collector-b")
        }
        engine = engines.connect(history)
        stack.callback(engine.dispose)
        wait_until(lambda: holder(history) is not None, "one collects", timeout=60)
        follower = Follower(engine, Journal(engine, "test")).start()
        stack.callback(follower.stop)
        wait_until(lambda: failed(follower) == 1, "the state comes through", 60)

        first = holder(history)
        assert first is not None
        collectors[first].send_signal(signal.SIGKILL)  # mid-stream: the long sync runs
        other = next(name for name in collectors if name != first)
        wait_until(lambda: holder(history) == other, "the standby takes over", timeout=60)
        api.create_set(name="Failed after", platform="meta", failed_error="Token expired")
        wait_until(lambda: failed(follower) == 2, "the new collector's state", 60)

        with psycopg.connect(history) as db:
            events = db.execute("SELECT epoch, body FROM fleet_events ORDER BY id").fetchall()
        requests = api.get("/_local/requests").json()

    by_epoch: dict[int, list[dict[str, object]]] = {}
    for epoch, body in events:
        by_epoch.setdefault(epoch, []).append(json.loads(body))
    assert len(by_epoch) == 2  # one epoch each
    for bodies in by_epoch.values():  # each starts whole, then every change in order
        assert "full" in bodies[0]
        assert [b["seq"] for b in bodies] == list(range(1, len(bodies) + 1))
    seen = [(t, k) for t, k in requests["seen"]]
    assert requests["limited"] == 0  # never over the service's minute, the handover included
    assert most_in_any(seen, 60) <= 100
    # One poller at a time: two would poll twice as often.
    assert most_in_any(seen, 5, POLL) <= 1.5 * 5 / POLL_SECONDS


def test_a_collector_cut_off_from_the_database_stops_calling_dotoro(tmp_path: Path) -> None:
    with ExitStack() as stack:
        api = stack.enter_context(running(quiet_config(rate_limit_per_minute=100, workers=2)))
        history = stack.enter_context(postgres_database())
        parts = urlsplit(history)
        cuttable = Cuttable(parts.hostname or "127.0.0.1", parts.port or 5432)
        stack.callback(cuttable.close)
        through = parts._replace(
            netloc=f"{parts.username}:{parts.password}@127.0.0.1:{cuttable.port}"
        )
        a = stack.enter_context(collector(api, urlunsplit(through), "collector-a", tmp_path))
        wait_until(lambda: holder(history) == "collector-a", "a collects", timeout=60)
        stack.enter_context(collector(api, history, "collector-b", tmp_path))

        cuttable.cut()  # a's database connections, and any it tries, fail from now on
        wait_until(lambda: holder(history) == "collector-b", "b takes over", timeout=60)
        taken_ms = time.time() * 1000
        assert a.poll() is None  # a lives on, cut off: it must stop by itself

        def polls_since() -> list[tuple[int, str]]:
            seen = api.get("/_local/requests").json()["seen"]
            return [(t, k) for t, k in seen if k == POLL and t > taken_ms]

        wait_until(lambda: len(polls_since()) >= 20, "b polls on", timeout=60)
        after, limited = polls_since(), api.get("/_local/requests").json()["limited"]
        assert a.poll() is None

    log = (tmp_path / "collector-a.log").read_text()
    assert "this replica stops collecting" in log, log
    # Had a gone on polling beside b, there would be twice b's polls in a few seconds.
    assert most_in_any(after, 5, POLL) <= 1.5 * 5 / POLL_SECONDS
    assert limited == 0
