"""The background work of issue 24 over a million attempts: what each deployment's threads do
while nobody looks, on SQLite and on PostgreSQL.

    python bench/background.py [--attempts 1000000]

The history of bench/analysis.py (a million attempts over 90 days, 20,000 campaign sets on
three platforms, 8 % failed with five causes), each set owned by one of 400 ad accounts named
in the settings, and a live state with 50 syncs running, 200 waiting and 50 failed. Timed,
median of 3:

- the clients' board: the history's read of every set (`set_facts`, every 10 min), its read
  of the sets written since its last (every 30 s: here 100 sets), and the board built from it
  and what runs now (at most every 5 s while someone looks);
- one round of the alert rules' reads (every 30 s): each platform's failure rate against its
  week, and the sets failing in a row;
- a weekly digest of every client (once a week): the week's queries over all 20,000 sets.

Target: each well under its period (a round of the alert rules, and the board's read every
30 s, under 1 s).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, update

from bench.analysis import fill, generate
from bench.record import record
from sync_monitor.alerts import facts as alert_facts
from sync_monitor.clients.build import build
from sync_monitor.digest import queries as digest_queries
from sync_monitor.digest.schedule import period
from sync_monitor.dotoro.models import Features, Platform, Progress
from sync_monitor.history import History
from sync_monitor.history.client_queries import changed_since, set_facts
from sync_monitor.history.schema import attempts, campaign_sets
from sync_monitor.live.snapshot import ActiveView, Backend, FailedView, PendingView, Snapshot
from tests.support.databases import postgres_database

RUNS = 3
SETS = 20_000
ACCOUNTS = 400


def account(n: int) -> str:
    return f"account-{n % ACCOUNTS:03d}"


def own(history: History, now: datetime) -> None:
    rows = [
        {
            "set_id": f"set-{n:05d}",
            "name": f"Campaign set {n}",
            "updated_ms": round(now.timestamp() * 1000),
            "team_id": "team",
            "ad_account_id": account(n),
        }
        for n in range(SETS)
    ]
    with history.engine.begin() as connection:
        connection.execute(insert(campaign_sets), rows)


def live(now: datetime) -> Snapshot:
    def name(n: int) -> str:
        return f"Campaign set {n}"

    active = tuple(
        ActiveView(
            f"job-a{n}", f"job-a{n}", f"set-{n:05d}", name(n), Platform.REDDIT,
            Progress(synced=n, total=100), now, 60.0, 10.0, 30.0, False, None,
        )
        for n in range(50)
    )  # fmt: skip
    pending = tuple(
        PendingView(
            f"job-p{n}", f"job-p{n}", f"set-{100 + n:05d}", name(100 + n), Platform.META,
            now, n + 1, 60.0, None, None,
        )
        for n in range(200)
    )  # fmt: skip
    failed = tuple(
        FailedView(
            f"job-f{n}", f"job-f{n}", f"set-{400 + n:05d}", name(400 + n), Platform.GOOGLE,
            "Google Ads API error 401: invalid_grant", now,
        )
        for n in range(50)
    )  # fmt: skip
    return Snapshot(
        now, 1, Backend(), Features(), now, active=active, pending=pending, failed=failed
    )


def timed(what: str, work: Callable[[], Any]) -> tuple[float, Any]:
    runs, found = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        found = work()
        runs.append(time.perf_counter() - started)
    median = statistics.median(runs)
    print(f"  {what}: {median * 1000:.0f} ms", flush=True)
    return median, found


def measure(history: History, now: datetime) -> dict[str, float]:
    own(history, now)
    names = {account(n): f"Client {n:03d}" for n in range(ACCOUNTS)}
    engine = history.engine
    figures: dict[str, float] = {}
    figures["set facts"], facts = timed("the board's full read", lambda: set_facts(engine, now))
    # 30 s of a busy deployment: 100 sets written since the last read.
    later = now + timedelta(minutes=5)  # the full read was then; these were written since
    with engine.begin() as connection:
        connection.execute(
            update(attempts)
            .where(attempts.c.set_id.in_([f"set-{n * 197 % SETS:05d}" for n in range(100)]))
            .values(updated_ms=round(later.timestamp() * 1000))
        )

    def changed() -> int:
        ids = changed_since(engine, later - timedelta(seconds=60))
        return len(set_facts(engine, later, sorted(ids)))

    figures["changed"], read = timed("the board's read of the sets written since", changed)
    assert read == 100, read
    snap = live(now)
    figures["board"], board = timed("the board built", lambda: build(facts, snap, names, now))
    assert len(board.clients) == ACCOUNTS, len(board.clients)

    def alert_round() -> None:
        alert_facts.platform_counts(engine, now)
        alert_facts.streaks(engine, now, 3)

    figures["alerts"], _ = timed("a round of the alert rules' reads", alert_round)
    week = period(now, UTC)
    everyone = [s.set_id for c in board.clients for s in c.sets]
    figures["digest"], _ = timed(
        "a digest of every client", lambda: digest_queries.week(engine, everyone, week)
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=1_000_000)
    count = parser.parse_args().attempts
    now = datetime.now(UTC).replace(microsecond=0)
    began = time.monotonic()
    rows = generate(count, now - timedelta(seconds=1))
    with tempfile.TemporaryDirectory() as scratch, postgres_database() as pg_url:
        print("SQLite", flush=True)
        with fill(f"sqlite:///{Path(scratch) / 'history.sqlite3'}", rows) as history:
            on_sqlite = measure(history, now)
        print("PostgreSQL", flush=True)
        with fill(pg_url, rows) as history:
            on_postgres = measure(history, now)
    minutes = (time.monotonic() - began) / 60
    labels = {
        "set facts": "the clients' board: the history's read of every set (every 10 min)",
        "changed": "... of the 100 sets written since its last read (every 30 s)",
        "board": "the board built from it and what runs now (at most every 5 s, while viewed)",
        "alerts": "a round of the alert rules' reads (every 30 s)",
        "digest": "a digest of every client: the week's queries (once a week)",
    }
    lines = [
        "## Clients, alerts and digests over a million attempts (issue 24)",
        "",
        f"`python bench/background.py` (this run: {minutes:.1f} min on this 2-core machine): "
        f"the history of `bench/analysis.py` ({count:,} attempts over 90 days, 20,000 sets), "
        f"each set owned by one of {ACCOUNTS} named ad accounts, and a live state of 50 syncs "
        "running, 200 waiting and 50 failed. Median of 3.",
        "",
        "| work | SQLite | PostgreSQL |",
        "|---|---|---|",
    ]
    for key, label in labels.items():
        lines.append(
            f"| {label} | {on_sqlite[key] * 1000:.0f} ms | {on_postgres[key] * 1000:.0f} ms |"
        )
    over = [
        f"{name} {key} ({figures[key] * 1000:.0f} ms)"
        for name, figures in (("SQLite", on_sqlite), ("PostgreSQL", on_postgres))
        for key in ("alerts", "changed")
        if figures[key] > 1.0
    ]
    lines += ["", "Every target met." if not over else "Over target: " + ", ".join(over) + "."]
    record("background", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
