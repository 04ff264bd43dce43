"""Results shared by the viewers of a process: one computation per key however many ask at
once, the newest kept, a failure not kept."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from sync_monitor.history.shared import Shared
from tests.support.waiting import seconds


def test_viewers_asking_at_once_share_one_computation() -> None:
    shared: Shared[str, int] = Shared(keep=4)
    started, release = threading.Event(), threading.Event()
    asked = threading.Semaphore(0)
    runs: list[str] = []

    def slow() -> int:
        runs.append("slow")
        started.set()
        release.wait(seconds(10))
        return 42

    def own() -> int:  # what the others would compute, were they not sharing the first's
        runs.append("own")
        return 7

    def ask() -> int:
        asked.release()
        return shared.get("7d", own)

    with ThreadPoolExecutor(8) as pool:
        first = pool.submit(shared.get, "7d", slow)
        assert started.wait(seconds(10))
        others = [pool.submit(ask) for _ in range(7)]
        assert all(asked.acquire(timeout=seconds(10)) for _ in others)
        release.set()  # the others asked while the first computed (or just after: kept)
        assert [f.result(seconds(10)) for f in (first, *others)] == [42] * 8
    assert runs == ["slow"]
    assert shared.get("7d", lambda: 0) == 42  # kept


def test_only_the_newest_are_kept() -> None:
    shared: Shared[int, int] = Shared(keep=2)
    for key in (1, 2, 3):
        shared.get(key, lambda key=key: key * 10)  # type: ignore[misc]
    assert shared.get(3, lambda: -1) == 30
    assert shared.get(1, lambda: -1) == -1  # the oldest went first


def test_a_failure_reaches_whoever_waited_and_is_not_kept() -> None:
    shared: Shared[str, int] = Shared(keep=4)

    def broken() -> int:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="went away"):
        shared.get("30d", broken)
    assert shared.get("30d", lambda: 5) == 5
