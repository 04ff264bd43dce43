"""The live state: the tracker under one lock, its version, and the snapshot the pages read.

The poller, the streams and the actions change it through `change()`; every reader gets an
immutable `Snapshot`, rebuilt at most once per change however many viewers read it (coalescing),
and at least every SNAPSHOT_MAX_AGE so that elapsed times and stall flags stay fresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from .build import Moment, build
from .snapshot import Snapshot
from .tracker import Tracker

SNAPSHOT_MAX_AGE = 0.25  # seconds: elapsed times and stall flags stay fresh without events


class LiveState:
    def __init__(
        self,
        tracker: Tracker,
        wall: Callable[[], datetime],
        mono: Callable[[], float],
        *,
        workers: int | None = None,
        stall_seconds: float = 60.0,
        silent_after: float = 30.0,
    ) -> None:
        self.wall, self.mono = wall, mono
        self._tracker = tracker
        self._workers, self._stall_seconds = workers, stall_seconds
        self._silent_after = silent_after
        # One lock for the tracker and for the stream consumers kept beside it (consumers.py).
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self._version = 0
        self._cache: Snapshot | None = None
        self._cache_at = 0.0
        self.rebuilds = 0  # how many snapshots were built: coalescing is measurable

    @contextmanager
    def change(self) -> Iterator[Tracker]:
        """The tracker, under the lock, for one change; every viewer sees it after."""
        with self.lock:
            yield self._tracker
            self._version += 1
            self._changed.notify_all()

    @contextmanager
    def reading(self) -> Iterator[Tracker]:
        """The tracker, under the lock, to read (no change is announced)."""
        with self.lock:
            yield self._tracker

    def snapshot(self) -> Snapshot:
        """The current snapshot; rebuilt only when something changed (or it grew stale)."""
        with self.lock:
            fresh = self.mono() - self._cache_at < SNAPSHOT_MAX_AGE
            if self._cache is not None and self._cache.version == self._version and fresh:
                return self._cache
            known = self._tracker.known  # frozen: read outside the lock as it is now
            at = Moment(
                self.wall(),
                self.mono(),
                self._version,
                self._workers,
                self._stall_seconds,
                self._silent_after,
            )
        built = build(known, at)
        with self.lock:
            self.rebuilds += 1
            if self._cache is None or built.version >= self._cache.version:
                self._cache, self._cache_at = built, self.mono()
        return built

    def wait_for_change(self, version: int, timeout: float) -> int:
        """Block until the state's version passes `version` (or timeout); return the version."""
        with self._changed:
            self._changed.wait_for(lambda: self._version > version, timeout)
            return self._version
