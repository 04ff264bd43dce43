"""A replica's side of the journal: the collector's snapshot, kept up to date from its changes.

It stands where the hub stands on the collecting replica (`snapshot()`, `wait_for_change()`),
so this replica's publisher and pages work as they do there. One thread `LISTEN`s on its own
connection (listen.py) and reads the rows after the last it applied at each notification;
after a reconnect it reads on from the same id, so nothing is lost. A change it cannot apply
(a gap: events pruned while it was away, or a new collector whose first state it missed) sends
it back to the saved state.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine

from sync_monitor.live.snapshot import Snapshot

from .codec import Encoded, apply, decode
from .journal import CHANNEL, Event, Journal
from .listen import Listening

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Heard:
    """The last the follower heard from the collector."""

    epoch: int
    event_id: int
    at: datetime  # the event's time, on the database's clock
    received: float  # this replica's monotonic clock when it read it
    by: str  # the collector's name


class Follower:
    def __init__(
        self,
        engine: Engine,
        journal: Journal,
        *,
        every: float = 1.0,
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        self._journal, self._mono = journal, mono
        self._state: Encoded | None = None
        self._epoch, self._seq, self._last_id = 0, 0, 0
        self._snapshot: Snapshot | None = None
        self._version = 0  # this replica's own count: a new collector's versions start again
        self.heard: Heard | None = None
        self.spent: list[int] = []  # the collector's requests of its last minute (epoch ms)
        self._changed = threading.Condition()
        self._listening = Listening(
            engine, CHANNEL, self.catch_up, every=every, name="fleet-follower"
        )

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
        self._listening.start()
        return self

    def stop(self) -> None:
        self._listening.stop()

    @property
    def problem(self) -> str | None:
        """Why it cannot read the journal now (None: it can)."""
        return self._listening.problem

    def catch_up(self) -> int:
        """Apply every change after the last one applied; how many were. A follower that has
        nothing yet starts from the saved state (not from every change kept)."""
        applied = 0
        if self._state is None and self._last_id == 0:
            saved = self._journal.state()
            if saved is not None:
                self._last_id = saved.id
                self._set(saved, json.loads(saved.body))
                applied += 1
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
            by = body.get("by") or (self.heard.by if self.heard else "")
            self.heard = Heard(event.epoch, event.id, event.at, self._mono(), by)
            self._changed.notify_all()
