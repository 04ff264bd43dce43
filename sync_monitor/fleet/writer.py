"""The collector's side of the journal: a thread that publishes its snapshots as changes while
its term lasts, the whole state now and then, and a beat when nothing changes (so the other
replicas can tell a quiet collector from a silent one)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable

from sync_monitor.live.snapshot import Snapshots

from .codec import Encoded, change, encode
from .journal import Journal

log = logging.getLogger(__name__)
CLOCK_ONLY = {"taken_at", "version"}  # a change of these alone says only that time passed


class Writer:
    def __init__(
        self,
        source: Snapshots,
        journal: Journal,
        epoch: int,
        *,
        interval: float = 0.2,
        beat: float = 1.0,
        save_every: float = 5.0,
        spent: Callable[[], list[int]] = list,
        mono: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source, self._journal, self.epoch = source, journal, epoch
        self.interval, self.beat, self.save_every = interval, beat, save_every
        self._mono = mono
        # When the requests of the last minute went (epoch ms), from the Dotoro client's budget:
        # a new collector counts them against its own (handover.py).
        self._spent = spent
        self._last_spent: list[int] = []
        self._last: Encoded | None = None
        self._seq = 0
        self._event_id = 0
        self._sent_at = self._saved_at = float("-inf")
        self._version = -1
        self.fenced = threading.Event()  # the lease is gone: nothing more is written
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Writer:
        self._thread = threading.Thread(target=self._run, name="fleet-writer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set() and not self.fenced.is_set():
            try:
                self._version = self._source.wait_for_change(self._version, self.beat)
                self.write_once()
            except Exception:  # the database went away, or a bug: log it, and try again
                log.exception("the collector could not publish its state; it tries again")
                self._stop.wait(1.0)
            self._stop.wait(self.interval)

    def write_once(self) -> int | None:
        """Publish the source's state if it changed (or a beat is due); the event's id."""
        encoded = encode(self._source.snapshot())
        spent = self._spent()
        now = self._mono()
        if self._last is None:
            body: Encoded = {"seq": self._seq + 1, "full": encoded}
        else:
            changed = change(self._last, encoded)
            quiet = set(changed) <= CLOCK_ONLY and spent == self._last_spent
            if quiet and now - self._sent_at < self.beat:
                return None
            body = {"seq": self._seq + 1, "change": changed}
        if self._last is None or spent != self._last_spent:
            body["spent"] = spent
        body["by"] = self._journal.holder  # for the page: "collected by …"
        found = self._journal.append(self.epoch, json.dumps(body))
        if found is None:
            self.fenced.set()
            log.warning("the collector's lease (epoch %s) is gone: it stops publishing", self.epoch)
            return None
        self._last, self._seq, self._event_id, self._sent_at = encoded, self._seq + 1, found, now
        self._last_spent = spent
        if now - self._saved_at >= self.save_every:
            whole = json.dumps(
                {"seq": self._seq, "full": encoded, "spent": spent, "by": self._journal.holder}
            )
            if not self._journal.save(self.epoch, found, whole):
                self.fenced.set()
            self._saved_at = now
        return found
