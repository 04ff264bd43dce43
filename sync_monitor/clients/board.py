"""The clients' board, for every viewer: one thread per process reads what the history says of
each set (every 30 s the sets written since its last read, every 10 min all of them; every 5 s
until it is first read), and `get()` joins it with what runs now: rebuilt when the history was
read again, when what runs changed (at most every 5 s: it changes every second, and a
deployment may have 20,000 sets), and at least every 30 s (the "12 min ago"s)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta

from sync_monitor.history import History
from sync_monitor.history.client_queries import changed_since, set_facts
from sync_monitor.history.engines import NOT_ANSWERING
from sync_monitor.history.sets import SetFacts
from sync_monitor.history.store import describe
from sync_monitor.live.snapshot import Snapshot

from .build import build
from .status import Board

log = logging.getLogger(__name__)
EVERY_S = 30.0
SOON_S = 5.0
FRESH_S = 30.0  # a board older than this is rebuilt even when nothing changed (its "ago"s)
FULL_EVERY_S = 600.0  # every set read again (in between, those written since the last read)
MARGIN = timedelta(seconds=60)  # a write stamped by a collector's clock a little behind ours
AT_MOST_S = 5.0  # what runs now changes every second: the board follows it at most this often


class ClientBoard:
    def __init__(
        self,
        history: Callable[[], History | None],
        snapshot: Callable[[], Snapshot],
        names: Mapping[str, str],
        team_id: str | None = None,
        every: float = EVERY_S,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._history, self._snapshot = history, snapshot
        self._names, self._team = dict(names), team_id
        self.every, self._clock = every, clock
        self._facts: dict[str, SetFacts] | None = None  # None: the history not read yet
        self._read_at = datetime.min.replace(tzinfo=UTC)  # when the last read began
        self._full_at = 0.0  # (monotonic) when every set was last read
        self._read = 0  # how many times the facts were read
        self._built: tuple[tuple[int, int], float, Board] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="client-board", daemon=True)

    def start(self) -> ClientBoard:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def loaded(self) -> bool:
        """Has the history been read (else the board holds only what runs now)?"""
        return self._facts is not None

    def get(self) -> Board:
        """The board now (shared: the same object for every viewer until something changes)."""
        snap = self._snapshot()
        with self._lock:
            stamp = (self._read, snap.version)
            built = self._built
            if built is not None:
                (read, version), at, board = built
                age = time.monotonic() - at
                same = read == self._read and (version == snap.version or age < AT_MOST_S)
                if same and age < FRESH_S:
                    return board
            facts = (self._facts or {}).values()
            board = build(facts, snap, self._names, self._clock(), self._team)
            self._built = (stamp, time.monotonic(), board)
            return board

    def _run(self) -> None:
        while not self._stop.is_set():
            read = False
            try:
                read = self.refresh()
            except Exception:  # a bug: logged; the page says what it has
                log.exception("could not read the clients' sets from the history")
            self._stop.wait(self.every if read else min(self.every, SOON_S))

    def refresh(self) -> bool:
        """Read the sets' facts again; False when the history could not be read. A full read
        at first and every `FULL_EVERY_S` (the 30 days the usual interval is learned from move
        on for every set); else only the sets written since the last read (and a margin for
        a collector's clock, in a fleet)."""
        history = self._history()
        if history is None:
            return False
        now = self._clock()
        full = self._facts is None or time.monotonic() - self._full_at > FULL_EVERY_S
        try:
            if full:
                facts = {f.set_id: f for f in set_facts(history.engine, now)}
            else:
                changed = changed_since(history.engine, self._read_at - MARGIN)
                facts = dict(self._facts or {})
                facts.update((f.set_id, f) for f in set_facts(history.engine, now, sorted(changed)))
        except NOT_ANSWERING as exc:
            log.warning("the history did not answer for the clients: %s", describe(exc))
            return False
        with self._lock:
            self._facts = facts
            self._read_at = now
            self._read += 1
            if full:
                self._full_at = time.monotonic()
        return True
