"""A replica's side of the journal: the collector's snapshot, kept up to date from its changes.

It stands where the hub stands on the collecting replica (`snapshot()`, `wait_for_change()`),
so this replica's publisher and pages work as they do there. One thread `LISTEN`s on its own
connection and reads the rows after the last it applied at each notification (and every
`every` seconds regardless: a notification is lost with its connection); after a reconnect it
reads on from the same id, so nothing is lost. A change it cannot apply (a gap: events pruned
while it was away, or a new collector whose first state it missed) sends it back to the saved
state.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

import psycopg
from sqlalchemy import Engine

from sync_monitor.live.snapshot import Snapshot

from .codec import Encoded, apply, decode
from .journal import CHANNEL, Event, Journal

log = logging.getLogger(__name__)
STOP_SLICE = 0.5  # seconds: how long stop() may wait for the thread


@dataclass(frozen=True)
class Heard:
    """The last the follower heard from the collector."""

    epoch: int
    event_id: int
    at: datetime  # the event's time, on the database's clock
    received: float  # this replica's monotonic clock when it read it


class Follower:
    def __init__(
        self,
        engine: Engine,
        journal: Journal,
        *,
        every: float = 1.0,
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._journal, self.every, self._mono = journal, every, mono
        self._state: Encoded | None = None
        self._epoch, self._seq, self._last_id = 0, 0, 0
        self._snapshot: Snapshot | None = None
        self._version = 0  # this replica's own count: a new collector's versions start again
        self.heard: Heard | None = None
        self.spent: list[int] = []  # the collector's requests of its last minute (epoch ms)
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.problem: str | None = None  # why it cannot read the journal now

    # -- the hub's place ----------------------------------------------------------------------
    def snapshot(self) -> Snapshot | None:
        with self._changed:
            return self._snapshot

    def wait_for_change(self, version: int, timeout: float) -> int:
        with self._changed:
            self._changed.wait_for(lambda: self._version > version, timeout)
            return self._version

    # -- the thread -----------------------------------------------------------------------------
    def start(self) -> Follower:
        self.catch_up()
        self._thread = threading.Thread(target=self._run, name="fleet-follower", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as db:
                    db.execute(f"LISTEN {CHANNEL}")
                    self.problem = None
                    while not self._stop.is_set():
                        self.catch_up()  # after LISTEN: nothing committed since is missed
                        self._wait(db)
            except psycopg.OperationalError as exc:
                self.problem = f"the shared database did not answer ({str(exc).strip()[:200]})"
                log.warning("the journal's follower lost its connection: %s", self.problem)
            except Exception:
                self.problem = "an unexpected error in the monitor"
                log.exception("the journal's follower failed; it starts again")
            self._stop.wait(1.0)

    def _wait(self, db: psycopg.Connection[tuple[object, ...]]) -> None:
        """Until a notification, `every` seconds, or stop(), whichever comes first (in slices:
        psycopg's wait for notifications cannot be woken from another thread)."""
        until = self._mono() + self.every
        while not self._stop.is_set() and (left := until - self._mono()) > 0:
            if any(True for _ in db.notifies(timeout=min(left, STOP_SLICE), stop_after=1)):
                return

    def catch_up(self) -> int:
        """Apply every change after the last one applied; how many were."""
        applied = 0
        while True:
            events = self._journal.after(self._last_id)
            if not events:
                return applied
            for event in events:
                applied += self._take(event)

    def _take(self, event: Event) -> int:
        body = json.loads(event.body)
        if "full" in body:
            state = body["full"]
        elif self._state is not None and (event.epoch, body["seq"]) == (self._epoch, self._seq + 1):
            state = apply(self._state, body["change"])
        else:  # a gap: start again from the saved state when it is newer, and read on
            saved = self._journal.state()
            self._last_id = event.id
            if saved is None or saved.id < event.id:  # not yet: the collector saves it soon
                self._state = None  # every change is a gap until then
                log.warning(
                    "the journal has a gap at event %s: waiting for a newer state", event.id
                )
                return 0
            self._last_id = saved.id
            self._set(saved, json.loads(saved.body))
            return 1
        self._last_id = event.id
        self._set(event, {**body, "full": state})
        return 1

    def _set(self, event: Event, body: Encoded) -> None:
        state = body["full"]
        snapshot = decode(state)
        with self._changed:
            if "spent" in body:
                self.spent = body["spent"]
            self._state, self._epoch, self._seq = state, event.epoch, body["seq"]
            self._version += 1
            self._snapshot = replace(snapshot, version=self._version)
            self.heard = Heard(event.epoch, event.id, event.at, self._mono())
            self._changed.notify_all()
