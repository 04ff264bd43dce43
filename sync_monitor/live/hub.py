"""The hub: one per process, shared by every viewer. Wiring only.

It makes the live state (`state.py`: the tracker under one lock, the snapshot the pages read),
exactly one stream consumer per watched job (`consumers.py`), the one status poller
(`poller.py`) and the actions (`actions.py`), each given what it changes; none of them knows the
hub. It starts and stops them together.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Protocol

from sync_monitor.access import ActionLog
from sync_monitor.dotoro.backoff import Backoff
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.pgboss.reader import QueueReader
from sync_monitor.settings import Settings

from .actions import Actions, SyncActions
from .consumers import ConnectorFactory, Consumers
from .poller import StatusPoller
from .records import Known
from .snapshot import Backend, QueueSource, Snapshot, Snapshots
from .state import LiveState
from .tracker import Tracker


class Live(Snapshots, Protocol):
    """What the pages and the publisher read and act through: the hub of this process, or, in
    a fleet (SYNC_MONITOR_COLLECTOR elected or elsewhere), this replica's view of the
    collector's (sync_monitor/fleet/replica.py)."""

    @property
    def actions(self) -> Actions: ...

    @property
    def wall(self) -> Callable[[], datetime]: ...

    def operator_here(self) -> None: ...


class Hub:
    def __init__(
        self,
        client: DotoroClient,
        settings: Settings,
        *,
        is_local: bool = False,
        connector: ConnectorFactory | None = None,
        backoff: Backoff | None = None,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        mono: Callable[[], float] = time.monotonic,
        audit: ActionLog | None = None,
        queue: QueueReader | None = None,
    ) -> None:
        self.client = client
        self.wall = wall
        backend = Backend(url=client.base_url, is_local=is_local)
        source = QueueSource.PGBOSS if queue else QueueSource.API
        tracker = Tracker(Known(backend=replace(backend, queue=source)))
        self.state = LiveState(
            tracker,
            wall,
            mono,
            workers=settings.workers,
            stall_seconds=settings.stall_seconds,
            # A poll may take its whole timeout, and one may fail: stale only past both.
            silent_after=settings.request_timeout_seconds + 2 * settings.poll_seconds + 5,
        )
        self._stop = threading.Event()
        self.consumers = Consumers(
            self.state,
            client,
            self._stop,
            heartbeat_seconds=settings.heartbeat_seconds,
            read_timeout=settings.read_timeout,
            connector=connector,
            backoff=backoff,
        )
        self.queue = queue  # pg-boss's table, read-only (issue 12), when the ops have access
        self.poller = StatusPoller(self.state, self.consumers, client, settings, self._stop, queue)
        self.actions = SyncActions(self.state, self.consumers, client, audit)

    def start(self) -> Hub:
        self.poller.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the poller and every consumer, and wait for their threads."""
        self._stop.set()
        consumers = self.consumers.all()
        for consumer in consumers:
            consumer.stop()
        self.poller.join(timeout)
        for consumer in consumers:
            consumer.thread.join(timeout)
        self.actions.shutdown()
        if self.queue is not None:  # the poller was its only reader; its connections close
            self.queue.close()

    # What the pages, the publisher and the recorder read.
    def snapshot(self) -> Snapshot:
        return self.state.snapshot()

    def wait_for_change(self, version: int, timeout: float) -> int:
        return self.state.wait_for_change(version, timeout)

    def operator_here(self) -> None:
        """A page was drawn for someone who may act (see `StatusPoller.operator_here`)."""
        self.poller.operator_here()
