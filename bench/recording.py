"""Recording into the history while a set's past is long: the time to record one poll's
sighting of a running attempt, in a set that already holds 3,000 attempts, on SQLite and on
PostgreSQL. Each write renumbers the set's attempts from the earliest one it writes (an
attempt that began earlier keeps its number), so the cost must not grow with the set's past.

    python bench/recording.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.record import record
from sync_monitor.dotoro.models import Platform
from sync_monitor.history import Attempt, History, Outcome
from tests.support.databases import postgres_database

PAST = 3_000  # attempts of the set already in the history
SIGHTINGS = 50  # polls of the running attempt, timed


def attempt(key: str, at: datetime, state: Outcome) -> Attempt:
    return Attempt(
        key=key,
        set_id="long-lived-set",
        set_name="Acme Outdoor – Always-on Retargeting",
        platform=Platform.META,
        state=state,
        at=at,
        job_id=key.removeprefix("job:"),
        error="Meta API error 503: Service Unavailable" if state is Outcome.FAILED else None,
    )


def measure(url: str) -> tuple[float, float]:
    """Median ms per recording of the running attempt: with the set's past, and without it."""
    now = datetime.now(UTC)
    figures = []
    with History.open(url) as history:
        for past in (PAST, 0):
            set_id = f"set-{past}"
            old = [
                replace(
                    attempt(f"job:{set_id}-{i}", now - timedelta(minutes=PAST - i), Outcome.FAILED),
                    set_id=set_id,
                )
                for i in range(past)
            ]
            for start in range(0, len(old), 500):
                history.record(old[start : start + 500])
            live = replace(attempt(f"job:{set_id}-live", now, Outcome.ACTIVE), set_id=set_id)
            history.record([live])
            times = []
            for n in range(SIGHTINGS):
                started = time.perf_counter()
                history.record([replace(live, synced=n, total=SIGHTINGS)])
                times.append(time.perf_counter() - started)
            figures.append(statistics.median(times) * 1000)
    return figures[0], figures[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch, postgres_database() as pg_url:
        results = {
            "SQLite": measure(f"sqlite:///{Path(scratch) / 'history.sqlite3'}"),
            "PostgreSQL": measure(pg_url),
        }
    lines = [
        "## Recording a running attempt of a set with a long past (history)",
        "",
        f"`python bench/recording.py`: one poll's sighting of a running attempt written to the "
        f"history (median of {SIGHTINGS}), in a set that already holds {PAST:,} attempts and in "
        "a set that holds none. Before the renumbering was limited to the attempts that can "
        "move, the first figure was about 500 ms on SQLite here.",
        "",
        f"| database | set with {PAST:,} attempts | set with none |",
        "|---|---|---|",
    ]
    for name, (long, short) in results.items():
        lines.append(f"| {name} | {long:.1f} ms | {short:.1f} ms |")
        print(f"{name}: {long:.1f} ms with {PAST:,} attempts, {short:.1f} ms with none")
    lines += [
        "",
        "Target: the same order of time whatever the set's past (the recorder writes every poll).",
    ]
    record("recording", "\n".join(lines))


if __name__ == "__main__":
    main()
