"""Results shared by every viewer of a process: one computation per key at a time (a viewer
who asks while it runs waits for it instead of starting another), and the newest few kept."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Shared(Generic[K, V]):
    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._lock = threading.Lock()
        self._results: OrderedDict[K, Future[V]] = OrderedDict()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        """`compute()`'s result for `key`: computed here unless kept or under way elsewhere.
        A failure is raised to everyone who waited on it, and not kept."""
        with self._lock:
            found = self._results.get(key)
            mine = found is None
            if found is None:
                found = self._results[key] = Future()
                while len(self._results) > self._keep:
                    self._results.popitem(last=False)
            else:
                self._results.move_to_end(key)
        if mine:
            try:
                found.set_result(compute())
            except BaseException as exc:
                with self._lock:
                    if self._results.get(key) is found:
                        del self._results[key]
                found.set_exception(exc)
        return found.result()
