"""This replica's part in choosing the collector: it takes the lease when nobody holds it,
renews it every third of its time while it does, and starts and stops its collecting with it.

It gives up at the first renewal that fails, whatever the reason (the database down, this
replica cut off from it, the lease taken over): a collector that cannot say it still holds the
lease stops calling Dotoro at once, since another may already have taken it. Between renewals
`collecting()` answers by this replica's own clock, so a renewal that hangs lets the term run
out rather than stretch it (the Dotoro client asks it before every request).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from .lease import Lease, Term

log = logging.getLogger(__name__)
TAKE_AGAIN = 0.05  # seconds: after a lease ran out, or was just found free


class Election:
    def __init__(
        self,
        lease: Lease,
        elected: Callable[[Term], None],
        deposed: Callable[[str], None],
    ) -> None:
        self.lease = lease
        self._elected, self._deposed = elected, deposed
        self._term: Term | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def term(self) -> Term | None:
        with self._lock:
            return self._term

    def collecting(self) -> bool:
        """Whether this replica may act as the collector now."""
        return self.lease.holds(self.term)

    def start(self) -> Election:
        self._thread = threading.Thread(target=self._run, name="fleet-election", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop taking part; a lease held is let go, so that another replica takes it now."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        term = self.term
        if term is not None:
            self._lose("this replica is stopping")
            self._release(term)

    def _release(self, term: Term) -> None:
        try:
            self.lease.release(term)
        except Exception:
            log.exception("could not let the collector's lease go; it expires by itself")

    def _run(self) -> None:
        while not self._stop.is_set():
            self.once()
            self._stop.wait(self.pause())

    def pause(self) -> float:
        """Until the next round: a third of the lease's time while holding it (renewals);
        otherwise until the holder's lease runs out, if that is sooner, so that a dead holder is
        replaced within its lease's time, not a third of it later."""
        third = self.lease.ttl / 3
        if self.term is not None:
            return third
        try:
            holder = self.lease.current()
        except Exception as exc:
            log.warning("could not read the collector's lease: %s", exc)
            return third
        if holder is None or not holder.live:
            return min(third, TAKE_AGAIN)
        left = (holder.expires_at - holder.now).total_seconds()
        return max(TAKE_AGAIN, min(third, left + TAKE_AGAIN))

    def once(self) -> None:
        """One round: take the lease, or renew it; give up at the first failure."""
        term = self.term
        try:
            found = self.lease.take() if term is None else self.lease.renew(term)
        except Exception as exc:
            log.warning(
                "the collector's lease could not be %s: %s",
                "taken" if term is None else "renewed",
                exc,
                exc_info=True,
            )
            if term is not None:
                self._lose(f"its lease could not be renewed ({type(exc).__name__})")
            return
        if term is None and found is not None:
            with self._lock:
                self._term = found
            log.info("this replica collects now (epoch %s)", found.epoch)
            try:
                self._elected(found)
            except Exception:
                log.exception("this replica could not start collecting; it lets the lease go")
                self._lose("it could not start collecting")
                self._release(found)
        elif term is not None and (found is None or not self.lease.holds(found)):
            self._lose("its lease was taken over or ran out")
        elif found is not None:
            with self._lock:
                self._term = found

    def _lose(self, why: str) -> None:
        with self._lock:
            lost, self._term = self._term, None
        if lost is not None:
            log.warning("this replica stops collecting (epoch %s): %s", lost.epoch, why)
            self._deposed(why)
