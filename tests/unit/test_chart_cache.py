"""Charts are built once per snapshot for every viewer of the process (ui/summary.py)."""

from __future__ import annotations

import threading
import time

from sync_monitor.ui import summary


def test_one_build_per_key_however_many_viewers_ask_at_once() -> None:
    made: list[int] = []

    def make() -> int:
        time.sleep(0.05)  # slow, as Altair is: the others must wait, not build again
        made.append(1)
        return 42

    key = ("test", object())
    results: list[int] = []
    viewers = [
        threading.Thread(target=lambda: results.append(summary._once(key, make))) for _ in range(20)
    ]
    for v in viewers:
        v.start()
    for v in viewers:
        v.join()
    assert results == [42] * 20
    assert made == [1]


def test_the_cache_keeps_a_bounded_number_of_entries() -> None:
    for n in range(summary.KEEP * 3):
        summary._once(("bounded", n), lambda n=n: n)  # type: ignore[misc]
    assert len(summary._built) <= summary.KEEP
    # The newest stay; the oldest went.
    assert ("bounded", summary.KEEP * 3 - 1) in summary._built
    assert ("bounded", 0) not in summary._built
