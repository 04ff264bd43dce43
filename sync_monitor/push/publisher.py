"""The one producer of changes per process: a thread that follows the hub and publishes numbered
messages, each serialized once for every viewer.

After a change it publishes the new state as a change against the previous one (`delta`), at most
once per `interval` (changes that arrive meanwhile are folded into the next message). It also looks
once per `idle_check` seconds without a change, since time alone changes some words (a stall, "since
14:02"). Connections pull what they have not sent yet (`since`): the changes when the publisher
still holds them all, else the full state.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sync_monitor.history.groups import Cause
from sync_monitor.live.snapshot import Snapshots
from sync_monitor.triage.groups import CauseState
from sync_monitor.triage.progress import BatchView

from .delta import diff
from .payload import payload
from .protocol import Payload

log = logging.getLogger(__name__)
KEEP = 64  # messages kept for connections that fell behind or resume


@dataclass(frozen=True)
class Message:
    seq: int
    state: Payload
    full: str  # the whole state, serialized once
    change: str  # the change from seq - 1, serialized once


class Publisher:
    def __init__(
        self,
        source: Snapshots,
        *,
        batch: Callable[[], BatchView | None] = lambda: None,
        states: Callable[[], Mapping[Cause, CauseState]] = dict,
        interval: float = 0.1,
        idle_check: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        # The group retry under way (or the last): its progress changes no snapshot, so each
        # idle check (every `idle_check` s) publishes it too.
        self._batch = batch
        self._states = states  # the failure groups' states, as the history last said (a minute)
        self.interval = interval
        self.idle_check = idle_check
        self._clock = clock
        self._lock = threading.Condition()
        self._messages: deque[Message] = deque(maxlen=KEEP)
        self._listeners: set[Callable[[], None]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._version = -1  # the hub's version last published from
        self.builds = 0  # payloads built: once per hub change or idle check, whoever watches
        # Numbers restart with the process: a connection resuming from another process's numbers
        # gets the full state, never changes against a state it does not have.
        self.epoch = secrets.token_hex(4)

    # -- the producer -----------------------------------------------------------------------
    def start(self) -> Publisher:
        self.publish_once()
        self._thread = threading.Thread(target=self._run, name="push-publisher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._source.wait_for_change(self._version, self.idle_check)
                self.publish_once()
            except Exception:  # one bad build must not end live updates for everyone
                log.exception("the push publisher failed to publish; it carries on")
            self._stop.wait(self.interval)  # coalesce: at most one message per interval

    def publish_once(self) -> Message | None:
        """Publish the hub's current state if it differs from the last message's."""
        snap = self._source.snapshot()
        self._version = snap.version
        state = payload(snap, self._batch(), self._states())
        self.builds += 1
        with self._lock:
            last = self._messages[-1] if self._messages else None
            if last is not None and last.state == state:
                return None
            seq = 1 if last is None else last.seq + 1
            change = diff(last.state, state) if last is not None else state
            now = round(self._clock() * 1000)
            message = Message(
                seq=seq,
                state=state,
                full=json.dumps(
                    {"type": "full", "epoch": self.epoch, "seq": seq, "now": now, "state": state}
                ),
                change=json.dumps(
                    {"type": "delta", "epoch": self.epoch, "seq": seq, "now": now, "change": change}
                ),
            )
            self._messages.append(message)
            listeners = list(self._listeners)
            self._lock.notify_all()
        for wake in listeners:
            try:
                wake()
            except Exception:
                log.exception("a push listener failed to wake")
        return message

    # -- the readers ------------------------------------------------------------------------
    def latest(self) -> Message | None:
        with self._lock:
            return self._messages[-1] if self._messages else None

    def since(self, seq: int, epoch: str | None = None) -> tuple[int, list[str]]:
        """What a connection that has sent up to `seq` (of `epoch`; None: of this publisher)
        must send next, in order, and the number it will then be at: the changes after `seq`
        while all are kept, else the full state; nothing when it is up to date."""
        with self._lock:
            if not self._messages:
                return seq, []
            last = self._messages[-1]
            if epoch not in (None, self.epoch):
                return last.seq, [last.full]
            if seq == last.seq:
                return seq, []
            if self._messages[0].seq <= seq < last.seq:
                return last.seq, [m.change for m in self._messages if m.seq > seq]
            return last.seq, [last.full]

    def listen(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call `wake` (from the publisher's thread; it must not block) after every message;
        returns the function that stops it."""
        with self._lock:
            self._listeners.add(wake)
        return lambda: self._forget(wake)

    def _forget(self, wake: Callable[[], None]) -> None:
        with self._lock:
            self._listeners.discard(wake)
