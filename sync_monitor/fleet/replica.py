"""One replica of a fleet (SYNC_MONITOR_COLLECTOR elected or elsewhere).

Every replica follows the collector's journal: its pages and its publisher read the state from
there (the same on every replica, the collector's own included), and its Retry and Cancel go to
the collector as requests. A replica that takes part in the election (elected) collects while it
holds the lease: it then runs the hub (the status poll, the streams, the actions), the journal's
writer and the requests' executor, with the Dotoro client fenced by the lease, and stops them
all the moment it loses it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine

from sync_monitor.access import ActionLog
from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.dotoro.models import Features
from sync_monitor.history.engines import NOT_ANSWERING
from sync_monitor.live.hub import Hub
from sync_monitor.live.snapshot import Backend, Collector, Snapshot

from .actions import Executor, FleetActions
from .election import Election
from .follower import Follower
from .handover import inherited
from .journal import Journal
from .lease import Lease, Term
from .requests import Requests
from .writer import Writer

log = logging.getLogger(__name__)
NOT_COLLECTING = "this replica does not collect now"
RETRY = 5.0  # seconds between attempts to prepare the shared database


@dataclass
class Collecting:
    """What runs while this replica holds the lease."""

    term: Term
    hub: Hub
    writer: Writer
    executor: Executor


class Replica:
    def __init__(
        self,
        engine: Engine,
        name: str,
        client: DotoroClient,
        make_hub: Callable[[], Hub],
        *,
        elect: bool,
        lease_seconds: float,
        per_minute: int,
        audit: ActionLog | None = None,
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name, self._engine, self._client, self._make_hub = name, engine, client, make_hub
        self._per_minute, self._lease_seconds, self._mono = per_minute, lease_seconds, mono
        self.follower = Follower(engine, Journal(engine, name), mono=mono)
        self._requests = Requests(engine)
        self.actions = FleetActions(self._requests, name, audit)
        self.election = (
            Election(Lease(engine, name, lease_seconds), self._elected, self._deposed)
            if elect
            else None
        )
        client.fence = self.fence
        self._collecting: Collecting | None = None
        self._operator_noted = False
        self._operator_wanted = False  # asked before the schema was there
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._started = False
        self.problem: str | None = None  # why it cannot follow yet
        self.wall: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._waiting = Snapshot(  # until the first state arrives from the collector
            taken_at=datetime.now(UTC),
            version=0,
            backend=Backend(url=client.base_url),
            features=Features(),
            polled_at=None,
        )

    # -- what the pages and the publisher read (the hub's place) ------------------------------
    def snapshot(self) -> Snapshot:
        """The collector's state as last heard, naming it; stale when it has been silent for
        longer than its lease (it beats every second even when nothing changes)."""
        snapshot, heard = self.follower.snapshot(), self.follower.heard
        if snapshot is None or heard is None:
            return self._waiting
        silent = self._mono() - heard.received > self._lease_seconds
        collector = Collector(heard.by, heard.at, silent)
        if silent:
            return replace(snapshot, collector=collector, frozen_at=snapshot.frozen_at or heard.at)
        return replace(snapshot, collector=collector)

    def wait_for_change(self, version: int, timeout: float) -> int:
        return self.follower.wait_for_change(version, timeout)

    def operator_here(self) -> None:
        """Someone who may act has this replica open: the collector's probes that write (the
        probe of cancel) may go. Noted once per process in the shared database."""
        with self._lock:
            self._operator_wanted = True
            if self._operator_noted or not self._started:  # noted once the schema is there
                return
        self._note_operator()

    def _note_operator(self) -> None:
        try:
            self._requests.note_operator()
        except NOT_ANSWERING as exc:  # the page goes on; its next run tries again
            log.warning("could not tell the collector that an operator is here: %s", exc)
            return
        except Exception:
            log.exception("could not tell the collector that an operator is here")
            return
        with self._lock:
            self._operator_noted = True

    @property
    def hub(self) -> Hub | None:
        """The hub, while this replica collects."""
        with self._lock:
            return self._collecting.hub if self._collecting else None

    def collecting(self) -> bool:
        """Whether this replica is the collector now (it alone records the history)."""
        return self.election is not None and self.election.collecting()

    def fence(self) -> str | None:
        """Why this replica may not call Dotoro now (None: it may)."""
        return None if self.collecting() else NOT_COLLECTING

    # -- life ---------------------------------------------------------------------------------
    def start(self, prepare: Callable[[], object] = lambda: None) -> Replica:
        """Start following (and, with elect, standing) once `prepare()` has worked: the shared
        database's schema brought up to date, tried again every RETRY seconds meanwhile."""
        threading.Thread(
            target=self._start, args=(prepare,), name="fleet-start", daemon=True
        ).start()
        return self

    def _start(self, prepare: Callable[[], object]) -> None:
        while not self._stopped.is_set():
            try:
                prepare()
                break
            except Exception as exc:
                self.problem = f"the shared database cannot be used yet ({type(exc).__name__})"
                log.warning("this replica cannot start following: %s", exc, exc_info=True)
                self._stopped.wait(RETRY)
        with self._lock:
            if self._stopped.is_set():
                return
            self.problem = None
            self.follower.start()
            if self.election is not None:
                self.election.start()
            self._started = True
            wanted = self._operator_wanted
        if wanted:
            self._note_operator()

    def stop(self) -> None:
        with self._lock:
            self._stopped.set()
            started = self._started
        if started:
            if self.election is not None:
                self.election.stop()  # deposes this replica first: nothing runs on
            self.follower.stop()
        self.actions.shutdown()

    def _elected(self, term: Term) -> None:
        heard = self.follower.heard
        if heard is not None:  # the predecessor's last minute counts against this one's
            now_ms = round(time.time() * 1000)
            heard_ms = round(heard.at.timestamp() * 1000)
            self._client.assume_spent(
                inherited(self.follower.spent, heard_ms, now_ms, self._per_minute)
            )
        started: list[Callable[[], None]] = []  # stopped again if the rest does not start
        try:
            hub = self._make_hub()
            started.append(hub.start().stop)
            journal = Journal(self._engine, self.name)
            writer = Writer(hub, journal, term.epoch, spent=self._client.spent_ms).start()
            started.append(writer.stop)
            executor = Executor(
                self._engine,
                self._requests,
                hub.actions,
                self.name,
                term.epoch,
                operator_here=hub.operator_here,
            )
            started.append(executor.start().stop)
        except BaseException:
            for stop in reversed(started):
                stop()
            raise
        with self._lock:
            self._collecting = Collecting(term, hub, writer, executor)

    def _deposed(self, why: str) -> None:
        with self._lock:
            running, self._collecting = self._collecting, None
        if running is None:
            return
        running.hub.stop()  # first: nothing more goes to Dotoro (the fence holds already)
        running.executor.stop()
        running.writer.stop()
        log.info("stopped collecting: %s", why)
