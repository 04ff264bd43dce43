"""The recorder: one thread per process that follows the hub and writes what it sees into the
history, plus, where the backend lists its jobs (ext, §3.6), the finished jobs of the last 90
days. A history database that cannot be reached never stops the live page: the recorder says
why (`problem`), keeps what it could not write (up to MAX_PENDING attempts) and tries again.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError

from sync_monitor.dotoro.client import DotoroClient
from sync_monitor.dotoro.errors import ApiError
from sync_monitor.live.snapshot import Owner, Snapshot, Snapshots
from sync_monitor.pgboss.reader import QueueReader, QueueUnavailable

from . import client_queries
from .attempt import Attempt, from_listing, from_queue
from .engines import NOT_ANSWERING
from .observe import Observer
from .store import History, HistoryUnavailable, describe

log = logging.getLogger(__name__)
BACKFILL_DAYS = 90
RETRY_SECONDS = 15.0
MAX_PENDING = 10_000


class Recorder:
    def __init__(
        self,
        source: Snapshots,
        open_history: Callable[[], History],
        client: DotoroClient | None = None,
        queue: QueueReader | None = None,
        *,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,  # the client's budget's clock
        recording: Callable[[], bool] = lambda: True,
    ) -> None:
        self._source = source
        # In a fleet, only the collecting replica records (fleet/replica.py); the others open
        # the history for their pages. One that starts recording reads the open attempts
        # again: the collector before it has moved them on.
        self._recording = recording
        self._idle = False
        self._open_history = open_history
        self._client = client
        self._queue = queue
        self._retry = retry_seconds
        self._clock = clock
        self.history: History | None = None
        self.problem: str | None = None  # why the history is not being written, for the page
        # The error id of the problem when it is a bug (logged with its traceback), not the
        # database's doing: the page then says so, with the id, never "cannot be reached".
        self.fault: str | None = None
        self.unreachable = True  # the problem is a database that did not answer (else: unusable)
        self.recorded = 0  # attempts written (inserted or updated) by this process
        self.polled_at: datetime | None = None  # the poll whose snapshot was last recorded
        self._observer: Observer | None = None
        self._pending: dict[str, Attempt] = {}
        self._owned: dict[str, Owner] = {}  # whose each set is, as written
        self._backfilled = False
        # What the start's read of pg-boss's table found: ended jobs, and the oldest's creation.
        self.queue_reach: tuple[int, datetime | None] | None = None
        self._backfill_since: str | None = None  # the listing's start, fixed at its first page
        self._backfill_cursor: str | None = None  # where the listing resumes
        self._backfill_after = 0.0  # (monotonic) not before: its turn in the request budget
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._tried = threading.Event()  # set once the first attempt to open has ended

    def wait_tried(self, timeout: float) -> None:
        """Wait (at most `timeout` s) until the recorder has tried to open the history once:
        a page opened just after the start then shows the history, not "cannot be reached"."""
        self._tried.wait(timeout)

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def start(self) -> Recorder:
        self._thread = threading.Thread(target=self._run, name="history-recorder", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            if self._thread.is_alive():  # still writing: it must not share the store with us
                log.warning("the history recorder did not stop in time; its store stays open")
                return
        if self.history is not None:
            self._flush()
            self.history.close()

    def _run(self) -> None:
        version = -1
        while not self._stop.is_set():
            if not self._ready():
                self._stop.wait(self._retry)
                continue
            try:
                version = self._source.wait_for_change(version, 1.0)
                self.step(self._source.snapshot())
            except Exception:  # the live page must outlive any failure here
                log.exception("the history recorder failed; it carries on")
                self._stop.wait(self._retry)

    def _ready(self) -> bool:
        """Open the history and pick up its unfinished attempts, once it can be reached."""
        if self._observer is not None:
            return True
        try:
            history = self.history or self._open_history()
            self.history = history
            self._observer = Observer(history.open_attempts(), history.latest_by_set)
        except Exception as exc:  # whatever it is, the page says so and it is tried again
            self._failed(exc)
            return False
        finally:
            self._tried.set()
        self.problem = self.fault = None
        return True

    def step(self, snap: Snapshot) -> None:
        """Record what `snap` tells, and the backend's history once it is known to have one."""
        assert self._observer is not None
        if not self._recording():
            self._idle = True
            return
        if self._idle and self.history is not None:
            self._observer = Observer(self.history.open_attempts(), self.history.latest_by_set)
            self._idle = False
        for attempt in self._observer.observe(snap):
            self._pending[attempt.key] = attempt
        # After the first answer: the API's lists name the sets the queue's jobs belong to.
        if not self._backfilled and self._queue is not None and snap.loaded:
            self._backfill_queue(snap)
        elif snap.features.history and not self._backfilled:
            self._backfill(snap)
        self._flush()
        self._own(snap.owners)
        self.polled_at = snap.polled_at

    def _own(self, owners: Iterable[Owner]) -> None:
        """Keep whose each set is (issue 24's clients) once its row is written, and again only
        when that changes."""
        changed = {
            o.set_id: o
            for o in owners
            if (o.team_id or o.ad_account_id) and self._owned.get(o.set_id) != o
        }.values()
        if not changed or self.history is None:
            return
        try:
            kept = client_queries.own(self.history.engine, changed)
        except SQLAlchemyError as exc:
            self._failed(exc)
            return
        for owner in changed:
            if owner.set_id in kept:
                self._owned[owner.set_id] = owner

    def _backfill(self, snap: Snapshot) -> None:
        if self._client is None or self._clock() < self._backfill_after:
            return
        if self._backfill_since is None:
            self._backfill_since = (snap.taken_at - timedelta(days=BACKFILL_DAYS)).isoformat()
        pages = self._client.history_all(
            cursor=self._backfill_cursor,
            since=self._backfill_since,
            state="completed,failed,cancelled",
        )
        try:
            for page in pages:
                for job in page.jobs:
                    attempt = from_listing(job)
                    if attempt is not None:
                        self._pending.setdefault(attempt.key, attempt)
                self._flush()
                self._own(Owner(j.campaign_set_id, j.team_id, j.ad_account_id) for j in page.jobs)
                # A page refused later (the request budget is spent: background work waits its
                # turn) resumes after this one: starting over would spend the budget on pages
                # already read, and a long history would never be read to its end.
                self._backfill_cursor = page.next_cursor
                if self._stop.is_set():
                    return
        except ApiError as exc:
            if exc.status == 0 or exc.status == 429 or exc.status >= 500:
                # Not now (the budget, the service's rate limit, an outage): the same page later.
                log.info("history backfill paused (it resumes where it stopped): %s", exc.code)
                self._backfill_after = self._clock() + (exc.retry_after or 0.0)
            else:  # the page itself is refused (a cursor the backend forgot): from the start
                log.warning("history backfill starts over: %s %s", exc.status, exc.code)
                self._backfill_cursor = None
                self._backfill_after = self._clock() + self._retry
            return
        self._backfilled = True

    def _backfill_queue(self, snap: Snapshot) -> None:
        """The ended jobs of the last 90 days from pg-boss's own table (issue 12): complete,
        whoever started them; set names from what the API lists (else the set's id)."""
        assert self._queue is not None
        names = {a.set_id: a.name for a in snap.active}
        names.update({p.set_id: p.name for p in snap.pending})
        names.update({f.set_id: f.name for f in snap.failed})
        since = snap.taken_at - timedelta(days=BACKFILL_DAYS)
        found, oldest = 0, None
        try:
            for jobs in self._queue.finished(since):
                for job in jobs:
                    attempt = from_queue(job, names.get(job.set_id, ""))
                    self._pending.setdefault(attempt.key, attempt)
                    found += 1
                    oldest = job.created_on if oldest is None else min(oldest, job.created_on)
                self._flush()
                self._own(Owner(j.set_id, j.team_id, j.ad_account_id) for j in jobs)
                if self._stop.is_set():
                    return
        except QueueUnavailable as exc:
            log.info("history backfill from the queue stopped: %s", exc)
            return
        # pg-boss deletes ended jobs days after they end (7 by default): say how far back the
        # table went, so that nobody takes its 90 days for the table's.
        self.queue_reach = (found, oldest)
        log.info(
            "history backfill from the queue: %d ended jobs, back to %s",
            found,
            oldest.isoformat() if oldest else "none",
        )
        self._backfilled = True

    def _flush(self) -> None:
        if not self._pending or self.history is None:
            return
        batch = list(self._pending.values())
        try:
            self.history.record(batch)
        except (DataError, IntegrityError):
            # A row the database refuses (not a database that is down): write the others, one
            # at a time, and drop what is refused, so that one row never stops the recording.
            for attempt in batch:
                self._one(attempt)
            return
        except SQLAlchemyError as exc:
            self._failed(exc)
            if len(self._pending) > MAX_PENDING:  # the oldest sightings go first
                for key in list(self._pending)[: len(self._pending) - MAX_PENDING]:
                    del self._pending[key]
            return
        for attempt in batch:
            if self._pending.get(attempt.key) is attempt:
                del self._pending[attempt.key]
        self.recorded += len(batch)
        self.problem = self.fault = None

    def _one(self, attempt: Attempt) -> None:
        assert self.history is not None
        try:
            self.history.record([attempt])
        except (DataError, IntegrityError) as exc:
            log.warning("an attempt of set %s was refused and dropped: %s", attempt.set_id, exc)
        except SQLAlchemyError as exc:
            self._failed(exc)
            return
        else:
            self.recorded += 1
        self._pending.pop(attempt.key, None)

    def _failed(self, exc: Exception) -> None:
        if isinstance(exc, SQLAlchemyError):
            reason = describe(exc)
        elif isinstance(exc, HistoryUnavailable):
            reason = str(exc)
        else:  # not its text: it could quote the URL
            reason = f"the history cannot be opened ({type(exc).__name__})"
        said = self.problem == reason  # already (this is tried again every few seconds)
        self.unreachable = isinstance(exc, NOT_ANSWERING) or (
            isinstance(exc, HistoryUnavailable) and not exc.reached
        )
        if isinstance(exc, (*NOT_ANSWERING, HistoryUnavailable)):
            if not said:
                log.warning("the history database cannot be written: %s", reason)
            self.fault = None
        elif not said or self.fault is None:  # a bug, or a schema out of step with this monitor
            self.fault = uuid.uuid4().hex[:8]
            log.error(
                "the history cannot be written (error id %s): %s", self.fault, reason, exc_info=exc
            )
        self.problem = reason
