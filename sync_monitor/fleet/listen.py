"""A thread's loop around PostgreSQL's LISTEN: do the work after each (re)connect, at each
notification on the channel, and every `every` seconds regardless (a notification sent while
the connection was down is lost with it; the work must read what is new, not trust the
notification's payload)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine

log = logging.getLogger(__name__)
STOP_SLICE = 0.5  # seconds: how long a stop may wait for the thread
RECONNECT = 1.0  # seconds between attempts to connect again


def conninfo(engine: Engine) -> str:
    """The libpq URL of the engine's database, for a connection of psycopg's own."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listening:
    """`work()` on notifications of `channel`; `problem` says why it cannot listen now."""

    def __init__(
        self,
        engine: Engine,
        channel: str,
        work: Callable[[], object],
        *,
        every: float,
        name: str,
    ) -> None:
        self._conninfo, self.channel, self._work, self.every = (
            conninfo(engine),
            channel,
            work,
            every,
        )
        self.problem: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> Listening:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5) as db:
                    db.execute(f"LISTEN {self.channel}")
                    self.problem = None
                    while not self._stop.is_set():
                        self._work()  # after LISTEN: nothing committed since is missed
                        self._wait(db)
            except psycopg.OperationalError as exc:
                self.problem = f"the shared database did not answer ({str(exc).strip()[:200]})"
                log.warning("%s lost its connection: %s", self._thread.name, self.problem)
            except Exception:
                self.problem = "an unexpected error in the monitor"
                log.exception("%s failed; it starts again", self._thread.name)
            self._stop.wait(RECONNECT)

    def _wait(self, db: psycopg.Connection[tuple[object, ...]]) -> None:
        """Until a notification, `every` seconds, or stop(), whichever comes first (in slices:
        psycopg's wait for notifications cannot be woken from another thread)."""
        until = time.monotonic() + self.every
        while not self._stop.is_set() and (left := until - time.monotonic()) > 0:
            if any(True for _ in db.notifies(timeout=min(left, STOP_SLICE), stop_after=1)):
                return
