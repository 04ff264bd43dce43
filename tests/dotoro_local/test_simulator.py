"""The workload simulator on real SQLite files: deterministic for a seed, realistic, durable."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from dotoro_local.config import ServerConfig
from dotoro_local.engine import Engine
from dotoro_local.store import Store

START = 1_764_000_000.0  # a fixed "now" so two runs see the same clock


def simulate(path: Path, seed: int, seconds: float = 600.0, workers: int = 3) -> Store:
    clock = [START]
    store = Store(path)
    engine = Engine(
        store, ServerConfig(seed=seed, workers=workers, speed=1.0), clock=lambda: clock[0]
    )
    engine.bootstrap()
    while clock[0] < START + seconds:
        clock[0] += 0.25
        engine.tick()
    return store


def test_same_seed_gives_the_same_world(tmp_path: Path) -> None:
    first = simulate(tmp_path / "a.sqlite3", seed=42).dump()
    second = simulate(tmp_path / "b.sqlite3", seed=42).dump()
    other = simulate(tmp_path / "c.sqlite3", seed=43).dump()
    assert first == second
    assert first != other


def test_history_covers_thirty_days_on_all_platforms(tmp_path: Path) -> None:
    store = simulate(tmp_path / "h.sqlite3", seed=1, seconds=1)
    jobs = store.history(since=None, until=None, states=[], platforms=[], after=None, limit=100_000)
    days = {int((j.created_on - START) // 86400) for j in jobs}
    assert len(days) >= 29
    assert {j.platform for j in jobs} == {"reddit", "google", "meta"}
    states = Counter(j.state for j in jobs)
    assert states["completed"] > states["failed"] > 0
    failed_messages = {j.error for j in jobs if j.state == "failed"}
    assert any(
        "Too Many Requests" in (m or "") or "too many calls" in (m or "") for m in failed_messages
    )


def test_a_queue_forms_and_platform_failures_carry_real_messages(tmp_path: Path) -> None:
    store = simulate(tmp_path / "q.sqlite3", seed=5, seconds=900, workers=1)
    assert store.jobs_in_states(["created", "retry"]), "one worker should leave a queue"
    live = [
        j
        for j in store.history(
            since=START, until=None, states=[], platforms=[], after=None, limit=10_000
        )
    ]
    assert len(live) >= 10
    totals = [j.total for j in live if j.total]
    assert min(totals) < 20
    assert max(totals) > 40


def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    store = simulate(path, seed=9, seconds=120)
    before = store.dump()
    store.close()
    again = Store(path)
    engine = Engine(again, ServerConfig(seed=9), clock=lambda: START + 121)
    engine.bootstrap()
    after = again.dump()
    assert len(after) == len(before)
    assert {row[0] for row in after} == {row[0] for row in before}
    # Attempts cut off by the restart are queued again, as pg-boss does with expired jobs.
    assert not again.jobs_in_states(["active"])


def test_a_fresh_simulated_world_opens_on_a_backlog(tmp_path: Path) -> None:
    store = simulate(tmp_path / "b.sqlite3", seed=3, seconds=0.5, workers=3)
    assert len(store.jobs_in_states(["active"])) == 3  # every worker busy at once
    assert len(store.jobs_in_states(["created"])) >= 3  # and a queue behind them
